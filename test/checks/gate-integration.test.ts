import { Validations } from 'aws-cdk-lib';
import { complianceProblems } from '../harness/compliance';
import { ACKNOWLEDGEMENT_ID, synthesizeWithChecks } from '../compliance/synthesize-app';
import { keyNamesRoleDeployedLater } from '../fixtures/deployability/principal-exists';

// The gate runs the deployability check beside cdk-nag: these prove it reports and accepts what it should.
describe('the compliance gate runs the deployability check', () => {
  test('reports a deployability finding, in full, under its plugin', () => {
    // WHEN
    const result = synthesizeWithChecks('deployability fixture', keyNamesRoleDeployedLater);
    // THEN
    expect(result.findings.filter((f) => f.pack === 'Deployability')).toEqual([{
      pack: 'Deployability',
      rule: 'Deployability-PrincipalExists',
      path: 'Tooling/Key/Resource',
      description: expect.stringMatching(/names arn:aws:iam::222222222222:role\/app-deploy as a principal .*: KMS answers MalformedPolicyDocumentException \("Policy contains a statement with one or more invalid principals"\)$/),
    }]);
    expect(complianceProblems(keyNamesRoleDeployedLater)).toEqual(expect.arrayContaining([expect.stringMatching(/^deployability Deployability-PrincipalExists at Tooling\/Key\/Resource: /)]));
  });

  test('accepts acknowledgements qualified by the plugin, and rejects unqualified ones', () => {
    expect(ACKNOWLEDGEMENT_ID.test('Deployability::Deployability-ScheduledJobInputsWritten')).toBe(true);
    expect(ACKNOWLEDGEMENT_ID.test('AwsSolutions::AwsSolutions-IAM5[Resource::*]')).toBe(true);
    expect(ACKNOWLEDGEMENT_ID.test('Deployability-ScheduledJobInputsWritten')).toBe(false);
    expect(ACKNOWLEDGEMENT_ID.test('Deployability::AwsSolutions-S1')).toBe(false);
  });

  test('an acknowledged deployability finding leaves the gate', () => {
    // WHEN
    const result = synthesizeWithChecks('deployability fixture', (app) => {
      keyNamesRoleDeployedLater(app);
      const key = app.node.findAll().find((c) => c.node.path === 'Tooling/Key')!;
      Validations.of(key).acknowledge({ id: 'Deployability::Deployability-PrincipalExists', reason: 'the deploy role is created by hand in staging before the tooling stack is deployed' });
    });
    // THEN
    expect(result.findings.filter((f) => f.pack === 'Deployability')).toEqual([]);
    expect(result.acknowledgements.filter((a) => a.id.startsWith('Deployability::')).map((a) => a.path)).toEqual(['Tooling/Key']);
  });
});
