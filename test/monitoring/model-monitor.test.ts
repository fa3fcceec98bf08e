import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import {
  ModelMonitor,
  ModelMonitorProps,
  ModelQualityProblemType,
  MonitoringBaseline,
  MonitoringDatasetFormat,
  MonitoringTarget,
  MonitorSchedule,
  MonitorType,
} from '../../lib/monitoring';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { ModelDeploymentStack, ScheduledBatchTransform } from '../../lib/deployment';
import { waive } from '../../lib/private/compliance';
import { complianceProblems } from '../harness/compliance';

const PRODUCTION = { account: '333333333333', region: 'us-east-1' };
const TOOLING_BUS_ARN = 'arn:aws:events:us-east-1:111111111111:event-bus/mlops-platform';

const endpointTarget = () => MonitoringTarget.endpoint({
  endpointName: 'churn-prod',
  dataCaptureEnabled: true,
  dataCaptureS3Uri: 's3://churn-capture/churn-prod',
});

function allFourMonitors(stack: Stack, extra: Partial<ModelMonitorProps> = {}): ModelMonitor {
  return new ModelMonitor(stack, 'Monitor', {
    target: endpointTarget(),
    eventBus: events.EventBus.fromEventBusArn(stack, 'ToolingBus', TOOLING_BUS_ARN),
    dataQuality: {
      baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: 's3://churn-baselines/dq/constraints.json', statisticsS3Uri: 's3://churn-baselines/dq/statistics.json' }),
      featureDriftThresholds: { tenure: 0.2 },
    },
    modelQuality: {
      problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
      groundTruthS3Uri: 's3://churn-ground-truth/labels',
      baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: 's3://churn-baselines/mq/constraints.json' }),
      inferenceAttribute: '0',
      probabilityAttribute: '1',
      probabilityThresholdAttribute: 0.5,
      startTimeOffset: Duration.hours(2),
      endTimeOffset: Duration.hours(1),
      alarms: [{ metricName: 'accuracy', threshold: 0.8, comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD }],
    },
    modelBias: {
      groundTruthS3Uri: 's3://churn-ground-truth/labels',
      analysisConfigS3Uri: 's3://churn-baselines/bias/analysis_config.json',
      schedule: MonitorSchedule.daily(3),
    },
    modelExplainability: {
      analysisConfigS3Uri: 's3://churn-baselines/explainability/analysis_config.json',
      schedule: MonitorSchedule.everyHours(6, 1),
      baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: 's3://churn-baselines/explainability/constraints.json' }),
    },
    ...extra,
  });
}

describe('ModelMonitor on an endpoint, all four monitor types', () => {
  let template: Template;
  let monitor: ModelMonitor;
  let stack: Stack;

  beforeAll(() => {
    // GIVEN
    stack = new Stack(new App(), 'Production', { env: PRODUCTION });
    // WHEN
    monitor = allFourMonitors(stack);
    template = Template.fromStack(stack);
  });

  const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitorKey'), 'Arn'] };
  const network = { EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: true };
  const resources = { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 20, VolumeKmsKeyId: keyArn } };
  const endpointInput = { EndpointName: 'churn-prod', LocalPath: '/opt/ml/processing/input/endpoint', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' };
  const output = (suffix: string) => ({
    KmsKeyId: keyArn,
    MonitoringOutputs: [{ S3Output: { LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob', S3Uri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^MonitorReports') }, `/churn-prod/${suffix}`]] } } }],
  });

  test('data quality: the Model Monitor image of the region, the baseline, KMS, network isolation', () => {
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityAppSpecification: {
        ImageUri: { 'Fn::Join': ['', ['156813124566.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/sagemaker-model-monitor-analyzer']] },
        Environment: { MLOPS_MONITOR_TYPE: 'DataQuality', MLOPS_ENDPOINT_NAME: 'churn-prod' },
      },
      DataQualityBaselineConfig: {
        ConstraintsResource: { S3Uri: 's3://churn-baselines/dq/constraints.json' },
        StatisticsResource: { S3Uri: 's3://churn-baselines/dq/statistics.json' },
      },
      DataQualityJobInput: { EndpointInput: endpointInput },
      DataQualityJobOutputConfig: output('data-quality'),
      JobResources: resources,
      NetworkConfig: network,
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitorRole'), 'Arn'] },
    });
  });

  test('model quality: problem type, prediction attributes, ground truth and its time window', () => {
    template.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
      ModelQualityAppSpecification: Match.objectLike({ ProblemType: 'BinaryClassification', Environment: { MLOPS_MONITOR_TYPE: 'ModelQuality', MLOPS_ENDPOINT_NAME: 'churn-prod' } }),
      ModelQualityBaselineConfig: { ConstraintsResource: { S3Uri: 's3://churn-baselines/mq/constraints.json' } },
      ModelQualityJobInput: {
        EndpointInput: { ...endpointInput, InferenceAttribute: '0', ProbabilityAttribute: '1', ProbabilityThresholdAttribute: 0.5, StartTimeOffset: '-PT2H', EndTimeOffset: '-PT1H' },
        GroundTruthS3Input: { S3Uri: 's3://churn-ground-truth/labels' },
      },
      ModelQualityJobOutputConfig: output('model-quality'),
      NetworkConfig: network,
    });
  });

  test('model bias and explainability: the Clarify image and the analysis configuration', () => {
    const clarify = { 'Fn::Join': ['', ['205585389593.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/sagemaker-clarify-processing:1.0']] };
    template.hasResourceProperties('AWS::SageMaker::ModelBiasJobDefinition', {
      ModelBiasAppSpecification: { ImageUri: clarify, ConfigUri: 's3://churn-baselines/bias/analysis_config.json', Environment: { MLOPS_MONITOR_TYPE: 'ModelBias', MLOPS_ENDPOINT_NAME: 'churn-prod' } },
      ModelBiasJobInput: { EndpointInput: endpointInput, GroundTruthS3Input: { S3Uri: 's3://churn-ground-truth/labels' } },
      ModelBiasBaselineConfig: Match.absent(),
      NetworkConfig: network,
    });
    template.hasResourceProperties('AWS::SageMaker::ModelExplainabilityJobDefinition', {
      ModelExplainabilityAppSpecification: { ImageUri: clarify, ConfigUri: 's3://churn-baselines/explainability/analysis_config.json', Environment: Match.objectLike({ MLOPS_MONITOR_TYPE: 'ModelExplainability' }) },
      ModelExplainabilityBaselineConfig: { ConstraintsResource: { S3Uri: 's3://churn-baselines/explainability/constraints.json' } },
      ModelExplainabilityJobInput: { EndpointInput: endpointInput },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    });
  });

  test.each([
    ['DataQuality', 'churn-prod-data-quality', 'cron(0 * ? * * *)', 'DataQualityJobDefinition'],
    ['ModelQuality', 'churn-prod-model-quality', 'cron(0 0 ? * * *)', 'ModelQualityJobDefinition'],
    ['ModelBias', 'churn-prod-model-bias', 'cron(0 3 ? * * *)', 'ModelBiasJobDefinition'],
    ['ModelExplainability', 'churn-prod-model-explainability', 'cron(0 1/6 ? * * *)', 'ModelExplainabilityJobDefinition'],
  ])('a %s schedule named %s running %s', (type, name, expression, definition) => {
    template.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
      MonitoringScheduleName: name,
      EndpointName: 'churn-prod',
      MonitoringScheduleConfig: {
        MonitoringType: type,
        MonitoringJobDefinitionName: { 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': [Match.stringLikeRegexp(`^Monitor${definition}`), 'JobDefinitionArn'] }] }] },
        ScheduleConfig: { ScheduleExpression: expression },
      },
    });
  });

  test('exposes the schedule names for DriftRetraining', () => {
    expect(monitor.monitoringScheduleNames).toEqual(['churn-prod-data-quality', 'churn-prod-model-quality', 'churn-prod-model-bias', 'churn-prod-model-explainability']);
  });

  test('a rule per monitor on executions completed with violations, forwarded to the tooling bus with a role and a dead-letter queue', () => {
    template.resourceCountIs('AWS::SageMaker::MonitoringSchedule', 4);
    for (const type of ['DataQuality', 'ModelQuality', 'ModelBias', 'ModelExplainability']) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.sagemaker'],
          'detail-type': ['SageMaker Processing Job State Change'],
          'detail': {
            ProcessingJobStatus: ['Completed'],
            ExitMessage: [{ prefix: 'CompletedWithViolations' }],
            MonitoringScheduleArn: [{ 'Fn::GetAtt': [Match.stringLikeRegexp(`^Monitor${type}Schedule`), 'MonitoringScheduleArn'] }],
          },
        },
        Targets: [Match.objectLike({
          Arn: TOOLING_BUS_ARN,
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitorForwardingRole'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitorForwardingDeadLetters'), 'Arn'] } },
        })],
      });
    }
  });

  test('a violations alarm per monitor type, notifying the alarm topic', () => {
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Events', MetricName: 'MatchedEvents' }, 4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'MatchedEvents',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: Match.stringLikeRegexp('^MonitorModelBiasViolationsRule') } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^MonitorAlarmTopic') }],
    });
  });

  test('alarms on feature drift and on model quality, on Model Monitor\'s own metrics', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'aws/sagemaker/Endpoints/data-metrics',
      MetricName: 'feature_baseline_drift_tenure',
      Dimensions: Match.arrayWith([{ Name: 'Endpoint', Value: 'churn-prod' }, { Name: 'MonitoringSchedule', Value: 'churn-prod-data-quality' }]),
      Threshold: 0.2,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'aws/sagemaker/Endpoints/model-metrics',
      MetricName: 'accuracy',
      Threshold: 0.8,
      ComparisonOperator: 'LessThanThreshold',
    });
  });

  test('forwards the state changes of exactly its metric alarms to the tooling bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        'resources': [
          { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitorDataQualityAlarm1'), 'Arn'] },
          { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitorModelQualityAlarm1'), 'Arn'] },
        ],
      },
      Targets: [Match.objectLike({ Arn: TOOLING_BUS_ARN })],
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: TOOLING_BUS_ARN }] },
      Roles: [{ Ref: Match.stringLikeRegexp('^MonitorForwardingRole') }],
    });
  });

  test('the job role reads captured data, baselines and ground truth, writes its reports, and nothing else', () => {
    const roleId = stack.getLogicalId(monitor.role.node.defaultChild as never);
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: roleId }] } }));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement) as Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }>;
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.startsWith('sagemaker:'))).toEqual([]);
    expect(actions.some((a) => a.endsWith(':*') || a === '*')).toBe(false);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::churn-capture/churn-prod/*']] } }),
      expect.objectContaining({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::churn-ground-truth/labels/*']] } }),
      expect.objectContaining({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::churn-baselines/dq/constraints.json']] } }),
      expect.objectContaining({ Action: ['s3:PutObject', 's3:GetObject'] }),
      expect.objectContaining({ Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringLike: { 'cloudwatch:namespace': 'aws/sagemaker/*' } } }),
    ]));
    const resources = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
    expect(resources).toEqual(['cloudwatch:PutMetricData']);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('metric() names Model Monitor\'s namespace and dimensions', () => {
    const m = monitor.metric(MonitorType.MODEL_BIAS, 'DPPL');
    expect(m.namespace).toBe('aws/sagemaker/Endpoints/bias-metrics');
    expect(m.dimensions).toEqual({ Endpoint: 'churn-prod', MonitoringSchedule: 'churn-prod-model-bias' });
  });
});

describe('ModelMonitor variants', () => {
  test('a batch transform: its captured data, its dataset format and the ModelMonitoring namespace', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Production', { env: PRODUCTION });
    // WHEN
    new ModelMonitor(stack, 'Monitor', {
      target: MonitoringTarget.batchTransform({ dataCapturedDestinationS3Uri: 's3://churn-batch/capture', datasetFormat: MonitoringDatasetFormat.csv(true) }),
      namePrefix: 'churn-batch',
      dataQuality: {
        baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: 's3://churn-baselines/dq/constraints.json' }),
        featureDriftThresholds: { tenure: 0.3 },
      },
    });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityJobInput: { BatchTransformInput: { DataCapturedDestinationS3Uri: 's3://churn-batch/capture', DatasetFormat: { Csv: { Header: true } }, LocalPath: '/opt/ml/processing/input/batch', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } },
      DataQualityAppSpecification: { ImageUri: Match.anyValue(), Environment: { MLOPS_MONITOR_TYPE: 'DataQuality' } },
    });
    template.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', { MonitoringScheduleName: 'churn-batch-data-quality', EndpointName: Match.absent() });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'aws/sagemaker/ModelMonitoring/data-metrics',
      Dimensions: [{ Name: 'MonitoringSchedule', Value: 'churn-batch-data-quality' }],
    });
  });

  test('baselines from the deployed model package\'s drift-check baselines, read at deploy time', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Production', { env: PRODUCTION });
    const packageArn = 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/3';
    // WHEN
    new ModelMonitor(stack, 'Monitor', {
      target: endpointTarget(),
      dataQuality: { baseline: MonitoringBaseline.fromModelPackage(packageArn) },
      modelExplainability: { baseline: MonitoringBaseline.fromModelPackage(packageArn) },
    });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::ModelPackageBaselines', {
      ModelPackageArn: packageArn,
      RequiredBaselines: ['ModelDataQuality.Constraints', 'ModelDataQuality.Statistics', 'Explainability.Constraints', 'Explainability.ConfigFile'],
    });
    template.resourceCountIs('Custom::ModelPackageBaselines', 1);
    // No asset: the model-deployment stack is deployed as a bare template.
    template.hasResourceProperties('AWS::Lambda::Function', { Code: { ZipFile: Match.stringLikeRegexp('DescribeModelPackageCommand') }, ReservedConcurrentExecutions: 1 });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/AssetParameters|cdk-assets|S3Key/);
    const field = (f: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitorBaselineLookup'), f] });
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityBaselineConfig: { ConstraintsResource: { S3Uri: field('ModelDataQuality.Constraints') }, StatisticsResource: { S3Uri: field('ModelDataQuality.Statistics') } },
    });
    template.hasResourceProperties('AWS::SageMaker::ModelExplainabilityJobDefinition', {
      ModelExplainabilityAppSpecification: Match.objectLike({ ConfigUri: field('Explainability.ConfigFile') }),
      ModelExplainabilityBaselineConfig: { ConstraintsResource: { S3Uri: field('Explainability.Constraints') } },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: packageArn }]) },
    });
  });

  test('a region-agnostic stack resolves the image account at deploy time', () => {
    const stack = new Stack(new App(), 'Anywhere');
    new ModelMonitor(stack, 'Monitor', {
      target: endpointTarget(),
      dataQuality: { baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: 's3://bucket/c.json' }) },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityAppSpecification: Match.objectLike({
        ImageUri: { 'Fn::Join': ['', [
          { 'Fn::FindInMap': ['SageMakerModelMonitorImageAccounts', { Ref: 'AWS::Region' }, 'account'] },
          '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/sagemaker-model-monitor-analyzer',
        ]] },
      }),
    });
  });

  const dq = { baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: 's3://bucket/c.json' }) };
  test.each<[string, Partial<ModelMonitorProps>, RegExp]>([
    ['an endpoint that does not capture data', { target: MonitoringTarget.endpoint({ endpointName: 'churn-prod', dataCaptureEnabled: false, dataCaptureS3Uri: 's3://c/p' }) }, /ModelMonitor Production\/Monitor: endpoint 'churn-prod' does not capture data/],
    ['no monitor at all', { dataQuality: undefined }, /give at least one of dataQuality, modelQuality, modelBias, modelExplainability/],
    ['an unsupported cron expression', { dataQuality: { ...dq, schedule: MonitorSchedule.expression('cron(*/5 * * * ? *)') } }, /dataQuality: schedule must be hourly .* got 'cron\(\*\/5 \* \* \* \? \*\)'/],
    ['an hour out of range', { dataQuality: { ...dq, schedule: MonitorSchedule.daily(24) } }, /got 'cron\(0 24 \? \* \* \*\)'/],
    ['a run longer than the schedule interval', { dataQuality: { ...dq, maxRuntime: Duration.hours(2) } }, /maxRuntime must be between 1 second and the schedule's interval \(3600 s\), got 7200 s/],
    ['data quality without a baseline', { dataQuality: {} }, /dataQuality needs a baseline with constraints/],
    ['bias without an analysis configuration', { modelBias: { groundTruthS3Uri: 's3://g/t' } }, /modelBias needs analysisConfigS3Uri/],
    ['a ground truth that is not an S3 URI', { modelQuality: { problemType: ModelQualityProblemType.REGRESSION, groundTruthS3Uri: 'https://x', baseline: dq.baseline } }, /groundTruthS3Uri must be an s3:\/\/ URI, got 'https:\/\/x'/],
    ['a name prefix too long', { namePrefix: 'a'.repeat(43) }, /namePrefix must be a SageMaker name of at most 42 characters/],
    ['a feature drift threshold outside (0, 1]', { dataQuality: { ...dq, featureDriftThresholds: { age: 2 } } }, /drift threshold of feature 'age' must be in \(0, 1\], got 2/],
    ['a batch transform without a name prefix', { target: MonitoringTarget.batchTransform({ dataCapturedDestinationS3Uri: 's3://c/p', datasetFormat: MonitoringDatasetFormat.parquet() }) }, /namePrefix is required for a batch-transform monitor/],
  ])('fails on %s', (_what, bad, message) => {
    const stack = new Stack(new App(), 'Production', { env: PRODUCTION });
    expect(() => new ModelMonitor(stack, 'Monitor', { target: endpointTarget(), dataQuality: dq.baseline ? dq : undefined, ...bad })).toThrow(message);
  });

  test('fails on a ModelEndpoint whose data capture is off', () => {
    // GIVEN
    const deployment = new ModelDeploymentStack(new App(), 'Production', { env: PRODUCTION, endpoint: { endpointName: 'churn-prod', dataCapture: { enabled: false } } });
    // WHEN / THEN
    expect(() => new ModelMonitor(deployment, 'Monitor', { target: MonitoringTarget.fromModelEndpoint(deployment.endpoint), dataQuality: dq }))
      .toThrow(/^ModelMonitor Production\/Monitor: endpoint 'churn-prod' does not capture data, and Model Monitor reads only captured data: enable data capture on the endpoint$/);
  });

  test('a ScheduledBatchTransform that captures data: its capture location and a data-quality schedule', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Production', { env: PRODUCTION });
    const transform = new ScheduledBatchTransform(stack, 'Nightly', {
      modelPackageArn: 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/3',
      schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }),
      inputBucket: s3.Bucket.fromBucketName(stack, 'Input', 'churn-scoring-input'),
      inputPrefix: 'customers/',
      dataCapture: true,
    });
    // WHEN
    new ModelMonitor(stack, 'Monitor', {
      target: MonitoringTarget.fromScheduledBatchTransform(transform, MonitoringDatasetFormat.csv()),
      namePrefix: 'churn-nightly',
      dataQuality: { ...dq, schedule: MonitorSchedule.daily(6) },
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityJobInput: { BatchTransformInput: Match.objectLike({ DataCapturedDestinationS3Uri: stack.resolve(transform.dataCaptureS3Uri), DatasetFormat: { Csv: { Header: false } } }) },
    });
  });

  test('fails on a ScheduledBatchTransform that does not capture data', () => {
    const stack = new Stack(new App(), 'Production', { env: PRODUCTION });
    const transform = new ScheduledBatchTransform(stack, 'Nightly', {
      modelPackageArn: 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/3',
      schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }),
      inputBucket: s3.Bucket.fromBucketName(stack, 'Input', 'churn-scoring-input'),
      inputPrefix: 'customers/',
    });
    expect(() => new ModelMonitor(stack, 'Monitor', {
      target: MonitoringTarget.fromScheduledBatchTransform(transform, MonitoringDatasetFormat.csv()),
      namePrefix: 'churn-nightly',
      dataQuality: dq,
    })).toThrow(/^ModelMonitor Production\/Monitor: the batch transform does not capture data, and Model Monitor reads only captured data: enable its data capture$/);
  });

  test('fails naming several problems at once', () => {
    const stack = new Stack(new App(), 'Production', { env: PRODUCTION });
    expect(() => new ModelMonitor(stack, 'Monitor', {
      target: MonitoringTarget.endpoint({ endpointName: 'churn-prod', dataCaptureEnabled: false, dataCaptureS3Uri: 's3://c/p' }),
      dataQuality: { schedule: MonitorSchedule.expression('rate(1 hour)') },
    })).toThrow(/does not capture data.*; dataQuality: schedule must be .*; dataQuality needs a baseline/);
  });
});

test('ModelMonitor is compliant, all four monitors with forwarding and with a model-package baseline', () => {
  expect(complianceProblems((app) => {
    const stack = new Stack(app, 'Production', { env: PRODUCTION });
    const monitor = allFourMonitors(stack);
    // What a team does with baselines of its own: the deployability check cannot see who writes
    // them, so the team acknowledges that it does.
    waive(monitor, {
      rules: ['Deployability-ScheduledJobInputsWritten'],
      reason: 'the baselines and analysis configurations under s3://churn-baselines are the team\'s own, written by its baselining job outside this app',
    });
    new ModelMonitor(stack, 'FromPackage', {
      target: MonitoringTarget.endpoint({ endpointName: 'fraud-prod', dataCaptureEnabled: true, dataCaptureS3Uri: 's3://fraud-capture/fraud-prod' }),
      dataQuality: { baseline: MonitoringBaseline.fromModelPackage('arn:aws:sagemaker:us-east-1:111111111111:model-package/fraud/7') },
    });
  })).toEqual([]);
});
