import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PromotionDeployTarget } from '../../lib/promotion';
import { deploymentTemplate, STAGING, TOOLING, toolingStack } from './fixtures';

function targetStack(withTemplate: (tooling: Stack) => Stack, smoke = true) {
  const app = new App();
  const tooling = toolingStack(app);
  const template = withTemplate(tooling);
  const staging = new Stack(app, 'Staging', { env: STAGING });
  const target = new PromotionDeployTarget(staging, 'Target', {
    projectName: 'churn',
    toolingAccount: TOOLING.account,
    deployments: [{ template, stackName: 'churn-model' }],
    smokeTestEndpointName: smoke ? 'churn-staging' : undefined,
  });
  return { staging, target };
}

describe('PromotionDeployTarget', () => {
  let template: Template;

  beforeAll(() => {
    const { staging } = targetStack((tooling) => deploymentTemplate(tooling, 'StagingDeployment', STAGING));
    template = Template.fromStack(staging);
  });

  test('the deploy role, named after its region, trusts only the tooling account pipeline role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'mlops-churn-deploy-eu-west-1',
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
          Condition: { ArnEquals: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/mlops-churn-promotion']] } } },
        }],
      },
    });
  });

  test('the deploy role reads the artifacts of the project\'s promotion bucket only', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'ReadPromotionArtifacts',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::mlops-churn-promotion-111111111111/*']] },
        Condition: { StringEquals: { 's3:ResourceAccount': '111111111111' } },
      })]) },
    });
  });

  test('the smoke-test role trusts only the tooling smoke-test function and invokes only the staging endpoint', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'mlops-churn-smoke-test',
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({
        Condition: { ArnEquals: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/mlops-churn-smoke-caller']] } } },
      })] },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'InvokeTheStagingEndpoint',
        Action: ['sagemaker:InvokeEndpoint', 'sagemaker:DescribeEndpoint'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:222222222222:endpoint/churn-staging']] },
      })]) },
    });
  });

  test('the execution role, named after its region, is trusted by CloudFormation and holds exactly what the template\'s resources need', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'mlops-churn-cfn-exec-eu-west-1',
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'cloudformation.amazonaws.com' } })] },
    });
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('ExecutionRole'));
    const actions = new Set<string>(policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [].concat(s.Action))));
    // the fixture template holds a role and a model: nothing for endpoints, buckets or keys
    expect(actions).toContain('sagemaker:CreateModel');
    expect(actions).toContain('iam:CreateRole');
    expect(actions).not.toContain('sagemaker:CreateEndpoint');
    expect(actions).not.toContain('s3:CreateBucket');
    expect(actions).not.toContain('kms:CreateKey');
    for (const a of actions) expect(a).not.toMatch(/^[a-z-]+:\*$/);
  });

  test('no permission depends on a name CloudFormation generates: the template\'s roles are scoped by the IAM path of their stack', () => {
    // CloudFormation names an unnamed role <stack>-<logical id>-<random> and shortens the parts
    // when too long; with the path /<stack name>/ the role's ARN is role/<stack name>/<generated>.
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('ExecutionRole'));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const roleScoped = statements.find((s: any) => ([] as string[]).concat(s.Action).includes('iam:CreateRole'));
    expect(roleScoped.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:role/churn-model/*']] });
    const passRole = statements.find((s: any) => s.Sid === 'PassStackRoles');
    expect(passRole.Resource).toEqual(roleScoped.Resource);
    expect(JSON.stringify(statements)).not.toContain('role/churn-model-');
  });

  test('the roles may read the SSM parameters the templates resolve at deploy time', () => {
    const { staging } = targetStack((tooling) => {
      const t = deploymentTemplate(tooling, 'T', STAGING);
      new CfnParameter(t, 'Subnets', { type: 'AWS::SSM::Parameter::Value<List<String>>', default: '/mlops/platform/network/subnet-ids' });
      return t;
    });
    const statements = Object.values(Template.fromStack(staging).findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement.map((s: any) => ({ ...s, roles: JSON.stringify(p.Properties.Roles) })));
    const reads = statements.filter((s: any) => s.Sid === 'ResolveTemplateParameters');
    expect(reads.map((s: any) => s.roles).sort()).toEqual([expect.stringContaining('DeployRole'), expect.stringContaining('ExecutionRole')]);
    for (const r of reads) {
      expect(r.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:222222222222:parameter/mlops/platform/network/subnet-ids']] });
    }
  });

  test('fails for a template resource type it cannot derive permissions for, naming only the template that has it and the prop to use', () => {
    const { staging } = (() => {
      const app = new App();
      const tooling = toolingStack(app);
      const plain = deploymentTemplate(tooling, 'Plain', STAGING);
      const withUser = deploymentTemplate(tooling, 'T', STAGING);
      new sns.Topic(withUser, 'Topic');
      new iam.User(withUser, 'NotAllowed');
      const stack = new Stack(app, 'Staging', { env: STAGING });
      new PromotionDeployTarget(stack, 'Target', {
        projectName: 'churn', toolingAccount: TOOLING.account,
        deployments: [{ template: plain, stackName: 'churn-plain' }, { template: withUser, stackName: 'churn-model' }],
      });
      return { staging: stack };
    })();
    expect(() => Template.fromStack(staging)).toThrow(/^PromotionDeployTarget Staging\/Target: cannot derive the permissions of its CloudFormation execution role for the resources in template Tooling\/T \(AWS::IAM::User at Tooling\/T\/NotAllowed\/Resource: no permissions are known for the type\); pass the statements its CloudFormation execution role needs as PromotionDeployTarget additionalExecutionStatements$/);
  });

  test('fails for a bad tooling account and stack name, together', () => {
    const app = new App();
    const tooling = toolingStack(app);
    const t = deploymentTemplate(tooling, 'T', STAGING);
    const staging = new Stack(app, 'Staging', { env: STAGING });
    expect(() => new PromotionDeployTarget(staging, 'Target', { projectName: 'churn', toolingAccount: '123', deployments: [{ template: t, stackName: '1bad' }] }))
      .toThrow(/toolingAccount must be a 12-digit account id, got '123'; stack name '1bad' is not a valid CloudFormation stack name/);
  });

  test('fails in a stack without an explicit region: its roles are named after it', () => {
    const app = new App();
    const tooling = toolingStack(app);
    const t = deploymentTemplate(tooling, 'T', STAGING);
    const agnostic = new Stack(app, 'Agnostic');
    expect(() => new PromotionDeployTarget(agnostic, 'Target', { projectName: 'churn', toolingAccount: TOOLING.account, deployments: [{ template: t, stackName: 'churn-model' }] }))
      .toThrow(/the stack needs an explicit account and region \(env\)/);
  });
});
