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
import { alarmEvent, monitoringViolationEvent } from './events';

const RUNS = 10_000;

const sagemakerMock = mockClient(SageMakerClient);
const snsMock = mockClient(SNSClient);

const handle = createDriftHandler({
  sagemaker: new SageMakerClient({}),
  sns: new SNSClient({}),
  config: {
    pipelineName: 'churn-build',
    topicArn: 'arn:aws:sns:us-east-1:111111111111:churn',
    watch: { endpoints: new Set(['churn-prod']), monitoringSchedules: new Set(['churn-batch-dq']) },
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
  }).map((o) => ({
    event: monitoringViolationEvent(o),
    id: o.id,
    expectStart: o.id.length > 0 && o.status === 'Completed' && o.exitMessage.startsWith('CompletedWithViolations')
      && (o.endpoint === 'churn-prod' || o.schedule === 'churn-batch-dq'),
  })),
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
  }).map((o) => ({
    event: alarmEvent(o),
    id: o.id,
    expectStart: o.id.length > 0 && o.state === 'ALARM' && o.namespace.startsWith('aws/sagemaker/')
      && (o.endpoint === 'churn-prod' || o.schedule === 'churn-batch-dq'),
  })),
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
  test(`starts retraining exactly for watched drift, once, with the event's token (${RUNS} events)`, async () => {
    await fc.assert(fc.asyncProperty(knownEvent, async ({ event, id, expectStart }) => {
      resetMocks();
      const outcome = await handle(event);
      const started = starts();
      expect(started).toHaveLength(expectStart ? 1 : 0);
      expect(outcome).toBe(expectStart ? 'started' : (id.length === 0 ? 'malformed' : 'ignored'));
      if (expectStart) {
        expect(started[0].PipelineName).toBe('churn-build');
        expect(started[0].ClientRequestToken).toBe(requestTokenFor('drift', id));
        expect(started[0].ClientRequestToken).toMatch(/^[a-zA-Z0-9-]{1,128}$/);
        expect(started[0].PipelineExecutionDisplayName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$/);
        // only the parameters the pipeline declares, each within SageMaker's 1024 characters
        expect(started[0].PipelineParameters?.map((p) => p.Name)).toEqual(['RetrainReason', 'DriftEndpoint']);
        for (const p of started[0].PipelineParameters ?? []) expect(p.Value!.length).toBeLessThanOrEqual(1024);
      }
    }), { numRuns: RUNS });
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
      expect(['ignored', 'malformed', 'started']).toContain(outcome);
      const started = starts();
      expect(started.length).toBeLessThanOrEqual(1);
      if (started.length === 1) {
        const e = event as { id: string; detail: Record<string, unknown> };
        expect(started[0].PipelineName).toBe('churn-build');
        expect(started[0].ClientRequestToken).toBe(requestTokenFor('drift', e.id));
        expect(JSON.stringify(e.detail)).toMatch(/churn-prod|churn-batch-dq/);
      }
    }), { numRuns: RUNS });
  });
});
