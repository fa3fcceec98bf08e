import { App } from 'aws-cdk-lib';
import { DeployabilityChecks } from '../../lib/checks';
import { MIN_WAIVER_REASON_LENGTH } from '../../lib/private/compliance';
import { allowedWarnings, runCfnLint } from '../compliance/cfn-lint';
import { ACKNOWLEDGEMENT_ID, synthesizeWithChecks } from '../compliance/synthesize-app';

/**
 * Synthesizes what `build` adds to a fresh app with all four cdk-nag packs and the deployability
 * check, and runs cfn-lint over its templates. Returns the problems as readable lines; a
 * compliant, deployable construct returns [].
 *
 *   expect(complianceProblems((app) => { const s = new Stack(app, 'S', { env }); new Foo(s, 'Foo'); })).toEqual([]);
 */
export function complianceProblems(build: (app: App) => void): string[] {
  const result = synthesizeWithChecks('construct test', build);
  const problems: string[] = [];
  if (result.synthError) problems.push(`synth failed: ${result.synthError}`);
  for (const f of result.findings) problems.push(`${f.pack === DeployabilityChecks.PLUGIN_NAME ? 'deployability' : 'nag'} ${f.rule} at ${f.path}: ${f.description}`);
  for (const a of result.acknowledgements) {
    if (!ACKNOWLEDGEMENT_ID.test(a.id) || a.reason.trim().length < MIN_WAIVER_REASON_LENGTH) problems.push(`bad acknowledgement at ${a.path}: ${a.id} (${a.reason})`);
  }
  const allowed = allowedWarnings();
  for (const m of runCfnLint(result.templates)) {
    if (m.level === 'Informational') continue;
    if (m.level === 'Warning' && allowed.some((a) => a.rule === m.rule && (!a.where || new RegExp(a.where).test(m.path)))) continue;
    problems.push(`cfn-lint ${m.level} ${m.rule} ${m.path}: ${m.message}`);
  }
  return problems;
}
