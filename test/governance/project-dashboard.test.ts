import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ProjectDashboard } from '../../lib/governance';
import { ModelBuildPipeline } from '../../lib/pipeline';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };

interface Widget { type: string; properties: { title?: string; metrics?: unknown[][]; alarms?: string[]; markdown?: string } }

/** The dashboard body with every token written `{Ref}`-style, parsed. */
function body(stack: Stack): { widgets: Widget[] } {
  const dashboard = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0];
  const raw = dashboard.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof raw === 'string' ? raw : raw['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part).replace(/"/g, "'")}>`)).join('');
  return JSON.parse(text);
}

function build(stack: Stack): ProjectDashboard {
  const fn = lambda.Function.fromFunctionName(stack, 'Approval', 'mlops-churn-approval');
  const dlq = sqs.Queue.fromQueueArn(stack, 'ApprovalDlq', 'arn:aws:sqs:eu-west-1:111111111111:mlops-churn-approval-dlq');
  const violations = events.Rule.fromEventRuleArn(stack, 'Violations', 'arn:aws:events:eu-west-1:111111111111:rule/mlops-platform/churn-violations');
  const alarm = cloudwatch.Alarm.fromAlarmArn(stack, 'Errors', 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:churn-approval-errors');
  return new ProjectDashboard(stack, 'Dashboard', {
    projectName: 'churn',
    buildPipeline: ModelBuildPipeline.fromPipelineName(stack, 'Build', 'churn-build'),
    endpoints: [
      { stage: 'staging', endpointName: 'churn-staging', account: '222222222222' },
      { stage: 'production', endpointName: 'churn-production', account: '333333333333', region: 'eu-central-1', monitoringScheduleNames: ['churn-production-data-quality'] },
    ],
    violationRules: [violations],
    handlers: [{ title: 'Approval', function: fn, deadLetterQueue: dlq }],
    alarms: [alarm],
  });
}

describe('ProjectDashboard', () => {
  let widgets: Widget[];

  beforeAll(() => {
    // GIVEN
    const stack = new Stack(new App(), 'Tooling', { env: TOOLING });
    // WHEN
    build(stack);
    widgets = body(stack).widgets;
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'mlops-churn' });
  });

  const byTitle = (title: string) => widgets.find((w) => w.properties.title === title)!;

  test('the build pipeline\'s executions, from SageMaker Pipelines\' own metrics', () => {
    // THEN
    const metrics = byTitle('Build pipeline executions').properties.metrics!;
    expect(metrics.map((m) => m.slice(0, 4))).toEqual(['ExecutionStarted', 'ExecutionSucceeded', 'ExecutionFailed', 'ExecutionStopped']
      .map((name) => ['AWS/Sagemaker/ModelBuildingPipeline', name, 'PipelineName', 'churn-build']));
  });

  test('each stage\'s endpoint, from its own account and region: invocations, errors, latency', () => {
    // THEN
    const invocations = byTitle('staging: churn-staging (222222222222), invocations').properties.metrics![0];
    expect(invocations).toEqual(['AWS/SageMaker', 'Invocations', 'EndpointName', 'churn-staging', 'VariantName', 'AllTraffic', { accountId: '222222222222', label: 'Invocations', stat: 'Sum' }]);
    const errors = byTitle('production: churn-production (333333333333/eu-central-1), errors').properties.metrics!;
    expect(errors.map((m) => [m[1], m[6]])).toEqual([
      ['Invocation4XXErrors', { accountId: '333333333333', region: 'eu-central-1', label: '4XX', stat: 'Sum' }],
      ['Invocation5XXErrors', { accountId: '333333333333', region: 'eu-central-1', label: '5XX', stat: 'Sum' }],
    ]);
    const latency = byTitle('production: churn-production (333333333333/eu-central-1), latency (µs)').properties.metrics!;
    expect(latency.map((m) => `${m[1]} ${(m[6] as { stat: string }).stat}`)).toEqual(['ModelLatency p50', 'ModelLatency p99', 'OverheadLatency p99']);
  });

  test('the monitors\' violations (the tooling rule\'s matches) and drift per feature (a search in the production account)', () => {
    // THEN
    expect(byTitle('Monitoring executions with violations').properties.metrics![0]).toEqual(['AWS/Events', 'MatchedEvents', 'EventBusName', 'mlops-platform', 'RuleName', 'churn-violations', { label: 'violations 1', period: 3600, stat: 'Sum' }]);
    expect(byTitle('production: baseline drift per feature').properties.metrics![0]).toEqual([{
      expression: "SEARCH('\"churn-production-data-quality\" feature_baseline_drift', 'Maximum', 3600)",
      label: 'churn-production-data-quality',
      period: 3600,
      accountId: '333333333333',
      region: 'eu-central-1',
    }]);
  });

  test('a rule of this app on a custom bus is named by bus and rule, read from its ARN', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Rules', { env: TOOLING });
    const bus = new events.EventBus(stack, 'Bus', { eventBusName: 'mlops-platform' });
    const rule = new events.Rule(stack, 'Violations', { eventBus: bus, eventPattern: { source: ['aws.sagemaker'] } });
    // WHEN
    new ProjectDashboard(stack, 'Dashboard', { projectName: 'churn', violationRules: [rule] });
    // THEN
    const metric = body(stack).widgets.find((w) => w.properties.title === 'Monitoring executions with violations')!.properties.metrics![0];
    expect(metric.slice(0, 3)).toEqual(['AWS/Events', 'MatchedEvents', 'EventBusName']);
    expect(metric[3]).toMatch(/Fn::Select':\[1,\{'Fn::Split':\['\/',\{'Fn::GetAtt':\['Violations[0-9A-F]+','Arn'\]/);
    expect(metric[4]).toBe('RuleName');
    expect(metric[5]).toMatch(/Fn::Select':\[2,/);
  });

  test('each handler\'s errors, throttles and dead letters', () => {
    // THEN
    expect(byTitle('Approval: errors and throttles').properties.metrics!.map((m) => m.slice(0, 3))).toEqual([
      ['AWS/Lambda', 'Errors', 'FunctionName'],
      ['AWS/Lambda', 'Throttles', 'FunctionName'],
    ]);
    expect(byTitle('Approval: errors and throttles').properties.metrics![0][3]).toMatch(/function:mlops-churn-approval/);
    expect(byTitle('Approval: dead letters').properties.metrics![0].slice(0, 4)).toEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', 'mlops-churn-approval-dlq']);
  });

  test('the project\'s alarms with their state', () => {
    // THEN
    expect(widgets.find((w) => w.type === 'alarm')!.properties.alarms).toEqual(['arn:aws:cloudwatch:eu-west-1:111111111111:alarm:churn-approval-errors']);
  });

  test('a dashboard of the tooling account\'s own endpoint carries no account', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Single', { env: TOOLING });
    // WHEN
    new ProjectDashboard(stack, 'Dashboard', { projectName: 'churn', endpoints: [{ stage: 'production', endpointName: 'churn', account: TOOLING.account, region: TOOLING.region }] });
    // THEN
    const invocations = body(stack).widgets.find((w) => w.properties.title === 'production: churn, invocations')!;
    expect(invocations.properties.metrics![0][6]).toEqual({ label: 'Invocations', stat: 'Sum' });
  });

  test('fails for a bad dashboard name, account and schedule name, all in one error', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Other', { env: TOOLING });
    // WHEN / THEN
    expect(() => new ProjectDashboard(stack, 'Dashboard', {
      projectName: 'churn', dashboardName: 'churn dashboard',
      endpoints: [{ stage: 'production', endpointName: 'churn', account: '3333', monitoringScheduleNames: ["it's"] }],
    })).toThrow("ProjectDashboard Other/Dashboard: dashboardName 'churn dashboard' must be 1-255 of letters, digits, '-' and '_'; endpoint churn: account '3333' is not a 12-digit account id; endpoint churn: monitoring schedule name 'it's' may not hold quotes");
  });
});
