import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ModelApprovalTrigger, ModelPackageGroup } from '../../lib/registry';
import { complianceProblems } from '../harness/compliance';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };
const PIPELINE_ARN = 'arn:aws:codepipeline:eu-west-1:111111111111:churn-promotion';
const PACKAGES_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package/churn/*']] };
const PARAMETER_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/sagemaker-mlops/churn/approved-model-package']] };

function build(stack: Stack, extra: { alarmTopic?: sns.ITopic } = {}): ModelApprovalTrigger {
  const group = new ModelPackageGroup(stack, 'Churn', { modelPackageGroupName: 'churn', sharedWithAccounts: ['222222222222', '333333333333'] });
  const pipeline = codepipeline.Pipeline.fromPipelineArn(stack, 'Promotion', PIPELINE_ARN);
  return new ModelApprovalTrigger(stack, 'PromoteOnApproval', { modelPackageGroup: group, promotionPipeline: pipeline, ...extra });
}

describe('ModelApprovalTrigger', () => {
  let stack: Stack;
  let trigger: ModelApprovalTrigger;
  let template: Template;

  beforeAll(() => {
    // GIVEN
    stack = new Stack(new App(), 'Tooling', { env: TOOLING });
    const topic = new sns.Topic(stack, 'Alarms');
    // WHEN
    trigger = build(stack, { alarmTopic: topic });
    template = Template.fromStack(stack);
  });

  test('the rule matches every state change of this group only: approvals, and the rejections that make the next approval a new one', () => {
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        'detail': { ModelPackageGroupName: ['churn'] },
      },
      State: 'ENABLED',
    });
  });

  test('the ledger is an on-demand table keyed by pk, encrypted with the key, with point-in-time recovery, retained', () => {
    // THEN
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromoteOnApprovalKey'), 'Arn'] } },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: Match.absent(),
      },
      DeletionPolicy: 'Retain',
    });
    expect(trigger.ledgerTable).toBeDefined();
  });

  test("the rule's target has a dead-letter queue and a bounded retry policy", () => {
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [{
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromoteOnApprovalHandlerFunction'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromoteOnApprovalHandlerDeadLetters'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
      }],
    });
  });

  test('the handler is configured for this group, pipeline, variable, parameter and ledger, and runs several at a time', () => {
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          MODEL_PACKAGE_GROUP_NAME: 'churn',
          PIPELINE_NAME: 'churn-promotion',
          PIPELINE_VARIABLE_NAME: 'ModelPackageArn',
          APPROVED_MODEL_PARAMETER_NAME: '/sagemaker-mlops/churn/approved-model-package',
          LEDGER_TABLE_NAME: { Ref: Match.stringLikeRegexp('^PromoteOnApprovalLedger') },
          LOCK_LEASE_SECONDS: '45',
        }),
      },
      // Safe since the ledger's conditional writes; the lease outlasts the timeout.
      ReservedConcurrentExecutions: 5,
      Timeout: 30,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
    });
    expect(trigger.approvedModelParameter.parameterName).toBe('/sagemaker-mlops/churn/approved-model-package');
  });

  test("the handler's role describes and lists only this group's packages, uses only its ledger and parameter and starts only its pipeline", () => {
    // THEN
    const policies = template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: 'Permissions of Tooling/PromoteOnApproval/Handler/Role' } });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    expect(statements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: PACKAGES_ARN },
      { Effect: 'Allow', Action: 'sagemaker:ListModelPackages', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package/*']] } },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PromoteOnApprovalLedger/), 'Arn'] } },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PromoteOnApprovalKey/), 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } },
      },
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: PARAMETER_ARN },
      { Effect: 'Allow', Action: 'codepipeline:StartPipelineExecution', Resource: PIPELINE_ARN },
    ]));
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions.filter((a) => a.endsWith('*') || a === '*')).toEqual([]);
    // Only X-Ray (no resource-level permissions) may name `*`.
    const wildcard = statements.filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')));
    expect(wildcard.flatMap((s) => [s.Action].flat())).toEqual(expect.arrayContaining(['xray:PutTraceSegments']));
    expect(wildcard.flatMap((s) => [s.Action].flat() as string[]).filter((a) => !a.startsWith('xray:'))).toEqual([]);
  });

  test('alarms on dead letters, handler errors and malformed events notify the topic', () => {
    // THEN
    for (const metricName of ['ApproximateNumberOfMessagesVisible', 'Errors', 'MalformedEvents']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'MalformedEvents',
      Dimensions: [{ Name: 'service', Value: 'approval-to-promotion' }],
    });
  });

  test('without a topic, alarms notify a new encrypted topic whose key CloudWatch may use', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    // WHEN
    const t = build(s);
    // THEN
    const template2 = Template.fromStack(s);
    template2.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromoteOnApprovalKey'), 'Arn'] } });
    template2.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', AlarmActions: [{ Ref: Match.stringLikeRegexp('^PromoteOnApprovalAlarms') }] });
    template2.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
        })]),
      },
    });
    expect(t.alarmTopic).toBeDefined();
  });

  test("a given topic's key of this app is extended so CloudWatch may publish", () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    const key = new kms.Key(s, 'TopicKey', { enableKeyRotation: true });
    const topic = new sns.Topic(s, 'Given', { masterKey: key });
    // WHEN
    build(s, { alarmTopic: topic });
    // THEN
    Template.fromStack(s).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
  });

  test('takes another variable and parameter name', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    const group = ModelPackageGroup.fromModelPackageGroupName(s, 'G', 'fraud');
    // WHEN
    new ModelApprovalTrigger(s, 'T', {
      modelPackageGroup: group,
      promotionPipeline: codepipeline.Pipeline.fromPipelineArn(s, 'P', PIPELINE_ARN),
      pipelineVariableName: 'PackageArn',
      approvedModelParameterName: '/teams/fraud/approved',
    });
    // THEN
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PIPELINE_VARIABLE_NAME: 'PackageArn', APPROVED_MODEL_PARAMETER_NAME: '/teams/fraud/approved' }) },
    });
  });

  test('fails on a bad variable and parameter name and a group of another account, naming all of them', () => {
    // GIVEN
    const s = new Stack(new App(), 'S', { env: TOOLING });
    const group = ModelPackageGroup.fromModelPackageGroupArn(s, 'G', 'arn:aws:sagemaker:eu-west-1:999999999999:model-package-group/churn');
    // WHEN / THEN
    expect(() => new ModelApprovalTrigger(s, 'T', {
      modelPackageGroup: group,
      promotionPipeline: codepipeline.Pipeline.fromPipelineArn(s, 'P', PIPELINE_ARN),
      pipelineVariableName: 'has space',
      approvedModelParameterName: 'no-leading-slash',
    })).toThrow(/^ModelApprovalTrigger S\/T: pipelineVariableName must be .* got 'has space'; approvedModelParameterName must be .* got 'no-leading-slash'; modelPackageGroup lives in account 999999999999, .* not 111111111111$/);
  });

  test('is compliant with the four cdk-nag packs and cfn-lint', () => {
    // GIVEN / WHEN
    const problems = complianceProblems((app) => {
      build(new Stack(app, 'Tooling', { env: TOOLING }));
    });
    // THEN
    expect(problems).toEqual([]);
  });
});
