import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DirectDriftRetraining, DriftRetraining, DriftRetrainingProps, PlatformEventBus } from '../../lib/monitoring';
import { complianceProblems } from '../harness/compliance';
import { FakeBuildPipeline } from './fake-pipeline';

const TOOLING = { account: '111111111111', region: 'us-east-1' };
const PRODUCTION = '333333333333';

function toolingStack(app: App, id = 'Tooling'): { stack: Stack; bus: PlatformEventBus; pipeline: FakeBuildPipeline } {
  const stack = new Stack(app, id, { env: TOOLING });
  const bus = new PlatformEventBus(stack, 'Bus', { sourceAccounts: [PRODUCTION] });
  const pipeline = new FakeBuildPipeline(stack, 'Pipeline', 'churn-build');
  return { stack, bus, pipeline };
}

/** The statements of the customer-managed policies attached to a role, by the role's logical id. */
function managedStatementsOf(template: Template, roleLogicalId: string): Array<{ Action: string | string[]; Resource: unknown }> {
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: roleLogicalId }] } }));
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('DriftRetraining', () => {
  let template: Template;
  let construct: DriftRetraining;
  let stack: Stack;

  beforeAll(() => {
    // GIVEN
    const app = new App();
    const t = toolingStack(app);
    stack = t.stack;
    // WHEN
    construct = new DriftRetraining(stack, 'Drift', {
      pipeline: t.pipeline,
      endpointNames: ['churn-prod'],
      monitoringScheduleNames: ['churn-batch-dq'],
      eventBus: t.bus.eventBus,
      monitoredEnvironments: [{ account: PRODUCTION, region: 'eu-west-1' }],
      cooldown: Duration.hours(12),
      parameterNames: { reason: 'Why' },
    });
    template = Template.fromStack(stack);
  });

  test('configures the handler with the pipeline, watched names, cooldown and parameter names', () => {
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          PIPELINE_NAME: 'churn-build',
          WATCHED_ENDPOINTS: '["churn-prod"]',
          WATCHED_MONITORING_SCHEDULES: '["churn-batch-dq"]',
          COOLDOWN_SECONDS: '43200',
          MONITORED_ENVIRONMENTS: JSON.stringify([{ account: PRODUCTION, region: 'eu-west-1' }]),
          PIPELINE_PARAMETER_NAMES: JSON.stringify({ reason: 'Why', monitorType: 'DriftMonitorType', metric: 'DriftMetric', endpoint: 'DriftEndpoint' }),
          TOPIC_ARN: { Ref: Match.stringLikeRegexp('DriftTopic') },
        }),
      },
    });
  });

  test('listens on the platform bus for monitoring executions with violations and for Model Monitor alarms', () => {
    // THEN
    const bus = { Ref: Match.stringLikeRegexp('^Bus') };
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: bus,
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Processing Job State Change'],
        // Watched endpoints cannot be matched by a rule: only where the drift comes from is.
        'account': [PRODUCTION],
        'region': ['eu-west-1'],
        'detail': { ProcessingJobStatus: ['Completed'], ExitMessage: [{ prefix: 'CompletedWithViolations' }] },
      },
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DriftHandlerFunction'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DriftHandlerDeadLetters'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
      })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: bus,
      EventPattern: {
        'source': ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        'account': [PRODUCTION],
        'region': ['eu-west-1'],
        'detail': {
          state: { value: ['ALARM'] },
          configuration: { metrics: { metricStat: { metric: { namespace: [{ prefix: 'aws/sagemaker/' }] } } } },
        },
      },
    });
  });

  test('the handler role starts only its pipeline and lists only its executions', () => {
    // THEN
    const statements = managedStatementsOf(template, stack.getLogicalId(construct.role.node.defaultChild as never));
    const sagemaker = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('sagemaker:')));
    const pipelineArn = { 'Fn::Join': ['', [
      'arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111111111111:pipeline/churn-build',
    ]] };
    expect(sagemaker).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'sagemaker:StartPipelineExecution', Resource: pipelineArn }),
      expect.objectContaining({ Effect: 'Allow', Action: ['sagemaker:ListPipelineExecutions', 'sagemaker:DescribePipeline'], Resource: pipelineArn }),
    ]);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('DriftTopic') } })]) },
    });
  });

  test('lists the executions of a pipeline named with capitals under both ARNs SageMaker may authorize', () => {
    // GIVEN
    const app = new App();
    const t = toolingStack(app);
    const pipeline = new FakeBuildPipeline(t.stack, 'Capitals', 'ChurnBuild');
    // WHEN
    new DriftRetraining(t.stack, 'Drift2', { pipeline, endpointNames: ['churn-prod'] });
    // THEN
    Template.fromStack(t.stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['sagemaker:ListPipelineExecutions', 'sagemaker:DescribePipeline'],
          Resource: [
            { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':pipeline/churnbuild$')])] },
            { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':pipeline/ChurnBuild$')])] },
          ],
        })]),
      },
    });
  });

  test('has a dead-letter queue and alarms on dead letters, errors and malformed events', () => {
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DriftHandlerDeadLetters'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'MalformedEvents', Dimensions: [{ Name: 'service', Value: 'drift-to-retraining' }] });
  });

  test('notifies a new encrypted topic by default', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  test('with only schedules watched, the violations rule matches their exact ARNs in the monitored accounts and regions, not a name suffix', () => {
    // GIVEN
    const t = toolingStack(new App());
    // WHEN
    new DriftRetraining(t.stack, 'BySchedule', {
      pipeline: t.pipeline,
      monitoringScheduleNames: ['churn-prod-data-quality'],
      monitoredEnvironments: [{ account: PRODUCTION, region: 'eu-west-1' }, { account: PRODUCTION, region: 'us-east-1' }],
    });
    // THEN
    const arn = (region: string) => ({ 'equals-ignore-case': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:${region}:${PRODUCTION}:monitoring-schedule/churn-prod-data-quality`]] } });
    Template.fromStack(t.stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        account: [PRODUCTION],
        region: ['eu-west-1', 'us-east-1'],
        detail: Match.objectLike({ MonitoringScheduleArn: [arn('eu-west-1'), arn('us-east-1')] }),
      }),
    });
  });

  test('without monitoredEnvironments, drift is accepted from the monitors\' stacks where known, else from this stack\'s account and region', () => {
    // GIVEN
    const t = toolingStack(new App());
    // WHEN
    const own = new DriftRetraining(t.stack, 'Own', { pipeline: t.pipeline, endpointNames: ['churn-prod'] });
    // THEN
    expect(own.monitoredEnvironments).toEqual([{ account: TOOLING.account, region: TOOLING.region }]);
  });

  test.each<[string, Partial<DriftRetrainingProps>, RegExp]>([
    ['no monitored environment', { endpointNames: ['e'], monitoredEnvironments: [] }, /monitoredEnvironments must name at least one account and region/],
    ['a monitored account that is not an account id', { endpointNames: ['e'], monitoredEnvironments: [{ account: '3333', region: 'eu-west-1' }] }, /monitoredEnvironments\[0\]\.account must be a 12-digit account id, got '3333'/],
    ['a monitored region that is not a region', { endpointNames: ['e'], monitoredEnvironments: [{ account: PRODUCTION, region: 'Europe' }] }, /monitoredEnvironments\[0\]\.region must be a region such as eu-west-1, got 'Europe'/],
  ])('fails on %s', (_what, bad, message) => {
    // GIVEN
    const t = toolingStack(new App());
    // WHEN / THEN
    expect(() => new DriftRetraining(t.stack, 'Drift', { pipeline: t.pipeline, ...bad })).toThrow(message);
  });

  test('EventBridge may use the dead-letter key, and CloudWatch the topic key, for this account only', () => {
    // THEN
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': TOOLING.account },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:${TOOLING.region}:${TOOLING.account}:rule/*`]] } },
            },
          }),
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: { StringEquals: { 'aws:SourceAccount': TOOLING.account } },
          }),
        ]),
      },
    });
  });

  test.each<[string, Partial<DriftRetrainingProps>, RegExp]>([
    ['nothing to watch', {}, /DriftRetraining Tooling\/Drift: give monitors, endpointNames or monitoringScheduleNames/],
    ['an endpoint name SageMaker rejects', { endpointNames: ['bad_name'] }, /endpointNames must be SageMaker names, got "bad_name"/],
    ['a schedule name SageMaker rejects', { monitoringScheduleNames: ['-x'] }, /monitoringScheduleNames must be SageMaker names, got "-x"/],
    ['a cooldown in fractions of a second', { endpointNames: ['e'], cooldown: Duration.millis(1500) }, /cooldown must be whole seconds/],
    ['a parameter name with a space', { endpointNames: ['e'], parameterNames: { metric: 'Drift Metric' } }, /parameterNames.metric must be a pipeline parameter name .* got "Drift Metric"/],
  ])('fails on %s', (_what, bad, message) => {
    // GIVEN
    const t = toolingStack(new App());
    // WHEN / THEN
    expect(() => new DriftRetraining(t.stack, 'Drift', { pipeline: t.pipeline, ...bad })).toThrow(message);
  });

  test('fails naming every problem at once', () => {
    const t = toolingStack(new App());
    expect(() => new DriftRetraining(t.stack, 'Drift', { pipeline: t.pipeline, endpointNames: ['a b'], monitoringScheduleNames: ['c_d'] }))
      .toThrow(/endpointNames .* "a b"; monitoringScheduleNames .* "c_d"/);
  });
});

describe('DirectDriftRetraining', () => {
  let template: Template;

  beforeAll(() => {
    // GIVEN
    const app = new App();
    const t = toolingStack(app);
    // WHEN
    new DirectDriftRetraining(t.stack, 'Direct', {
      pipeline: t.pipeline,
      monitoringScheduleNames: ['churn-prod-data-quality', 'churn-prod-model-quality'],
      eventBus: t.bus.eventBus,
      pipelineParameters: { RetrainReason: 'model-monitor-drift' },
    });
    template = Template.fromStack(t.stack);
  });

  test('starts the pipeline directly with static parameters, retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['SageMaker Processing Job State Change'],
        'detail': Match.objectLike({
          MonitoringScheduleArn: [{ suffix: ':monitoring-schedule/churn-prod-data-quality' }, { suffix: ':monitoring-schedule/churn-prod-model-quality' }],
        }),
      }),
      Targets: [Match.objectLike({
        Arn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':pipeline/churn-build$')])] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DirectRole'), 'Arn'] },
        SageMakerPipelineParameters: { PipelineParameterList: [{ Name: 'RetrainReason', Value: 'model-monitor-drift' }] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DirectDeadLetters'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
      })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: Match.objectLike({ configuration: { metrics: { metricStat: { metric: { namespace: [{ prefix: 'aws/sagemaker/' }], dimensions: { MonitoringSchedule: ['churn-prod-data-quality', 'churn-prod-model-quality'] } } } } } }),
      }),
    });
  });

  test('its role trusts EventBridge acting for a rule of this account only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Principal: { Service: 'events.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': TOOLING.account },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:${TOOLING.region}:${TOOLING.account}:rule/*`]] } },
          },
        })],
      },
    });
  });

  test('its role can start only this pipeline', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'sagemaker:StartPipelineExecution', Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':pipeline/churn-build$')])] } }],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('DirectRole') }],
    });
  });

  test('fails without schedules or with bad parameter names', () => {
    const t = toolingStack(new App());
    expect(() => new DirectDriftRetraining(t.stack, 'Direct', { pipeline: t.pipeline, monitoringScheduleNames: [], pipelineParameters: { 'a b': 'x' } }))
      .toThrow(/DirectDriftRetraining Tooling\/Direct: give monitors or monitoringScheduleNames.*; pipelineParameters names .* "a b"/);
  });
});


test('both routes are compliant', () => {
  expect(complianceProblems((app) => {
    const t = toolingStack(app);
    new DriftRetraining(t.stack, 'Drift', { pipeline: t.pipeline, endpointNames: ['churn-prod'], eventBus: t.bus.eventBus });
    new DirectDriftRetraining(t.stack, 'Direct', { pipeline: t.pipeline, monitoringScheduleNames: ['churn-prod-data-quality'], eventBus: t.bus.eventBus });
  })).toEqual([]);
});
