import './quiet-env';
import {
  DescribePipelineCommand,
  ListPipelineExecutionsCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
  StartPipelineExecutionCommandInput,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import * as fc from 'fast-check';
import { createDriftHandler, DEFAULT_PARAMETER_NAMES } from '../../../lambda/drift-to-retraining/retraining';
import { requestTokenFor } from '../../../lambda/shared/request-token';
import { ACCOUNT, alarmEvent, monitoringViolationEvent, PRODUCTION, REGION, STAGING_ACCOUNT } from './events';

const RUNS = 10_000;
/** Execution histories against the cooldown rule (on top of the 10,000 events above). */
const HISTORIES = 3_000;

const sagemakerMock = mockClient(SageMakerClient);
const snsMock = mockClient(SNSClient);

const handle = createDriftHandler({
  sagemaker: new SageMakerClient({}),
  sns: new SNSClient({}),
  config: {
    pipelineName: 'churn-build',
    topicArn: 'arn:aws:sns:us-east-1:111111111111:churn',
    watch: { endpoints: new Set(['churn-prod']), monitoringSchedules: new Set(['churn-batch-dq']), environments: [PRODUCTION] },
    cooldownSeconds: 0,
    parameterNames: DEFAULT_PARAMETER_NAMES,
  },
});

beforeAll(() => {
  sagemakerMock.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
  sagemakerMock.on(DescribePipelineCommand).resolves({ PipelineDefinition: JSON.stringify({ Parameters: [{ Name: 'RetrainReason' }, { Name: 'DriftEndpoint' }] }) });
  sagemakerMock.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: 'arn:x' });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
});

function resetMocks(): void {
  // History only: re-creating the stubs 20,000 times would dominate the run.
  sagemakerMock.resetHistory();
  snsMock.resetHistory();
}

function starts(): StartPipelineExecutionCommandInput[] {
  return sagemakerMock.commandCalls(StartPipelineExecutionCommand).map((c) => c.args[0].input);
}

const endpointName = fc.oneof(fc.constantFrom('churn-prod', 'fraud-prod', ''), fc.string({ maxLength: 12 }));
const scheduleName = fc.oneof(fc.constantFrom('churn-prod-data-quality', 'churn-batch-dq', 'other-dq'), fc.string({ maxLength: 12 }));
const eventId = fc.oneof(fc.uuid(), fc.string({ maxLength: 8 }));

/** Where an event comes from: production (monitored), staging, an unknown account, another region. */
const origin = fc.constantFrom(
  { account: ACCOUNT, region: REGION, monitored: true },
  { account: STAGING_ACCOUNT, region: REGION, monitored: false },
  { account: '999999999999', region: REGION, monitored: false },
  { account: ACCOUNT, region: 'eu-west-1', monitored: false },
);
const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

type Expected = 'started' | 'ignored' | 'malformed' | 'foreign';

/** A well-formed event of either shape, with the outcome an independent reading of the rules expects. */
const knownEvent = fc.oneof(
  fc.record({
    id: eventId,
    endpoint: endpointName,
    schedule: scheduleName,
    status: fc.constantFrom('Completed', 'Failed', 'InProgress', 'Stopped'),
    exitMessage: fc.constantFrom(
      'CompletedWithViolations: Job completed successfully with 3 violations.',
      'Completed: Job completed successfully with no violations.',
      'CompletedWithViolations',
      'Algorithm error',
    ),
    monitorType: fc.constantFrom(undefined, 'DataQuality', 'ModelBias'),
    origin,
  }).map((o) => {
    const violation = o.status === 'Completed' && o.exitMessage.startsWith('CompletedWithViolations');
    const watched = o.endpoint === 'churn-prod' || o.schedule.toLowerCase() === 'churn-batch-dq';
    const expected: Expected = o.id.length === 0 ? 'malformed'
      : !violation ? 'ignored'
        : !SAGEMAKER_NAME.test(o.schedule) ? 'malformed'
          : !watched ? 'ignored'
            : !o.origin.monitored ? 'foreign' : 'started';
    return {
      event: monitoringViolationEvent({ ...o, account: o.origin.account, region: o.origin.region }),
      key: `execution:arn:aws:sagemaker:${o.origin.region}:${o.origin.account}:processing-job/model-monitoring-202611230100-abc`,
      expected,
    };
  }),
  fc.record({
    id: eventId,
    endpoint: endpointName,
    schedule: scheduleName,
    state: fc.constantFrom('ALARM', 'OK', 'INSUFFICIENT_DATA'),
    namespace: fc.constantFrom(
      'aws/sagemaker/Endpoints/data-metrics', 'aws/sagemaker/Endpoints/model-metrics', 'aws/sagemaker/Endpoints/bias-metrics',
      'aws/sagemaker/Endpoints/explainability-metrics', 'aws/sagemaker/ModelMonitoring/data-metrics', 'AWS/SageMaker', 'AWS/Lambda',
    ),
    metric: fc.constantFrom('feature_baseline_drift_age', 'accuracy', 'DPPL'),
    stateTimestamp: fc.constantFrom('2026-11-23T01:02:03.000+0000', '2026-11-23T02:02:03.000+0000'),
    origin,
  }).map((o) => {
    const watched = o.endpoint === 'churn-prod' || o.schedule.toLowerCase() === 'churn-batch-dq';
    const expected: Expected = o.id.length === 0 ? 'malformed'
      : o.state !== 'ALARM' || !o.namespace.startsWith('aws/sagemaker/') ? 'ignored'
        : !watched ? 'ignored'
          : !o.origin.monitored ? 'foreign' : 'started';
    return {
      event: alarmEvent({ ...o, account: o.origin.account, region: o.origin.region }),
      key: `alarm:arn:aws:cloudwatch:${o.origin.region}:${o.origin.account}:alarm:churn-drift@${o.stateTimestamp}`,
      expected,
    };
  }),
);

/** Replaces the value at a random path of an event with anything at all. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const keys = Object.keys(value as object);
  if (keys.length === 0) return replacement;
  const key = keys[path[0] % keys.length];
  const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...(value as Record<string, unknown>) };
  copy[key] = mutate(copy[key], path.slice(1), replacement);
  return copy;
}

describe('drift handler over generated events', () => {
  test(`starts retraining exactly for watched drift from production, once, with the drift's token (${RUNS} events)`, async () => {
    const seen = { started: 0, foreign: 0 };
    await fc.assert(fc.asyncProperty(knownEvent, async ({ event, key, expected }) => {
      resetMocks();
      const outcome = await handle(event);
      const started = starts();
      expect(outcome).toBe(expected);
      expect(started).toHaveLength(expected === 'started' ? 1 : 0);
      if (outcome === 'started') seen.started++;
      if (outcome === 'foreign') seen.foreign++;
      if (expected === 'started') {
        expect(started[0].PipelineName).toBe('churn-build');
        expect(started[0].ClientRequestToken).toBe(requestTokenFor('drift', key));
        expect(started[0].ClientRequestToken).toMatch(/^[a-zA-Z0-9-]{1,128}$/);
        expect(started[0].PipelineExecutionDisplayName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$/);
        // only the parameters the pipeline declares, each within SageMaker's 1024 characters
        expect(started[0].PipelineParameters?.map((p) => p.Name)).toEqual(['RetrainReason', 'DriftEndpoint']);
        for (const p of started[0].PipelineParameters ?? []) expect(p.Value!.length).toBeLessThanOrEqual(1024);
      }
    }), { numRuns: RUNS });
    // Both sides of the property are reached, or it proves nothing.
    expect(seen.started).toBeGreaterThan(50);
    expect(seen.foreign).toBeGreaterThan(50);
  });

  test(`never throws on anything, mutated events included, and starts nothing it cannot attribute (${RUNS} events)`, async () => {
    const anyEvent = fc.oneof(
      fc.anything(),
      fc.jsonValue(),
      fc.tuple(knownEvent, fc.array(fc.nat(), { maxLength: 5 }), fc.anything()).map(([k, path, replacement]) => mutate(k.event, path, replacement)),
    );
    await fc.assert(fc.asyncProperty(anyEvent, async (event) => {
      resetMocks();
      const outcome = await handle(event);
      expect(['ignored', 'malformed', 'started', 'foreign']).toContain(outcome);
      const started = starts();
      expect(started.length).toBeLessThanOrEqual(1);
      if (started.length === 1) {
        // Only from the monitored account and region, whatever was mutated.
        const e = event as { account: unknown; region: unknown; detail: Record<string, unknown> };
        expect(started[0].PipelineName).toBe('churn-build');
        expect([e.account, e.region]).toEqual([ACCOUNT, REGION]);
        const arn = String(e.detail.MonitoringScheduleArn ?? '');
        if (arn !== '') expect(arn).toMatch(new RegExp(`^arn:aws[a-z-]*:sagemaker:${REGION}:${ACCOUNT}:monitoring-schedule/`));
        expect(JSON.stringify(e.detail)).toMatch(/churn-prod|churn-batch-dq/i);
      }
    }), { numRuns: RUNS });
  });

  test(`retrains after drift unless one runs or one succeeded within the cooldown: a failed or stopped retraining never holds the next drift back (${HISTORIES} histories)`, async () => {
    const NOW = Date.parse('2026-11-23T12:00:00Z');
    const COOLDOWN = 3_600;
    let history: Array<{ PipelineExecutionArn: string; PipelineExecutionStatus: string; StartTime: Date }> = [];
    const withHistory = createDriftHandler({
      sagemaker: new SageMakerClient({}),
      sns: new SNSClient({}),
      config: {
        pipelineName: 'churn-build', topicArn: 'arn:aws:sns:us-east-1:111111111111:churn',
        watch: { endpoints: new Set(['churn-prod']), monitoringSchedules: new Set(), environments: [PRODUCTION] },
        cooldownSeconds: COOLDOWN, parameterNames: DEFAULT_PARAMETER_NAMES,
      },
      now: () => new Date(NOW),
    });
    const execution = fc.record({
      status: fc.constantFrom('Executing', 'Stopping', 'Succeeded', 'Failed', 'Stopped'),
      secondsAgo: fc.integer({ min: 0, max: 3 * COOLDOWN }),
    });
    const outcomes = new Map<string, number>();
    // One stub answering the history of the run: re-creating stubs 10,000 times would dominate.
    sagemakerMock.on(ListPipelineExecutionsCommand).callsFake(() => ({ PipelineExecutionSummaries: history }));
    await fc.assert(fc.asyncProperty(fc.array(execution, { maxLength: 5 }), fc.uuid(), async (executions, id) => {
      resetMocks();
      history = executions
        .map((x, i) => ({ PipelineExecutionArn: `arn:${i}`, PipelineExecutionStatus: x.status, StartTime: new Date(NOW - x.secondsAgo * 1000) }))
        .sort((a, b) => b.StartTime.getTime() - a.StartTime.getTime());
      const outcome = await withHistory(monitoringViolationEvent({ id, processingJobName: `job-${id.slice(0, 8)}` }));
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      // The oracle: running holds everything back; else only a success within the cooldown does.
      const running = executions.some((x) => x.status === 'Executing' || x.status === 'Stopping');
      const newestCounting = executions.filter((x) => ['Executing', 'Stopping', 'Succeeded'].includes(x.status)).map((x) => x.secondsAgo).sort((a, b) => a - b)[0];
      const expected = running ? 'skipped-executing' : newestCounting !== undefined && newestCounting < COOLDOWN ? 'skipped-cooldown' : 'started';
      expect(outcome).toBe(expected);
      expect(starts()).toHaveLength(expected === 'started' ? 1 : 0);
    }), { numRuns: HISTORIES });
    // Coverage, not a distribution: each outcome the oracle distinguishes came up often enough to
    // mean something. (With CI's fixed seed either passes 150; unseeded runs gave as few as 132
    // cooldown skips of 3,000, so the bound is 50, below any seed's plausible count.)
    expect(outcomes.get('started')).toBeGreaterThan(50);
    expect(outcomes.get('skipped-cooldown')).toBeGreaterThan(50);
    expect(outcomes.get('skipped-executing')).toBeGreaterThan(50);
  });
});
