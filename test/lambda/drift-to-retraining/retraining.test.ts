import './quiet-env';
import {
  DescribePipelineCommand,
  ListPipelineExecutionsCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createDriftHandler, DEFAULT_PARAMETER_NAMES, DriftConfig, readDriftConfig } from '../../../lambda/drift-to-retraining/retraining';
import { metrics } from '../../../lambda/shared/observability';
import { requestTokenFor } from '../../../lambda/shared/request-token';
import { ACCOUNT, alarmEvent, monitoringViolationEvent, PRODUCTION, REGION, STAGING_ACCOUNT } from './events';

// moto_server reports every pipeline execution as Succeeded at once, so "an execution is running"
// can only be shown with a mocked client; everything else is also tested against moto_server.
const sagemakerMock = mockClient(SageMakerClient);
const snsMock = mockClient(SNSClient);

const config: DriftConfig = {
  pipelineName: 'churn-build',
  topicArn: 'arn:aws:sns:us-east-1:111111111111:churn',
  watch: { endpoints: new Set(['churn-prod']), monitoringSchedules: new Set(), environments: [PRODUCTION] },
  cooldownSeconds: 3600,
  parameterNames: DEFAULT_PARAMETER_NAMES,
};
const NOW = new Date('2026-11-23T12:00:00Z');

function handlerWith(overrides: Partial<DriftConfig> = {}) {
  return createDriftHandler({
    sagemaker: new SageMakerClient({}),
    sns: new SNSClient({}),
    config: { ...config, ...overrides },
    now: () => NOW,
  });
}

function serviceError(name: string, fault: 'client' | 'server', status: number): Error {
  return Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

beforeEach(() => {
  sagemakerMock.reset();
  snsMock.reset();
  sagemakerMock.on(DescribePipelineCommand).resolves({ PipelineDefinition: JSON.stringify({ Parameters: [{ Name: 'RetrainReason' }] }) });
  sagemakerMock.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: 'arn:aws:sagemaker:us-east-1:111111111111:pipeline/churn-build/execution/new' });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
});

describe('drift handler decisions', () => {
  test.each(['Executing', 'Stopping'])('a drift while an execution is %s starts nothing and tells the topic', async (status) => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({
      PipelineExecutionSummaries: [
        { PipelineExecutionArn: 'arn:old', StartTime: new Date('2026-11-20T00:00:00Z'), PipelineExecutionStatus: 'Succeeded' },
        { PipelineExecutionArn: 'arn:running', StartTime: new Date('2026-11-21T00:00:00Z'), PipelineExecutionStatus: status as 'Executing' },
      ],
    });
    // WHEN
    const outcome = await handlerWith({ cooldownSeconds: 0 })(monitoringViolationEvent({ id: 'e1' }));
    // THEN
    expect(outcome).toBe('skipped-executing');
    expect(sagemakerMock).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: config.topicArn,
      Subject: 'Drift on endpoint churn-prod: retraining skipped, one is running',
      Message: expect.stringContaining('arn:running'),
    });
  });

  test('lists only its own pipeline\'s executions, newest first', async () => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
    // WHEN
    await handlerWith()(monitoringViolationEvent({ id: 'e1' }));
    // THEN
    expect(sagemakerMock).toHaveReceivedCommandWith(ListPipelineExecutionsCommand, { PipelineName: 'churn-build', SortBy: 'CreationTime', SortOrder: 'Descending' });
  });

  test('starts with a client request token derived from the drift, not the event: the alarm and its state change', async () => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
    // WHEN
    await handlerWith()(alarmEvent({ id: 'evt-42' }));
    // THEN
    const key = `alarm:arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:churn-drift@2026-11-23T01:02:03.000+0000`;
    expect(sagemakerMock).toHaveReceivedCommandWith(StartPipelineExecutionCommand, {
      PipelineName: 'churn-build',
      ClientRequestToken: requestTokenFor('drift', key),
      PipelineExecutionDisplayName: requestTokenFor('drift', key),
      PipelineParameters: [{ Name: 'RetrainReason', Value: expect.stringContaining('feature_baseline_drift_tenure') }],
    });
  });

  test('one monitoring execution delivered twice, with two event ids, starts one retraining and notifies once', async () => {
    // GIVEN: the first delivery started an execution named after the drift
    const token = requestTokenFor('drift', `execution:arn:aws:sagemaker:${REGION}:${ACCOUNT}:processing-job/model-monitoring-202611230100-abc`);
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({
      PipelineExecutionSummaries: [{ PipelineExecutionArn: 'arn:first', PipelineExecutionDisplayName: token, StartTime: new Date(NOW.getTime() - 1000), PipelineExecutionStatus: 'Executing' }],
    });
    // WHEN
    const outcome = await handlerWith({ cooldownSeconds: 0 })(monitoringViolationEvent({ id: 'second-delivery' }));
    // THEN
    expect(outcome).toBe('already-started');
    expect(sagemakerMock).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  test.each([
    ['staging, with a schedule named like production\'s', monitoringViolationEvent({ id: 's', account: STAGING_ACCOUNT })],
    ['an unknown account', monitoringViolationEvent({ id: 'u', account: '999999999999' })],
    ['another region of the production account', monitoringViolationEvent({ id: 'r', region: 'eu-west-1' })],
    ['an event whose account is not its schedule\'s', monitoringViolationEvent({ id: 'x', eventAccount: STAGING_ACCOUNT })],
    ['an alarm in staging', alarmEvent({ id: 'a', account: STAGING_ACCOUNT })],
  ])('drift from %s retrains nothing, and is logged and counted', async (_where, event) => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
    const addMetric = jest.spyOn(metrics, 'addMetric');
    // WHEN
    const outcome = await handlerWith()(event);
    // THEN
    expect(outcome).toBe('foreign');
    expect(addMetric).toHaveBeenCalledWith('ForeignDriftEvents', 'Count', 1);
    expect(sagemakerMock.calls()).toHaveLength(0);
    addMetric.mockRestore();
  });

  test('the same violation from production retrains once', async () => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
    // WHEN
    const outcome = await handlerWith()(monitoringViolationEvent({ id: 'p' }));
    // THEN
    expect(outcome).toBe('started');
    expect(sagemakerMock).toHaveReceivedCommandTimes(StartPipelineExecutionCommand, 1);
  });

  test.each(['Failed', 'Stopped'])('a %s retraining starts no cooldown: the next drift retrains', async (status) => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({
      PipelineExecutionSummaries: [
        { PipelineExecutionArn: 'arn:failed', StartTime: new Date(NOW.getTime() - 60_000), PipelineExecutionStatus: status as 'Failed' },
        { PipelineExecutionArn: 'arn:old', StartTime: new Date(NOW.getTime() - 7_200_000), PipelineExecutionStatus: 'Succeeded' },
      ],
    });
    // WHEN
    const outcome = await handlerWith({ cooldownSeconds: 3600 })(monitoringViolationEvent({ id: 'e1' }));
    // THEN
    expect(outcome).toBe('started');
  });

  test('a succeeded retraining within the cooldown holds the drift back, behind a newer failed one', async () => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({
      PipelineExecutionSummaries: [
        { PipelineExecutionArn: 'arn:failed', StartTime: new Date(NOW.getTime() - 60_000), PipelineExecutionStatus: 'Failed' },
        { PipelineExecutionArn: 'arn:ok', StartTime: new Date(NOW.getTime() - 600_000), PipelineExecutionStatus: 'Succeeded' },
      ],
    });
    // WHEN
    const outcome = await handlerWith({ cooldownSeconds: 3600 })(monitoringViolationEvent({ id: 'e1' }));
    // THEN
    expect(outcome).toBe('skipped-cooldown');
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { Message: expect.stringContaining('the last running or successful execution started at') });
  });

  test.each([
    ['one second before the cooldown ends', 3599, 'skipped-cooldown'],
    ['when the cooldown has just ended', 3600, 'started'],
  ])('%s', async (_when, secondsAgo, expected) => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({
      PipelineExecutionSummaries: [{ PipelineExecutionArn: 'arn:last', StartTime: new Date(NOW.getTime() - secondsAgo * 1000), PipelineExecutionStatus: 'Succeeded' }],
    });
    // WHEN
    const outcome = await handlerWith({ cooldownSeconds: 3600 })(monitoringViolationEvent({ id: 'e1' }));
    // THEN
    expect(outcome).toBe(expected);
  });

  test('without the job environment, the monitor type comes from the schedule name ModelMonitor gave it', async () => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
    sagemakerMock.on(DescribePipelineCommand).resolves({ PipelineDefinition: JSON.stringify({ Parameters: [{ Name: 'DriftMonitorType' }] }) });
    const event = monitoringViolationEvent({ id: 'e-bias', schedule: 'churn-prod-model-bias' });
    delete (event.detail as Record<string, unknown>).Environment;
    // WHEN
    const outcome = await handlerWith({ watch: { endpoints: new Set(), monitoringSchedules: new Set(['churn-prod-model-bias']), environments: [PRODUCTION] } })(event);
    // THEN
    expect(outcome).toBe('started');
    expect(sagemakerMock).toHaveReceivedCommandWith(StartPipelineExecutionCommand, { PipelineParameters: [{ Name: 'DriftMonitorType', Value: 'ModelBias' }] });
  });

  test('a malformed event is counted, not retried', async () => {
    // GIVEN
    const addMetric = jest.spyOn(metrics, 'addMetric');
    // WHEN
    const outcome = await handlerWith()({ 'id': 'e', 'detail-type': 'CloudWatch Alarm State Change', 'source': 'aws.cloudwatch', 'detail': { alarmName: 'a' } });
    // THEN
    expect(outcome).toBe('malformed');
    expect(addMetric).toHaveBeenCalledWith('MalformedEvents', 'Count', 1);
    expect(sagemakerMock.calls()).toHaveLength(0);
    addMetric.mockRestore();
  });

  test('fails with the service error when SageMaker is throttling, so the platform retries', async () => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
    sagemakerMock.on(StartPipelineExecutionCommand).rejects(serviceError('ThrottlingException', 'client', 400));
    // WHEN / THEN
    await expect(handlerWith()(monitoringViolationEvent({ id: 'e1' }))).rejects.toThrow(/ThrottlingException/);
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  test('fails on a permanent service error too, so the dead-letter queue keeps the drift', async () => {
    // GIVEN
    sagemakerMock.on(ListPipelineExecutionsCommand).rejects(serviceError('AccessDeniedException', 'client', 403));
    // WHEN / THEN
    await expect(handlerWith()(monitoringViolationEvent({ id: 'e1' }))).rejects.toThrow(/AccessDeniedException/);
  });
});

describe('configuration', () => {
  const env = {
    PIPELINE_NAME: 'p',
    TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:t',
    WATCHED_ENDPOINTS: '["e1","e2"]',
    WATCHED_MONITORING_SCHEDULES: '[]',
    MONITORED_ENVIRONMENTS: '[{"account":"333333333333","region":"eu-west-1"}]',
  };

  test('reads watched names, cooldown and parameter names', () => {
    // WHEN
    const c = readDriftConfig({ ...env, COOLDOWN_SECONDS: '60', PIPELINE_PARAMETER_NAMES: '{"reason":"Why"}' });
    // THEN
    expect([...c.watch.endpoints]).toEqual(['e1', 'e2']);
    expect(c.watch.environments).toEqual([{ account: '333333333333', region: 'eu-west-1' }]);
    expect(c.cooldownSeconds).toBe(60);
    expect(c.parameterNames).toEqual({ reason: 'Why' });
  });

  test('defaults to a one-day cooldown and the documented parameter names', () => {
    const c = readDriftConfig(env);
    expect(c.cooldownSeconds).toBe(86_400);
    expect(c.parameterNames).toEqual({ reason: 'RetrainReason', monitorType: 'DriftMonitorType', metric: 'DriftMetric', endpoint: 'DriftEndpoint' });
  });

  test.each([
    [{ PIPELINE_NAME: '' }, /missing required environment variable\(s\): PIPELINE_NAME/],
    [{ WATCHED_ENDPOINTS: 'e1' }, /WATCHED_ENDPOINTS must be JSON/],
    [{ WATCHED_ENDPOINTS: '[1]' }, /WATCHED_ENDPOINTS must be a JSON array of strings/],
    [{ WATCHED_ENDPOINTS: '[]' }, /both empty/],
    [{ COOLDOWN_SECONDS: '-1' }, /COOLDOWN_SECONDS must be a non-negative integer/],
    [{ PIPELINE_PARAMETER_NAMES: '{"why":"X"}' }, /PIPELINE_PARAMETER_NAMES must map/],
    [{ MONITORED_ENVIRONMENTS: '' }, /missing required environment variable\(s\): MONITORED_ENVIRONMENTS/],
    [{ MONITORED_ENVIRONMENTS: '[]' }, /MONITORED_ENVIRONMENTS must be a non-empty JSON array of \{"account": "<12 digits>", "region": "<region>"\}/],
    [{ MONITORED_ENVIRONMENTS: '[{"account":"3333","region":"eu-west-1"}]' }, /MONITORED_ENVIRONMENTS must be a non-empty JSON array/],
  ])('fails at start-up on %j', (bad, message) => {
    expect(() => readDriftConfig({ ...env, ...bad })).toThrow(message);
  });
});
