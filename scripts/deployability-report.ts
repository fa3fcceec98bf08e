/**
 * Runs the deployability check over the reference platform and every example and prints, per app,
 * the deploy order the check models, every finding (rule, template, resource, message) and how
 * many templates and resources each rule covered.
 *
 *   npx tsx scripts/deployability-report.ts [bin/app.ts examples/foo.ts ...] [--json]
 */
import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { analyze } from '../lib/checks/private/analysis';

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const apps = args.filter((a) => !a.startsWith('--'));
const entryPoints = apps.length > 0 ? apps : [
  path.join('bin', 'app.ts'),
  ...readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join('examples', f)),
];
const context = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')).context ?? {};

const out: unknown[] = [];
for (const entry of entryPoints) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(root, entry)) as { build: (app: App) => App };
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'deployability-')), context });
  mod.build(app);
  const started = Date.now();
  const assembly = app.synth();
  const synthMs = Date.now() - started;
  const t0 = Date.now();
  const result = analyze(app, assembly.stacksRecursively.map((s) => ({
    templatePath: s.templateFullPath,
    accountId: s.environment.account === cxapi.UNKNOWN_ACCOUNT ? undefined : s.environment.account,
    region: s.environment.region === cxapi.UNKNOWN_REGION ? undefined : s.environment.region,
  })));
  const checkMs = Date.now() - t0;
  const findings = result.findings.filter((f) => !f.acknowledgedReason);
  if (json) {
    out.push({
      app: entry,
      templates: result.model.templates.map((t) => ({ kind: t.kind, name: t.displayName, deployments: t.deployments.map((d) => ({ ...d.env, stackName: d.stackName })) })),
      findings: findings.map((f) => ({ rule: f.rule.id, template: f.template.displayName, kind: f.template.kind, logicalId: f.logicalId, location: f.location, message: f.message })),
      coverage: Object.fromEntries([...result.coverage].map(([id, c]) => [id, { templates: c.templates.size, resources: c.resources.size }])),
    });
    continue;
  }
  console.log(`\n=== ${entry}: ${result.model.templates.length} templates, ${findings.length} findings (synth ${synthMs} ms, check ${checkMs} ms)`);
  console.log('deploy order:');
  for (const t of result.model.templates) {
    console.log(`  ${t.kind.padEnd(9)} ${t.displayName} -> ${t.deployments.map((d) => `${d.stackName ?? '?'}@${d.env.account ?? '?'}/${d.env.region ?? '?'}`).join(', ')}`);
  }
  for (const note of result.model.notes) console.log(`  note: ${note}`);
  console.log('coverage (templates / resources):');
  for (const [id, c] of result.coverage) console.log(`  ${id.padEnd(45)} ${String(c.templates.size).padStart(3)} / ${c.resources.size}`);
  console.log('findings:');
  for (const f of findings) {
    console.log(`- ${f.rule.id} | ${f.template.displayName} | ${f.logicalId ?? '-'} | ${f.location ?? ''}\n    ${f.message}\n    fix: ${f.fix}`);
  }
}
if (json) console.log(JSON.stringify(out, undefined, 2));
