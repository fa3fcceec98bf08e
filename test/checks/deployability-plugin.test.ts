import { existsSync, mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { DeployabilityChecks, DeployabilityRule } from '../../lib/checks';
import { waive } from '../../lib/private/compliance';
import { arn } from '../fixtures/deployability/common';
import { promotionTemplateWithLiteralPartition } from '../fixtures/deployability/monitoring-and-regions';
import { keyNamesRoleDeployedLater } from '../fixtures/deployability/principal-exists';

const REASON = 'the role is created by hand before this stack is deployed, outside of this app';

interface ReportedViolation {
  readonly ruleName: string;
  readonly description: string;
  readonly suggestedFix?: string;
  readonly severity?: string;
  readonly ruleMetadata?: Record<string, string>;
  readonly reason?: string;
  readonly violatingConstructs: Array<{ constructPath: string; cloudFormationResource?: { templatePath: string; logicalId: string; propertyPaths?: string[] } }>;
}

/** Synthesizes with the plugin and returns the Deployability report of validation-report.json. */
function synthesizeWithPlugin(build: (app: App) => void): { violations: ReportedViolation[]; suppressed: ReportedViolation[]; error?: string } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'deployability-plugin-'));
  const app = new App({ outdir });
  build(app);
  Validations.of(app).addPlugins(new DeployabilityChecks());
  let error: string | undefined;
  try {
    app.synth();
  } catch (e) {
    error = (e as Error).message;
  }
  const file = path.join(outdir, 'validation-report.json');
  const report = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { pluginReports: [] };
  const ours = (report.pluginReports as any[]).find((r) => r.pluginName === 'Deployability');
  return { violations: ours?.violations ?? [], suppressed: ours?.suppressedViolations ?? [], error };
}

function construct(app: App, p: string): IConstruct {
  const c = app.node.findAll().find((x) => x.node.path === p);
  if (!c) throw new Error(`no construct ${p}`);
  return c;
}

describe('DeployabilityChecks as a validation plugin', () => {
  test('reports each finding with its construct, template resource, location, fix and documentation, and fails the synth', () => {
    // WHEN
    const result = synthesizeWithPlugin(keyNamesRoleDeployedLater);
    // THEN
    expect(result.error).toMatch(/Deployability-PrincipalExists/);
    expect(result.violations).toEqual([expect.objectContaining({
      ruleName: 'Deployability-PrincipalExists',
      severity: 'error',
      description: expect.stringContaining('KMS answers MalformedPolicyDocumentException'),
      suggestedFix: expect.stringMatching(/name the account instead .*\(https:\/\/docs\.aws\.amazon\.com\/IAM\/latest\/UserGuide\/reference_policies_elements_principal\.html\)$/),
      ruleMetadata: { documentationUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html' },
      violatingConstructs: [expect.objectContaining({
        constructPath: 'Tooling/Key/Resource',
        cloudFormationResource: expect.objectContaining({ templatePath: 'Tooling.template.json', logicalId: expect.stringMatching(/^Key/), propertyPaths: ['Properties/KeyPolicy/Statement/1/Principal/AWS'] }),
      })],
    })]);
  });

  test('an acknowledgement with a reason silences exactly that finding on a stack', () => {
    // WHEN
    const result = synthesizeWithPlugin((app) => {
      keyNamesRoleDeployedLater(app);
      const other = new kms.Key(Stack.of(construct(app, 'Tooling')), 'OtherKey', { enableKeyRotation: true });
      other.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(arn(':iam::222222222222:role/app-deploy'))], actions: ['kms:Decrypt'], resources: ['*'] }));
      waive(construct(app, 'Tooling/Key'), { rules: ['Deployability::Deployability-PrincipalExists'], reason: REASON });
    });
    // THEN the acknowledged key is suppressed with its reason, the other one is still reported
    expect(result.suppressed).toEqual([expect.objectContaining({ ruleName: 'Deployability-PrincipalExists', reason: REASON, violatingConstructs: [expect.objectContaining({ constructPath: 'Tooling/Key/Resource' })] })]);
    expect(result.violations.flatMap((v) => v.violatingConstructs.map((c) => c.constructPath))).toEqual(['Tooling/OtherKey/Resource']);
  });

  test('an acknowledgement silences exactly that finding on a resource of a promotion template (not an assembly artifact)', () => {
    // WHEN
    const result = synthesizeWithPlugin((app) => {
      promotionTemplateWithLiteralPartition(app);
      Validations.of(construct(app, 'Host/Deployment/Forward')).acknowledge({ id: 'Deployability::Deployability-NoLiteralPartition', reason: REASON });
    });
    // THEN
    expect(result.suppressed).toEqual([expect.objectContaining({
      ruleName: 'Deployability-NoLiteralPartition',
      reason: REASON,
      violatingConstructs: [expect.objectContaining({ constructPath: 'Host/Deployment/Forward/Resource', cloudFormationResource: expect.objectContaining({ templatePath: expect.stringMatching(/^promotion\.HostDeployment[0-9A-F]+\.[0-9a-f]+\/template\.json$/) }) })],
    })]);
    expect(result.violations.filter((v) => v.ruleName === 'Deployability-NoLiteralPartition').flatMap((v) => v.violatingConstructs.map((c) => c.constructPath))).toEqual(['Host/Deployment/ForwardToo/Resource']);
  });

  test('findings() leaves acknowledged findings out unless asked, and then gives their reason', () => {
    // GIVEN
    const build = (app: App) => {
      promotionTemplateWithLiteralPartition(app);
      Validations.of(construct(app, 'Host/Deployment/Forward')).acknowledge({ id: 'Deployability::Deployability-NoLiteralPartition', reason: REASON });
    };
    const appOf = () => {
      const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'deployability-')) });
      build(app);
      return app;
    };
    // WHEN
    const open = DeployabilityChecks.findings(appOf(), { rules: [DeployabilityRule.NO_LITERAL_PARTITION] });
    const all = DeployabilityChecks.findings(appOf(), { rules: [DeployabilityRule.NO_LITERAL_PARTITION], includeAcknowledged: true });
    // THEN
    expect(open.map((f) => f.constructPath)).toEqual(['Host/Deployment/ForwardToo/Resource']);
    expect(all.map((f) => [f.constructPath, f.acknowledgedReason])).toEqual([
      ['Host/Deployment/Forward/Resource', REASON],
      ['Host/Deployment/ForwardToo/Resource', undefined],
    ]);
  });

  test('an app without findings synthesizes', () => {
    // WHEN
    const result = synthesizeWithPlugin((app) => {
      const stack = new Stack(app, 'Clean', { env: { account: '111111111111', region: 'eu-west-1' } });
      new kms.Key(stack, 'Key', { enableKeyRotation: true });
    });
    // THEN
    expect(result.error).toBeUndefined();
    expect(result.violations).toEqual([]);
  });

  test('names itself and its rules for the validation report', () => {
    const plugin = new DeployabilityChecks({ rules: [DeployabilityRule.CAPABILITIES_COVER] });
    expect(plugin.name).toBe('Deployability');
    expect(plugin.ruleIds).toEqual(['Deployability-CapabilitiesCover']);
    expect(plugin.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
