import { App, Stack } from 'aws-cdk-lib';
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
    templates: [template],
    stackNames: ['churn-model'],
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

  test('the deploy role trusts only the tooling account pipeline role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'mlops-churn-deploy',
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
      PolicyDocument: { Statement: [{
        Action: 'sagemaker:InvokeEndpoint',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:222222222222:endpoint/churn-staging']] },
      }] },
    });
  });

  test('the execution role is trusted by CloudFormation and holds exactly the template\'s resource types', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'mlops-churn-cfn-exec',
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
    const roleScoped = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).find((s: any) => ([] as string[]).concat(s.Action).includes('iam:CreateRole'));
    expect(JSON.stringify(roleScoped.Resource)).toContain(':role/churn-model-*');
  });

  test('fails for a template resource type it cannot derive permissions for', () => {
    const { staging } = targetStack((tooling) => {
      const t = deploymentTemplate(tooling, 'T', STAGING);
      new sns.Topic(t, 'Topic');
      new iam.User(t, 'NotAllowed');
      return t;
    });
    expect(() => Template.fromStack(staging)).toThrow(/PromotionDeployTarget Staging\/Target: cannot derive CloudFormation permissions for AWS::IAM::User in template Tooling\/T; pass additional statements/);
  });

  test('fails for a bad tooling account and stack name, together', () => {
    const app = new App();
    const tooling = toolingStack(app);
    const t = deploymentTemplate(tooling, 'T', STAGING);
    const staging = new Stack(app, 'Staging', { env: STAGING });
    expect(() => new PromotionDeployTarget(staging, 'Target', { projectName: 'churn', toolingAccount: '123', templates: [t], stackNames: ['1bad'] }))
      .toThrow(/toolingAccount must be a 12-digit account id, got '123'; stack name '1bad' is not a valid CloudFormation stack name/);
  });
});
