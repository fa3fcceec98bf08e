import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { build } from '../bin/app';
import { functionsOf, resolvedEnvironment, synthesizeTemplates } from '../test/harness/synthesized-function';

const ROOT = path.join(__dirname, '..');

/**
 * The environment each handler gets in the reference platform (bin/app.ts), read from its
 * synthesized template: the modules read it at import, so a made-up one measures something else.
 * References to resources become local names of the right shape (an ARN for `Fn::GetAtt ….Arn`).
 */
export function synthesizedEnvironments(assets: string): Record<string, Record<string, string>> {
  const context = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
  const templates = synthesizeTemplates((app) => build(app), context);
  const env: Record<string, Record<string, string>> = {};
  for (const name of readdirSync(assets)) {
    const [fn] = functionsOf(templates, name);
    if (!fn) continue;
    const { account, region } = { account: String(context['mlops:toolingAccount']), region: String(context['mlops:region']) };
    const resources = fn.template.Resources;
    const refs = new Proxy({}, { get: (_t, id: string) => `local-${id}` }) as Record<string, string>;
    const attributes = new Proxy({}, {
      get: (_t, key: string) => {
        const [id] = key.split('.');
        const service = (resources[id]?.Type ?? 'AWS::Local::X').split('::')[1].toLowerCase();
        return `arn:aws:${service}:${region}:${account}:local-${id}`;
      },
    }) as Record<string, string>;
    env[name] = resolvedEnvironment(fn, { account, region, refs, attributes });
  }
  return env;
}

