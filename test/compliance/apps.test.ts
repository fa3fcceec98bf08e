import { readFileSync } from 'fs';
import * as path from 'path';
import { DeployabilityChecks } from '../../lib/checks';
import { MIN_WAIVER_REASON_LENGTH } from '../../lib/private/compliance';
import { allowedWarnings, runCfnLint } from './cfn-lint';
import { ACKNOWLEDGEMENT_ID, appEntryPoints, synthesizeApp, SynthesizedApp } from './synthesize-app';

/*
 * The compliance gate: every app the repository ships is synthesized in-process with the
 * AwsSolutions, NIST 800-53 rev 5, HIPAA Security and PCI DSS 3.2.1 packs and the deployability
 * check (lib/checks: the rules AWS enforces at deploy and run time, over the app's stacks, the
 * templates its promotion pipelines deploy and its product templates), and every template it
 * writes goes through cfn-lint.
 */
describe.each(appEntryPoints())('compliance gate: %s', (entryPoint) => {
  let synthesized: SynthesizedApp;

  beforeAll(() => {
    synthesized = synthesizeApp(entryPoint);
  });

  test('synthesizes with no unacknowledged cdk-nag finding', () => {
    const lines = synthesized.findings.filter((f) => f.pack !== DeployabilityChecks.PLUGIN_NAME).map((f) => `${f.rule} at ${f.path}: ${f.description}`);
    expect(lines).toEqual([]);
    expect(synthesized.synthError).toBeUndefined();
    expect(synthesized.templates.length).toBeGreaterThan(0);
  });

  test('the deployability check finds nothing unacknowledged: principals exist, capabilities cover, no generated names, writers use keys, action roles assumable, ...', () => {
    const lines = synthesized.findings.filter((f) => f.pack === DeployabilityChecks.PLUGIN_NAME).map((f) => `${f.rule} at ${f.path}: ${f.description}`);
    expect(lines).toEqual([]);
  });

  test('every acknowledgement names a rule of a pack and a specific reason', () => {
    const bad = synthesized.acknowledgements
      .filter((a) => !ACKNOWLEDGEMENT_ID.test(a.id) || a.reason.trim().length < MIN_WAIVER_REASON_LENGTH)
      .map((a) => `${a.path}: ${a.id} (${a.reason})`);
    expect(bad).toEqual([]);
  });

  test('no role holds an AWS managed policy, and no statement grants a whole service or every action', () => {
    const problems: string[] = [];
    for (const file of synthesized.templates) {
      const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources?: Record<string, { Type: string; Properties?: any }> };
      for (const [id, resource] of Object.entries(template.Resources ?? {})) {
        if (resource.Type === 'AWS::IAM::Role') {
          for (const arn of resource.Properties?.ManagedPolicyArns ?? []) {
            const text = JSON.stringify(arn);
            if (/:iam::aws:policy\//.test(text) || /FullAccess/.test(text)) problems.push(`${path.basename(file)} ${id}: ${text}`);
          }
        }
        if (resource.Type === 'AWS::IAM::ManagedPolicy' || resource.Type === 'AWS::IAM::Policy') {
          for (const statement of resource.Properties?.PolicyDocument?.Statement ?? []) {
            for (const action of ([] as string[]).concat(statement.Action ?? [])) {
              if (action === '*' || /^[a-z0-9-]+:\*$/.test(action)) problems.push(`${path.basename(file)} ${id}: ${action}`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('cfn-lint finds no error, and no warning outside the checked-in list', () => {
    const allowed = allowedWarnings();
    const matches = runCfnLint(synthesized.templates);
    const unexpected = matches.filter((m) => {
      if (m.level === 'Informational') return false;
      if (m.level === 'Warning') {
        return !allowed.some((a) => a.rule === m.rule && (!a.where || new RegExp(a.where).test(m.path)));
      }
      return true;
    }).map((m) => `${m.level} ${m.rule} ${path.basename(m.file)} ${m.path}: ${m.message}`);
    expect(unexpected).toEqual([]);
  });
});

test('the reference platform writes at least three templates', () => {
  const synthesized = synthesizeApp(path.join('bin', 'app.ts'));
  expect(synthesized.templates.length).toBeGreaterThanOrEqual(3);
});
