import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { BatchSplitType, ScheduledBatchTransform, ScheduledBatchTransformProps } from '../../lib/deployment';
import { complianceProblems } from '../harness/compliance';
import { PACKAGE_ARN, STAGING, newStagingStack } from './fixtures';

function build(stack: Stack, props: Partial<ScheduledBatchTransformProps> = {}): ScheduledBatchTransform {
  const input = s3.Bucket.fromBucketName(stack, 'Input', 'churn-scoring-input');
  return new ScheduledBatchTransform(stack, 'Nightly', {
    modelPackageArn: PACKAGE_ARN,
    schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }),
    inputBucket: input,
    inputPrefix: 'customers/',
    ...props,
  });
}

function managedPolicyStatements(template: Template, rolePath: string): any[] {
  const found = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: `Permissions of ${rolePath}` } }));
  expect(found).toHaveLength(1);
  return found[0].Properties.PolicyDocument.Statement;
}

/**
 * The CreateTransformJob request of the schedule, with each CloudFormation reference written as
 * `{Ref Logical}` or `{GetAtt Logical.Attr}` (logical ids without their hash).
 */
function requestOf(template: Template): any {
  const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0];
  const input = schedule.Properties.Target.Input;
  const unhashed = (id: string) => id.replace(/[0-9A-F]{8}$/, '');
  const text = typeof input === 'string' ? input : input['Fn::Join'][1].map((part: any) => {
    if (typeof part === 'string') return part;
    if (part.Ref) return `{Ref ${unhashed(part.Ref)}}`;
    if (part['Fn::GetAtt']) return `{GetAtt ${unhashed(part['Fn::GetAtt'][0])}.${part['Fn::GetAtt'][1]}}`;
    return JSON.stringify(part);
  }).join('');
  return JSON.parse(text);
}

describe('ScheduledBatchTransform', () => {
  let stack: Stack;
  let transform: ScheduledBatchTransform;
  let template: Template;

  beforeAll(() => {
    // GIVEN input objects under a prefix of a bucket
    stack = newStagingStack();
    // WHEN
    transform = build(stack, { splitType: BatchSplitType.LINE, contentType: 'text/csv', instanceCount: 2 });
    template = Template.fromStack(stack);
  });

  test('calls CreateTransformJob on a cron schedule, encrypted, with retries and a dead-letter queue', () => {
    // THEN
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      State: 'ENABLED',
      KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NightlyKey'), 'Arn'] },
      Target: Match.objectLike({
        Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:sagemaker:createTransformJob']] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NightlySchedulerRole'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NightlyDeadLetters'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      }),
    });
  });

  test('names each job after the run, so a retried invocation cannot start a second job', () => {
    const request = requestOf(template);
    expect(request).toEqual({
      TransformJobName: `${transform.jobNamePrefix}-<aws.scheduler.execution-id>`,
      ModelName: '{GetAtt NightlyModel.ModelName}',
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://churn-scoring-input/customers' } },
        ContentType: 'text/csv',
        SplitType: 'Line',
      },
      TransformOutput: {
        S3OutputPath: 's3://{Ref NightlyOutput}/batch-transform/<aws.scheduler.execution-id>',
        KmsKeyId: '{GetAtt NightlyKey.Arn}',
        AssembleWith: 'Line',
      },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 2, VolumeKmsKeyId: '{GetAtt NightlyKey.Arn}' },
    });
    expect(transform.jobNamePrefix).toMatch(/^[a-z0-9-]{1,26}$/);
  });

  test('runs the model package, network-isolated', () => {
    template.hasResourceProperties('AWS::SageMaker::Model', {
      Containers: [{ ModelPackageName: PACKAGE_ARN }],
      EnableNetworkIsolation: true,
    });
  });

  test('the scheduler role may only start jobs of this prefix and use the key for SageMaker', () => {
    const statements = managedPolicyStatements(template, 'Staging/Nightly/SchedulerRole');
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'sagemaker:CreateTransformJob',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:eu-west-1:222222222222:transform-job/${transform.jobNamePrefix}-*`]] },
    });
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['kms:CreateGrant', 'kms:DescribeKey'],
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }));
    expect(statements.flatMap((s) => [].concat(s.Action)).filter((a: string) => a.startsWith('sagemaker:'))).toEqual(['sagemaker:CreateTransformJob']);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '222222222222' } } })] },
    });
  });

  test('the model role reads the input prefix only and writes the output prefix only', () => {
    const statements = managedPolicyStatements(template, 'Staging/Nightly/Role');
    expect(statements).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['s3:GetObject*']),
      Resource: expect.arrayContaining([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::churn-scoring-input/customers/*']] }]),
    }));
    expect(statements).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['s3:PutObject']),
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^NightlyOutput/), 'Arn'] }, '/batch-transform/*']] },
    }));
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: PACKAGE_ARN });
  });

  test('alarms when a run could not be started', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NightlyDeadLetters'), 'QueueName'] } }],
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NightlyKey'), 'Arn'] } });
  });

  test('leaves out the volume key on instance types with local storage', () => {
    const other = newStagingStack('Other');
    // ml.g4dn carries NVMe storage and is a batch transform type (ml.m5d is not one: TransformInstanceType)
    build(other, { instanceType: 'ml.g4dn.xlarge' });
    expect(requestOf(Template.fromStack(other)).TransformResources).toEqual({ InstanceType: 'ml.g4dn.xlarge', InstanceCount: 1 });
  });

  test('captures inputs and outputs for batch monitoring when asked', () => {
    // GIVEN / WHEN
    const other = newStagingStack('Captured');
    const captured = build(other, { dataCapture: true });
    // THEN
    const template = Template.fromStack(other);
    expect(requestOf(template).DataCaptureConfig).toEqual({
      DestinationS3Uri: 's3://{Ref NightlyOutput}/batch-transform-capture',
      KmsKeyId: '{GetAtt NightlyKey.Arn}',
      GenerateInferenceId: true,
    });
    expect(captured.dataCaptureS3Uri).toBeDefined();
    expect(managedPolicyStatements(template, 'Captured/Nightly/Role')).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['s3:PutObject']),
      Resource: expect.arrayContaining([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^NightlyOutput/), 'Arn'] }, '/batch-transform-capture/*']] }]),
    }));
    expect(transform.dataCaptureS3Uri).toBeUndefined();
    expect(requestOf(Template.fromStack(stack)).DataCaptureConfig).toBeUndefined();
  });

  test('fails on bad props, naming each', () => {
    expect(() => build(newStagingStack(), { instanceCount: 0, maxPayloadInMb: 200, jobNamePrefix: 'Nightly_Scoring', modelPackageArn: '' }))
      .toThrow('scheduled batch transform Staging/Nightly: modelPackageArn needs a model package ARN; '
        + 'job name prefix must be 1 to 26 lower-case letters, digits and hyphens, got Nightly_Scoring; '
        + 'instance count must be a whole number of at least 1, got 0; max payload must be between 0 and 100 MB, got 200');
  });

  test('is compliant', () => {
    const problems = complianceProblems((app) => {
      const s = new Stack(app, 'Batch', { env: STAGING });
      build(s, { schedule: scheduler.ScheduleExpression.rate(Duration.days(1)) });
    });
    expect(problems).toEqual([]);
  });
});
