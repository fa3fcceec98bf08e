import {
  DeleteModelPackageGroupPolicyCommand, GetModelPackageGroupPolicyCommand, PutModelPackageGroupPolicyCommand, SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { GROUP_SHARING_HANDLER_SOURCE, ModelPackageGroup, ModelPackageGroupSharing } from '../../lib/registry';
import { complianceProblems } from '../harness/compliance';
import { loadInlineHandler } from '../harness/inline-handler';

const sagemaker = mockClient(SageMakerClient);
const ours = [
  { Sid: 'MlopsAbcGroup', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: 'sagemaker:DescribeModelPackageGroup', Resource: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/churn' },
];
const theirs = { Sid: 'OtherTeamReads', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444444444444:root' }, Action: 'sagemaker:DescribeModelPackage', Resource: '*' };
const event = (RequestType: string) => ({
  RequestType,
  PhysicalResourceId: RequestType === 'Create' ? undefined : 'churn/MlopsAbc',
  ResponseURL: 'https://cloudformation-custom-resource-response.example/abc',
  StackId: 'stack', RequestId: 'req', LogicalResourceId: 'Sharing',
  ResourceProperties: { ModelPackageGroupName: 'churn', SidPrefix: 'MlopsAbc', Statements: JSON.stringify(ours) },
});
const written = () => JSON.parse(sagemaker.commandCalls(PutModelPackageGroupPolicyCommand)[0].args[0].input.ResourcePolicy!).Statement;

beforeEach(() => sagemaker.reset());

describe('the sharing handler of an existing registry', () => {
  test('merges its statements into the group policy, keeping the statements of other owners', async () => {
    sagemaker.on(GetModelPackageGroupPolicyCommand).resolves({ ResourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [theirs] }) });
    sagemaker.on(PutModelPackageGroupPolicyCommand).resolves({});
    const { handler, responses } = loadInlineHandler(GROUP_SHARING_HANDLER_SOURCE);
    await handler(event('Create'));
    expect(written()).toEqual([theirs, ...ours]);
    expect(responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'churn/MlopsAbc' })]);
  });

  test('replaces only its own statements on update', async () => {
    const stale = { ...ours[0], Principal: { AWS: 'arn:aws:iam::999999999999:root' } };
    sagemaker.on(GetModelPackageGroupPolicyCommand).resolves({ ResourcePolicy: JSON.stringify({ Statement: [theirs, stale] }) });
    sagemaker.on(PutModelPackageGroupPolicyCommand).resolves({});
    const { handler } = loadInlineHandler(GROUP_SHARING_HANDLER_SOURCE);
    await handler(event('Update'));
    expect(written()).toEqual([theirs, ...ours]);
  });

  test('writes a policy of its own statements to a group that has none', async () => {
    sagemaker.on(GetModelPackageGroupPolicyCommand).rejects(Object.assign(new Error('Cannot find resource policy for model package group churn'), { name: 'ValidationException' }));
    sagemaker.on(PutModelPackageGroupPolicyCommand).resolves({});
    const { handler, responses } = loadInlineHandler(GROUP_SHARING_HANDLER_SOURCE);
    await handler(event('Create'));
    expect(written()).toEqual(ours);
    expect(responses[0].Status).toBe('SUCCESS');
  });

  test('on delete removes its own statements and leaves the others', async () => {
    sagemaker.on(GetModelPackageGroupPolicyCommand).resolves({ ResourcePolicy: JSON.stringify({ Statement: [theirs, ...ours] }) });
    sagemaker.on(PutModelPackageGroupPolicyCommand).resolves({});
    const { handler } = loadInlineHandler(GROUP_SHARING_HANDLER_SOURCE);
    await handler(event('Delete'));
    expect(written()).toEqual([theirs]);
    expect(sagemaker.commandCalls(DeleteModelPackageGroupPolicyCommand)).toHaveLength(0);
  });

  test('on delete of the only statements deletes the policy', async () => {
    sagemaker.on(GetModelPackageGroupPolicyCommand).resolves({ ResourcePolicy: JSON.stringify({ Statement: ours }) });
    sagemaker.on(DeleteModelPackageGroupPolicyCommand).resolves({});
    const { handler } = loadInlineHandler(GROUP_SHARING_HANDLER_SOURCE);
    await handler(event('Delete'));
    expect(sagemaker.commandCalls(DeleteModelPackageGroupPolicyCommand)[0].args[0].input).toEqual({ ModelPackageGroupName: 'churn' });
    expect(sagemaker.commandCalls(PutModelPackageGroupPolicyCommand)).toHaveLength(0);
  });

  test('fails the deployment on any other error rather than overwrite a policy it could not read', async () => {
    sagemaker.on(GetModelPackageGroupPolicyCommand).rejects(Object.assign(new Error('User is not authorized to perform sagemaker:GetModelPackageGroupPolicy'), { name: 'AccessDeniedException' }));
    const { handler, responses } = loadInlineHandler(GROUP_SHARING_HANDLER_SOURCE);
    await handler(event('Create'));
    expect(sagemaker.commandCalls(PutModelPackageGroupPolicyCommand)).toHaveLength(0);
    expect(responses[0].Status).toBe('FAILED');
    expect(responses[0].Reason).toMatch(/AccessDeniedException: User is not authorized/);
  });
});

describe('ModelPackageGroupSharing', () => {
  const stack = () => new Stack(new App(), 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });

  test('shares an imported group read-only with the accounts, and its handler may change only that group\'s policy', () => {
    const s = stack();
    const group = ModelPackageGroup.fromModelPackageGroupName(s, 'Existing', 'fraud-team-models');
    const sharing = new ModelPackageGroupSharing(s, 'Sharing', { modelPackageGroup: group, accounts: ['222222222222', '333333333333'] });
    const template = Template.fromStack(s);
    const resource = Object.values(template.findResources('Custom::ModelPackageGroupSharing'))[0];
    const statements = JSON.parse(JSON.stringify(s.resolve(sharing.statements.map((st) => st.toStatementJson()))));
    expect(statements.map((st: any) => st.Action)).toEqual(['sagemaker:DescribeModelPackageGroup', ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages']]);
    expect(resource.Properties.ModelPackageGroupName).toBe('fraud-team-models');
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([expectStatement('ManageTheGroupPolicy')]) },
    });
  });

  test('passes the compliance gate (cdk-nag packs, the deployability check, cfn-lint)', () => {
    expect(complianceProblems((app) => {
      const s = new Stack(app, 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });
      const group = ModelPackageGroup.fromModelPackageGroupArn(s, 'Existing', 'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/fraud-team-models');
      new ModelPackageGroupSharing(s, 'Sharing', { modelPackageGroup: group, accounts: ['222222222222'] });
    })).toEqual([]);
  });

  test('fails without accounts, or with something that is not an account id', () => {
    const s = stack();
    const group = ModelPackageGroup.fromModelPackageGroupName(s, 'Existing', 'fraud-team-models');
    expect(() => new ModelPackageGroupSharing(s, 'None', { modelPackageGroup: group, accounts: [] })).toThrow(/accounts must name at least one account/);
    expect(() => new ModelPackageGroupSharing(s, 'Bad', { modelPackageGroup: group, accounts: ['prod'] })).toThrow(/accounts holds 'prod', not a 12-digit account id/);
  });
});

function expectStatement(sid: string) {
  return Match.objectLike({
    Sid: sid,
    Action: ['sagemaker:GetModelPackageGroupPolicy', 'sagemaker:PutModelPackageGroupPolicy', 'sagemaker:DeleteModelPackageGroupPolicy'],
    Resource: Match.objectLike({}),
  });
}
