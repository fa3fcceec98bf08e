import './quiet-env';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import {
  CreatePipelineCommand,
  ListPipelineExecutionsCommand,
  ListPipelineParametersForExecutionCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { createDriftHandler, DriftConfig } from '../../../lambda/drift-to-retraining/retraining';
import { requestTokenFor } from '../../../lambda/shared/request-token';
import { MotoServer, startMotoServer } from '../../harness/moto-server';
import { ACCOUNT, alarmEvent, monitoringViolationEvent, PRODUCTION, REGION, STAGING_ACCOUNT } from './events';

const ROLE = 'arn:aws:iam::123456789012:role/pipeline';

function definition(parameters: string[]): string {
  return JSON.stringify({
    Version: '2020-12-01',
    Parameters: parameters.map((Name) => ({ Name, Type: 'String', DefaultValue: '' })),
    Steps: [],
  });
}

/** Collects what moto's SNS delivers to an HTTP subscription. */
class NotificationSink {
  public readonly received: Array<{ Subject?: string; Message: string; MessageAttributes?: Record<string, { Value: string }> }> = [];
  private server?: Server;

  public async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const parsed = JSON.parse(body);
        if (parsed.Type === 'Notification') this.received.push(parsed);
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('drift-to-retraining handler against moto_server', () => {
  let moto: MotoServer;
  let sagemaker: SageMakerClient;
  let sns: SNSClient;
  const sink = new NotificationSink();
  let sinkUrl: string;
  let topicArn: string;

  beforeAll(async () => {
    moto = await startMotoServer();
    sagemaker = new SageMakerClient(moto.clientConfig);
    sns = new SNSClient(moto.clientConfig);
    sinkUrl = await sink.start();
  });

  afterAll(async () => {
    await moto.stop();
    await sink.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    sink.received.length = 0;
    await sagemaker.send(new CreatePipelineCommand({
      PipelineName: 'churn-build',
      RoleArn: ROLE,
      PipelineDefinition: definition(['RetrainReason', 'DriftMonitorType', 'DriftMetric', 'DriftEndpoint', 'InputData']),
    }));
    // Another project's pipeline: it must never be touched.
    await sagemaker.send(new CreatePipelineCommand({ PipelineName: 'fraud-build', RoleArn: ROLE, PipelineDefinition: definition(['RetrainReason']) }));
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'churn-notifications' }))).TopicArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: sinkUrl }));
  });

  function handlerWith(overrides: Partial<DriftConfig> = {}) {
    const config: DriftConfig = {
      pipelineName: 'churn-build',
      topicArn,
      watch: { endpoints: new Set(['churn-prod']), monitoringSchedules: new Set(), environments: [PRODUCTION] },
      cooldownSeconds: 3600,
      parameterNames: { reason: 'RetrainReason', monitorType: 'DriftMonitorType', metric: 'DriftMetric', endpoint: 'DriftEndpoint' },
      ...overrides,
    };
    return createDriftHandler({ sagemaker, sns, config });
  }

  async function executionsOf(pipelineName: string) {
    return (await sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName: pipelineName }))).PipelineExecutionSummaries ?? [];
  }

  test('a monitoring execution with violations starts exactly one execution of the project pipeline, with parameters that say why', async () => {
    // GIVEN
    const handle = handlerWith();
    // WHEN
    const outcome = await handle(monitoringViolationEvent({ id: 'evt-1', monitorType: 'DataQuality' }));
    // THEN
    expect(outcome).toBe('started');
    const executions = await executionsOf('churn-build');
    expect(executions).toHaveLength(1);
    expect(executions[0].PipelineExecutionDisplayName).toBe(requestTokenFor('drift', `execution:arn:aws:sagemaker:${REGION}:${ACCOUNT}:processing-job/model-monitoring-202611230100-abc`));
    expect(await executionsOf('fraud-build')).toHaveLength(0);
    const params = await sagemaker.send(new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: executions[0].PipelineExecutionArn }));
    expect(params.PipelineParameters).toEqual(expect.arrayContaining([
      { Name: 'DriftMonitorType', Value: 'DataQuality' },
      { Name: 'DriftMetric', Value: 'constraint_violations' },
      { Name: 'DriftEndpoint', Value: 'churn-prod' },
      { Name: 'RetrainReason', Value: expect.stringMatching(/DataQuality monitoring execution .* completed with 3 constraint violation/) },
    ]));
    expect(params.PipelineParameters).toHaveLength(4);
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0].Subject).toBe('Drift on endpoint churn-prod: retraining started');
    expect(sink.received[0].Message).toContain(executions[0].PipelineExecutionArn);
  });

  test('an alarm on a Model Monitor metric starts retraining named after the metric', async () => {
    // GIVEN
    const handle = handlerWith();
    // WHEN
    const outcome = await handle(alarmEvent({ id: 'alarm-1', namespace: 'aws/sagemaker/Endpoints/model-metrics', metric: 'accuracy' }));
    // THEN
    expect(outcome).toBe('started');
    const [execution] = await executionsOf('churn-build');
    const params = await sagemaker.send(new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: execution.PipelineExecutionArn }));
    expect(params.PipelineParameters).toEqual(expect.arrayContaining([
      { Name: 'DriftMonitorType', Value: 'ModelQuality' },
      { Name: 'DriftMetric', Value: 'accuracy' },
    ]));
  });

  test('a second drift within the cooldown starts nothing and says so', async () => {
    // GIVEN
    const handle = handlerWith({ cooldownSeconds: 3600 });
    await handle(monitoringViolationEvent({ id: 'evt-1' }));
    // WHEN
    const outcome = await handle(alarmEvent({ id: 'alarm-2' }));
    // THEN
    expect(outcome).toBe('skipped-cooldown');
    expect(await executionsOf('churn-build')).toHaveLength(1);
    expect(sink.received.map((n) => n.Subject)).toEqual([
      'Drift on endpoint churn-prod: retraining started',
      'Drift on endpoint churn-prod: retraining skipped, cooldown',
    ]);
  });

  test('without a cooldown a second, different drift event starts a second retraining', async () => {
    // GIVEN: the counterpart of the cooldown test, so that test can fail
    const handle = handlerWith({ cooldownSeconds: 0 });
    await handle(monitoringViolationEvent({ id: 'evt-1' }));
    // WHEN
    const outcome = await handle(alarmEvent({ id: 'alarm-2' }));
    // THEN
    expect(outcome).toBe('started');
    expect(await executionsOf('churn-build')).toHaveLength(2);
  });

  test('one monitoring execution delivered three times, with three event ids, starts one execution even without a cooldown', async () => {
    // GIVEN
    const handle = handlerWith({ cooldownSeconds: 0 });
    // WHEN: SageMaker may send several events for one state change
    const outcomes = [await handle(monitoringViolationEvent({ id: 'evt-a' })), await handle(monitoringViolationEvent({ id: 'evt-b' })), await handle(monitoringViolationEvent({ id: 'evt-c' }))];
    // THEN
    expect(outcomes).toEqual(['started', 'already-started', 'already-started']);
    expect(await executionsOf('churn-build')).toHaveLength(1);
    expect(sink.received).toHaveLength(1);
  });

  test('a violation from staging or an unknown account, named like production\'s, retrains nothing; from production, once', async () => {
    // GIVEN
    const handle = handlerWith({ cooldownSeconds: 0 });
    // WHEN
    const fromStaging = await handle(monitoringViolationEvent({ id: 's', account: STAGING_ACCOUNT, processingJobName: 'staging-job' }));
    const fromUnknown = await handle(monitoringViolationEvent({ id: 'u', account: '999999999999', processingJobName: 'unknown-job' }));
    const fromProduction = await handle(monitoringViolationEvent({ id: 'p' }));
    // THEN
    expect([fromStaging, fromUnknown, fromProduction]).toEqual(['foreign', 'foreign', 'started']);
    expect(await executionsOf('churn-build')).toHaveLength(1);
  });

  test('a malformed event starts nothing, notifies nobody and does not throw', async () => {
    // GIVEN
    const handle = handlerWith();
    const broken = monitoringViolationEvent({ id: 'evt-bad' });
    (broken.detail as Record<string, unknown>).ProcessingJobStatus = 42;
    // WHEN
    const outcomes = [await handle(broken), await handle('not json at all'), await handle({ 'detail-type': 'CloudWatch Alarm State Change' })];
    // THEN
    expect(outcomes).toEqual(['malformed', 'malformed', 'malformed']);
    expect(await executionsOf('churn-build')).toHaveLength(0);
    expect(sink.received).toHaveLength(0);
  });

  test.each([
    ['another project\'s endpoint', monitoringViolationEvent({ id: 'x', endpoint: 'fraud-prod', schedule: 'fraud-prod-dq' })],
    ['a monitoring execution without violations', monitoringViolationEvent({ id: 'x', exitMessage: 'Completed: Job completed successfully with no violations.' })],
    ['a failed monitoring execution', monitoringViolationEvent({ id: 'x', status: 'Failed', exitMessage: 'CompletedWithViolations' })],
    ['an alarm returning to OK', alarmEvent({ id: 'x', state: 'OK' })],
    ['an alarm on another namespace', alarmEvent({ id: 'x', namespace: 'AWS/SageMaker' })],
  ])('ignores %s', async (_what, event) => {
    // GIVEN
    const handle = handlerWith();
    // WHEN
    const outcome = await handle(event);
    // THEN
    expect(outcome).toBe('ignored');
    expect(await executionsOf('churn-build')).toHaveLength(0);
    expect(sink.received).toHaveLength(0);
  });

  test('passes only the parameters the pipeline declares (SageMaker rejects the others)', async () => {
    // GIVEN
    const handle = handlerWith({ pipelineName: 'fraud-build', watch: { endpoints: new Set(['fraud-prod']), monitoringSchedules: new Set(), environments: [PRODUCTION] } });
    // WHEN
    const outcome = await handle(monitoringViolationEvent({ id: 'evt-f', endpoint: 'fraud-prod', schedule: 'fraud-prod-dq' }));
    // THEN
    expect(outcome).toBe('started');
    const [execution] = await executionsOf('fraud-build');
    const params = await sagemaker.send(new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: execution.PipelineExecutionArn }));
    expect(params.PipelineParameters?.map((p) => p.Name)).toEqual(['RetrainReason']);
  });

  test('a batch-transform monitor is matched by its monitoring schedule', async () => {
    // GIVEN
    const handle = handlerWith({ watch: { endpoints: new Set(), monitoringSchedules: new Set(['churn-batch-dq']), environments: [PRODUCTION] } });
    // WHEN
    const outcome = await handle(alarmEvent({ id: 'b-1', endpoint: '', schedule: 'churn-batch-dq', namespace: 'aws/sagemaker/ModelMonitoring/data-metrics' }));
    // THEN
    expect(outcome).toBe('started');
    expect(await executionsOf('churn-build')).toHaveLength(1);
  });

  test('the deployed handler module reads its configuration from the environment and reaches the service', async () => {
    // GIVEN
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      PIPELINE_NAME: 'churn-build',
      TOPIC_ARN: topicArn,
      WATCHED_ENDPOINTS: '["churn-prod"]',
      WATCHED_MONITORING_SCHEDULES: '[]',
      MONITORED_ENVIRONMENTS: JSON.stringify([PRODUCTION]),
      COOLDOWN_SECONDS: '600',
    });
    try {
      let mod: typeof import('../../../lambda/drift-to-retraining/index') | undefined;
      jest.isolateModules(() => {
        mod = require('../../../lambda/drift-to-retraining/index');
      });
      // WHEN
      await mod!.handler(monitoringViolationEvent({ id: 'evt-env' }));
      // THEN
      expect(await executionsOf('churn-build')).toHaveLength(1);
    } finally {
      process.env = saved;
    }
  });
});

describe('drift-to-retraining handler against moto_server whose executions keep running', () => {
  let moto: MotoServer;
  let sagemaker: SageMakerClient;
  let sns: SNSClient;
  let topicArn: string;

  beforeAll(async () => {
    moto = await startMotoServer({ pipelineExecutionsStayExecuting: true });
    sagemaker = new SageMakerClient(moto.clientConfig);
    sns = new SNSClient(moto.clientConfig);
    await sagemaker.send(new CreatePipelineCommand({ PipelineName: 'churn-build', RoleArn: ROLE, PipelineDefinition: definition(['RetrainReason']) }));
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'churn-notifications' }))).TopicArn!;
  });

  afterAll(async () => {
    await moto.stop();
  });

  test('a second drift event while the retraining it started still executes starts nothing', async () => {
    // GIVEN no cooldown at all: only the running execution can hold the second event back
    const handle = createDriftHandler({
      sagemaker,
      sns,
      config: {
        pipelineName: 'churn-build',
        topicArn,
        watch: { endpoints: new Set(['churn-prod']), monitoringSchedules: new Set(), environments: [PRODUCTION] },
        cooldownSeconds: 0,
        parameterNames: { reason: 'RetrainReason', monitorType: 'DriftMonitorType', metric: 'DriftMetric', endpoint: 'DriftEndpoint' },
      },
    });
    expect(await handle(monitoringViolationEvent({ id: 'evt-1' }))).toBe('started');
    const running = (await sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName: 'churn-build' }))).PipelineExecutionSummaries!;
    expect(running.map((e) => e.PipelineExecutionStatus)).toEqual(['Executing']);
    // WHEN
    const outcome = await handle(alarmEvent({ id: 'alarm-2' }));
    // THEN
    expect(outcome).toBe('skipped-executing');
    expect((await sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName: 'churn-build' }))).PipelineExecutionSummaries).toHaveLength(1);
  });
});

describe('drift-to-retraining handler against moto_server whose executions fail', () => {
  let moto: MotoServer;
  let sagemaker: SageMakerClient;
  let sns: SNSClient;
  let topicArn: string;

  beforeAll(async () => {
    moto = await startMotoServer({ pipelineExecutionStatus: 'Failed' });
    sagemaker = new SageMakerClient(moto.clientConfig);
    sns = new SNSClient(moto.clientConfig);
    await sagemaker.send(new CreatePipelineCommand({ PipelineName: 'churn-build', RoleArn: ROLE, PipelineDefinition: definition(['RetrainReason']) }));
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'churn-notifications' }))).TopicArn!;
  });

  afterAll(async () => {
    await moto.stop();
  });

  test('a failed retraining starts no cooldown: the next drift retrains', async () => {
    // GIVEN a day of cooldown, and a first drift whose retraining fails
    const handle = createDriftHandler({
      sagemaker,
      sns,
      config: {
        pipelineName: 'churn-build',
        topicArn,
        watch: { endpoints: new Set(['churn-prod']), monitoringSchedules: new Set(), environments: [PRODUCTION] },
        cooldownSeconds: 86_400,
        parameterNames: { reason: 'RetrainReason' },
      },
    });
    expect(await handle(monitoringViolationEvent({ id: 'evt-1', processingJobName: 'monitoring-1' }))).toBe('started');
    const first = (await sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName: 'churn-build' }))).PipelineExecutionSummaries!;
    expect(first.map((e) => e.PipelineExecutionStatus)).toEqual(['Failed']);
    // WHEN the next monitoring execution finds drift again
    const outcome = await handle(monitoringViolationEvent({ id: 'evt-2', processingJobName: 'monitoring-2' }));
    // THEN
    expect(outcome).toBe('started');
    expect((await sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName: 'churn-build' }))).PipelineExecutionSummaries).toHaveLength(2);
  });
});
