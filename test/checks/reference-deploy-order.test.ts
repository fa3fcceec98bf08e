import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { build } from '../../bin/app';
import { hasHole } from '../../lib/checks/private/glob';
import { Creation, creations, dependsOn } from '../../lib/checks/private/identities';
import { DeploymentModel, ModelTemplate } from '../../lib/checks/private/model';
import { parseNamedPrincipal, policySources, principalValues } from '../../lib/checks/private/policies';
import { asArray, directReference } from '../../lib/checks/private/values';
import { cdkJsonContext } from '../compliance/synthesize-app';

const keyOf = (account: string, kind: string, pathAndName: string) => `${account}|${kind}|${pathAndName}`;
const creationKey = (c: Creation) => keyOf(c.account, c.kind, c.pathAndName);

/**
 * Walks the reference platform as `cdk deploy --all` deploys it (stacks in dependency order),
 * then as its promotion pipelines run (after every stack), and lists each role or user a template
 * names that the platform creates but that does not exist yet when the template is deployed.
 */
function missingNames(model: DeploymentModel): { missing: string[]; checked: number } {
  const created = creations(model);
  const createdKeys = new Set(created.map(creationKey));
  const existing = new Set<string>();
  const missing: string[] = [];
  let checked = 0;
  let promotionsChecked = false;
  const need = (t: ModelTemplate, what: string, account: string, kind: string, pathAndName: string, sameTemplate?: () => boolean) => {
    const key = keyOf(account, kind, pathAndName);
    if (!createdKeys.has(key)) return; // not the platform's: the user's, assumed to exist
    checked += 1;
    if (existing.has(key) || sameTemplate?.()) return;
    missing.push(`${t.describe()}: ${what} ${kind} ${pathAndName} of account ${account}`);
  };
  const checkPipelineRoles = () => {
    // the promotion pipelines run after cdk deploy: every role their actions assume must exist then
    for (const t of model.templates) {
      for (const [id, r] of Object.entries(t.resources)) {
        if (r.Type !== 'AWS::CodePipeline::Pipeline') continue;
        for (const d of t.deployments) {
          const ev = t.evaluator(d, 'identity');
          for (const stage of asArray(r.Properties?.Stages) as any[]) {
            for (const action of asArray(stage?.Actions) as any[]) {
              for (const [what, value] of [['action role', action?.RoleArn], ['CloudFormation execution role', action?.Configuration?.RoleArn]] as const) {
                if (value === undefined || (directReference(value) && t.resources[directReference(value)!.logicalId])) continue;
                const named = parseNamedPrincipal(ev.evaluate(value));
                if (named) need(t, `${id} ${stage?.Name}/${action?.Name} assumes ${what}`, named.account, named.kind, named.pathAndName);
              }
            }
          }
        }
      }
    }
  };
  for (const t of model.templates) {
    if (t.kind !== 'stack' && !promotionsChecked) {
      checkPipelineRoles();
      promotionsChecked = true;
    }
    for (const d of t.deployments) {
      const ev = t.evaluator(d, 'identity');
      for (const source of policySources(t)) {
        if (source.kind === 'identity') continue;
        for (const statement of source.statements) {
          for (const value of principalValues(statement, 'AWS')) {
            const ref = directReference(value);
            if (ref && t.resources[ref.logicalId]) continue;
            const arn = ev.evaluate(value);
            const named = hasHole(arn) ? undefined : parseNamedPrincipal(arn);
            if (!named) continue;
            need(t, `${source.logicalId} (${source.type}) names`, named.account, named.kind, named.pathAndName, () => created.some((c) =>
              c.template === t && c.deployment === d && creationKey(c) === keyOf(named.account, named.kind, named.pathAndName) && dependsOn(t, source.logicalId, c.logicalId)));
          }
        }
      }
    }
    for (const c of created) if (c.template === t) existing.add(creationKey(c));
  }
  if (!promotionsChecked) checkPipelineRoles();
  return { missing, checked };
}

describe('the reference platform in deploy order', () => {
  let model: DeploymentModel;

  beforeAll(() => {
    const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'deploy-order-')), context: cdkJsonContext() });
    build(app);
    const assembly = app.synth();
    model = DeploymentModel.build(app, assembly.stacksRecursively.map((s) => ({
      templatePath: s.templateFullPath,
      accountId: s.environment.account === cxapi.UNKNOWN_ACCOUNT ? undefined : s.environment.account,
      region: s.environment.region === cxapi.UNKNOWN_REGION ? undefined : s.environment.region,
    })));
  });

  test('deploys every stack after the stacks it depends on, then the promotion and product templates', () => {
    const stacks = model.templates.filter((t) => t.kind === 'stack');
    stacks.forEach((t, i) => {
      for (const dep of t.stack?.dependencies ?? []) {
        expect(stacks.findIndex((s) => s.stack === dep)).toBeLessThan(i);
      }
    });
    expect(model.templates.map((t) => t.kind)).toEqual([...stacks.map(() => 'stack'), ...model.templates.slice(stacks.length).map((t) => t.kind)]);
    expect(model.templates.filter((t) => t.kind === 'promotion').length).toBe(4);
    expect(model.templates.filter((t) => t.kind === 'product').length).toBe(1);
    expect(model.notes).toEqual([]);
  });

  test('every cross-stack and cross-account role it names (resource and trust policies, CodePipeline action roles) exists by then', () => {
    const { missing, checked } = missingNames(model);
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(0);
  });
});
