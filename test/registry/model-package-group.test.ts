import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelPackageGroup } from '../../lib/registry';
import { ManagedPolicyRole } from '../../lib/private/managed-policy-role';
import { complianceProblems } from '../harness/compliance';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };
const STAGING = '222222222222';
const PRODUCTION = '333333333333';

const GROUP_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package-group/churn']] };
const PACKAGES_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package/churn/*']] };

function accountRoot(account: string) {
  return { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] } };
}

/** The statements of the customer-managed policy of a `ManagedPolicyRole` at `rolePath`. */
function statementsOf(template: Template, rolePath: string): unknown[] {
  const policies = template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: `Permissions of ${rolePath}` } });
  const found = Object.values(policies);
  expect(found).toHaveLength(1);
  return found[0].Properties.PolicyDocument.Statement;
}

describe('ModelPackageGroup', () => {
  let stack: Stack;
  let group: ModelPackageGroup;
  let template: Template;

  beforeAll(() => {
    // GIVEN
    stack = new Stack(new App(), 'Tooling', { env: TOOLING });
    // WHEN
    group = new ModelPackageGroup(stack, 'Churn', {
      modelPackageGroupName: 'churn',
      description: 'Customer churn classifier',
      sharedWithAccounts: [STAGING, PRODUCTION, TOOLING.account],
    });
    const builder = new ManagedPolicyRole(stack, 'Builder', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    group.grantRegister(builder);
    const reviewer = new ManagedPolicyRole(stack, 'Reviewer', { assumedBy: new iam.AccountRootPrincipal() });
    group.grantApprove(reviewer);
    const reader = new ManagedPolicyRole(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    group.grantRead(reader);
    group.onApproved('Approved');
    group.onStateChange('AnyChange');
    template = Template.fromStack(stack);
  });

  test('creates the group with its name and description, retained on stack deletion', () => {
    // THEN
    template.hasResource('AWS::SageMaker::ModelPackageGroup', {
      Properties: { ModelPackageGroupName: 'churn', ModelPackageGroupDescription: 'Customer churn classifier' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(group.modelPackageGroupName).toBe('churn');
    expect(stack.resolve(group.modelPackageGroupArn)).toEqual(GROUP_ARN);
    expect(stack.resolve(group.modelPackageArn('7'))).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package/churn/7']],
    });
  });

  test('shares the group read-only with the staging and production accounts only, through its resource policy', () => {
    // THEN
    template.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: [accountRoot(STAGING).AWS, accountRoot(PRODUCTION).AWS] },
            Action: 'sagemaker:DescribeModelPackageGroup',
            Resource: GROUP_ARN,
          },
          {
            Effect: 'Allow',
            Principal: { AWS: [accountRoot(STAGING).AWS, accountRoot(PRODUCTION).AWS] },
            Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
            Resource: PACKAGES_ARN,
          },
        ],
      },
    });
    expect(group.sharedWithAccounts).toEqual([STAGING, PRODUCTION]);
  });

  test('the resource policy holds no wildcard action, principal or write action', () => {
    // THEN
    const groups = template.findResources('AWS::SageMaker::ModelPackageGroup');
    const policy = Object.values(groups)[0].Properties.ModelPackageGroupPolicy;
    const text = JSON.stringify(policy);
    expect(text).not.toMatch(/"\*"|sagemaker:\*|Create|Update|Delete|Put/);
  });

  test('sharing the same account twice adds no statement', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    const g = new ModelPackageGroup(s, 'G', { modelPackageGroupName: 'g', sharedWithAccounts: [STAGING] });
    // WHEN
    g.shareWithAccounts([STAGING]);
    g.shareWithAccounts([PRODUCTION]);
    // THEN
    const policy = Object.values(Template.fromStack(s).findResources('AWS::SageMaker::ModelPackageGroup'))[0].Properties.ModelPackageGroupPolicy;
    expect(policy.Statement).toHaveLength(4);
    expect(JSON.stringify(policy).match(new RegExp(STAGING, 'g'))).toHaveLength(2);
  });

  test('an unshared group has no resource policy', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    // WHEN
    new ModelPackageGroup(s, 'G', { modelPackageGroupName: 'g' });
    // THEN
    Template.fromStack(s).hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupPolicy: Match.absent() });
  });

  test('generates a valid name when none is given', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    // WHEN
    const g = new ModelPackageGroup(s, 'Some_Group.With Odd--Chars', { removalPolicy: RemovalPolicy.DESTROY });
    // THEN
    expect(g.modelPackageGroupName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    Template.fromStack(s).hasResource('AWS::SageMaker::ModelPackageGroup', { DeletionPolicy: 'Delete' });
  });

  test('grantRegister allows creating packages of this group only', () => {
    // THEN
    expect(statementsOf(template, 'Tooling/Builder')).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: 'sagemaker:CreateModelPackage', Resource: PACKAGES_ARN },
      { Effect: 'Allow', Action: 'sagemaker:AddTags', Resource: PACKAGES_ARN },
      { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackageGroup', Resource: GROUP_ARN },
    ]));
    expect(statementsOf(template, 'Tooling/Builder')).toHaveLength(3);
  });

  test('grantApprove allows updating packages of this group only', () => {
    // THEN
    expect(statementsOf(template, 'Tooling/Reviewer')).toEqual([
      { Effect: 'Allow', Action: 'sagemaker:UpdateModelPackage', Resource: PACKAGES_ARN },
    ]);
  });

  test('grantRead allows describing the group and its packages, and listing (which IAM scopes to * only)', () => {
    // THEN
    const statements = statementsOf(template, 'Tooling/Reader');
    expect(statements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackageGroup', Resource: GROUP_ARN },
      { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: PACKAGES_ARN },
      { Effect: 'Allow', Action: 'sagemaker:ListModelPackages', Resource: '*' },
    ]));
    expect(statements).toHaveLength(3);
  });

  test('onApproved matches approvals of this group only', () => {
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        'detail': { ModelPackageGroupName: ['churn'], ModelApprovalStatus: ['Approved'] },
      },
    });
  });

  test('onStateChange matches every state change of this group', () => {
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        'detail': { ModelPackageGroupName: ['churn'], ModelApprovalStatus: Match.absent() },
      },
    });
  });

  test('fromModelPackageGroupArn imports a group of another account and scopes grants to it', () => {
    // GIVEN
    const s = new Stack(new App(), 'Staging', { env: { account: STAGING, region: 'eu-west-1' } });
    const role = new ManagedPolicyRole(s, 'Deployer', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN
    const imported = ModelPackageGroup.fromModelPackageGroupArn(s, 'Imported', 'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/churn');
    imported.grantRead(role);
    // THEN
    expect(imported.modelPackageGroupName).toBe('churn');
    expect(imported.env.account).toBe('111111111111');
    expect(statementsOf(Template.fromStack(s), 'Staging/Deployer')).toContainEqual(
      { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package/churn/*']] } },
    );
  });

  test('fromModelPackageGroupName imports a group of this account', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    // WHEN
    const imported = ModelPackageGroup.fromModelPackageGroupName(s, 'Imported', 'churn');
    // THEN
    expect(s.resolve(imported.modelPackageGroupArn)).toEqual(GROUP_ARN);
  });

  test('fails on a bad name, description and shared accounts, naming all of them', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    // WHEN / THEN
    expect(() => new ModelPackageGroup(s, 'Bad', {
      modelPackageGroupName: 'no_underscores-',
      description: 'x'.repeat(1025),
      sharedWithAccounts: ['*', '12345'],
    })).toThrow(/ModelPackageGroup S\/Bad: modelPackageGroupName must be .* got 'no_underscores-'; description must be at most 1024 characters, got 1025; shared accounts must be 12-digit account ids, got '\*', '12345'/);
  });

  test('fails to share with a wildcard account', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    const g = new ModelPackageGroup(s, 'G', { modelPackageGroupName: 'g' });
    // WHEN / THEN
    expect(() => g.shareWithAccounts(['*'])).toThrow(/ModelPackageGroup S\/G: shared accounts must be 12-digit account ids, got '\*'/);
  });

  test('fails to import an arn that is not a model package group', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    // WHEN / THEN
    expect(() => ModelPackageGroup.fromModelPackageGroupArn(s, 'X', 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/1'))
      .toThrow(/ModelPackageGroup.fromModelPackageGroupArn S\/X: expected an arn of the form .*model-package-group\/<name>, got 'arn:aws:sagemaker:eu-west-1:111111111111:model-package\/churn\/1'/);
  });

  test('fails to import a bad name', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    // WHEN / THEN
    expect(() => ModelPackageGroup.fromModelPackageGroupName(s, 'X', 'bad name')).toThrow(/model package group name must be .* got 'bad name'/);
  });

  test('is compliant with the four cdk-nag packs and cfn-lint, grants included; only ListModelPackages leaves a * for the grantee to accept', () => {
    // GIVEN / WHEN
    const problems = complianceProblems((app) => {
      const s = new Stack(app, 'Tooling', { env: TOOLING });
      const g = new ModelPackageGroup(s, 'Churn', { modelPackageGroupName: 'churn', sharedWithAccounts: [STAGING, PRODUCTION] });
      g.grantRegister(new ManagedPolicyRole(s, 'Builder', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }));
      g.grantApprove(new ManagedPolicyRole(s, 'Reviewer', { assumedBy: new iam.AccountRootPrincipal() }));
      g.grantRead(new ManagedPolicyRole(s, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    });
    // THEN
    expect(problems).toEqual([
      expect.stringMatching(/^nag AwsSolutions-IAM5\[Resource::\*\] at Tooling\/Reader\/Permissions\/Resource: /),
    ]);
  });
});
