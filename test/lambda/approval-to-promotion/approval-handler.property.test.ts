import './quiet-env';
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as fc from 'fast-check';
import { createApprovalHandler, TransientFailure } from '../../../lambda/approval-to-promotion/approval-handler';
import { requestTokenFor } from '../../../lambda/shared/request-token';
import { ACCOUNT, GROUP, REGION } from './approval-events';

const RUNS = 10_000;

/** What a generated world answers, and what the handler asked of it. */
interface World {
  describe: { status: string; group: string } | 'not-found';
  recordValue: string | undefined;
  fault: { operation: string; error: Error } | undefined;
}

interface Calls {
  starts: Array<{ name?: string; variables?: Array<{ name?: string; value?: string }>; clientRequestToken?: string }>;
}

function fakeClients(world: World, calls: Calls) {
  const fail = (operation: string) => {
    if (world.fault?.operation === operation) throw world.fault.error;
  };
  const sagemaker = {
    send: async (command: unknown) => {
      if (!(command instanceof DescribeModelPackageCommand)) throw new Error('unexpected SageMaker call');
      fail('DescribeModelPackage');
      if (world.describe === 'not-found') throw Object.assign(new Error(`Model package ${command.input.ModelPackageName} not found`), { name: 'ValidationException' });
      return { ModelPackageArn: command.input.ModelPackageName, ModelPackageGroupName: world.describe.group, ModelApprovalStatus: world.describe.status, ModelPackageVersion: 1 };
    },
  } as unknown as SageMakerClient;
  const ssm = {
    send: async (command: unknown) => {
      if (command instanceof GetParameterCommand) {
        fail('GetParameter');
        if (world.recordValue === undefined) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
        return { Parameter: { Value: world.recordValue } };
      }
      if (command instanceof PutParameterCommand) {
        fail('PutParameter');
        return {};
      }
      throw new Error('unexpected SSM call');
    },
  } as unknown as SSMClient;
  const codepipeline = {
    send: async (command: unknown) => {
      if (!(command instanceof StartPipelineExecutionCommand)) throw new Error('unexpected CodePipeline call');
      fail('StartPipelineExecution');
      calls.starts.push(command.input);
      return { pipelineExecutionId: 'exec-1' };
    },
  } as unknown as CodePipelineClient;
  return { sagemaker, ssm, codepipeline };
}

// ---- generators: events that are approvals of our group, near misses, and garbage ----

const groupName = fc.oneof(fc.constant(GROUP), fc.constant('fraud'), fc.constant(`${GROUP}-v2`), fc.string({ maxLength: 70 }));
const status = fc.oneof(fc.constantFrom('Approved', 'Rejected', 'PendingManualApproval', 'approved', 'APPROVED', ''), fc.string({ maxLength: 20 }));
const version = fc.oneof(fc.integer({ min: 1, max: 1_000 }), fc.integer(), fc.double(), fc.constant(0));
const packageArnFor = (group: fc.Arbitrary<string>) => fc.tuple(group, version).map(([g, v]) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${g}/${v}`);
const arn = fc.oneof(
  packageArnFor(fc.constant(GROUP)),
  packageArnFor(groupName),
  fc.constant(`arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package-group/${GROUP}`),
  fc.constant(`arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}`),
  fc.string({ maxLength: 80 }),
);
const time = fc.oneof(
  fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')),
  fc.string({ maxLength: 30 }),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 8 });
const junk = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));

const detail = fc.record({
  ModelPackageGroupName: maybe(fc.oneof(groupName, junk)),
  ModelApprovalStatus: maybe(fc.oneof(status, junk)),
  ModelPackageArn: maybe(fc.oneof(arn, junk)),
  ModelPackageVersion: maybe(fc.oneof(version, junk)),
  ModelPackageStatus: maybe(fc.constantFrom('Completed', 'InProgress')),
}, { requiredKeys: [] });

const stateChange = fc.record({
  'version': fc.constant('0'),
  'id': maybe(fc.oneof(fc.uuid(), fc.string({ maxLength: 300 }), junk)),
  'detail-type': maybe(fc.oneof(fc.constant('SageMaker Model Package State Change'), fc.constant('SageMaker Model State Change'), fc.string({ maxLength: 40 }), junk)),
  'source': maybe(fc.oneof(fc.constant('aws.sagemaker'), fc.constant('aws.codepipeline'), fc.string({ maxLength: 20 }), junk)),
  'account': fc.constant(ACCOUNT),
  'time': maybe(fc.oneof(time, junk)),
  'region': fc.constant(REGION),
  'detail': maybe(fc.oneof(detail, junk)),
}, { requiredKeys: ['version', 'account', 'region'] });

/** A genuine approval of our group, as SageMaker sends it. */
const approval = fc.tuple(fc.uuid(), fc.integer({ min: 1, max: 1_000 }), time).map(([id, v, t]) => ({
  'version': '0', 'id': id, 'detail-type': 'SageMaker Model Package State Change', 'source': 'aws.sagemaker',
  'account': ACCOUNT, 'time': t, 'region': REGION,
  'detail': { ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved', ModelPackageVersion: v, ModelPackageArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}/${v}` },
}));

const event = fc.oneof(
  { arbitrary: approval, weight: 4 },
  { arbitrary: stateChange, weight: 4 },
  { arbitrary: fc.anything(), weight: 2 },
);

const world = fc.record({
  describe: fc.oneof(
    fc.record({ status: fc.constantFrom('Approved', 'Rejected', 'PendingManualApproval'), group: fc.constantFrom(GROUP, 'fraud') }),
    fc.constant('not-found' as const),
  ),
  recordValue: fc.oneof(
    fc.constant(undefined),
    fc.constant('not json'),
    fc.record({
      modelPackageArn: arn,
      modelPackageVersion: fc.integer({ min: 1, max: 9 }),
      eventId: fc.oneof(fc.uuid(), fc.string({ maxLength: 10 })),
      approvedAt: time,
      pipelineExecutionId: fc.string({ maxLength: 10 }),
    }).map((r) => JSON.stringify(r)),
  ),
  fault: fc.option(fc.record({
    operation: fc.constantFrom('DescribeModelPackage', 'GetParameter', 'StartPipelineExecution', 'PutParameter'),
    error: fc.constantFrom(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      Object.assign(new Error('Internal error'), { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
      Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
      Object.assign(new Error('Too many executions'), { name: 'ConcurrentPipelineExecutionsLimitExceededException', $metadata: { httpStatusCode: 400 } }),
    ),
  }), { nil: undefined, freq: 4 }),
}) as fc.Arbitrary<World>;

/**
 * The oracle, written apart from the handler's schema: only an event from SageMaker about a
 * package of our group, Approved both in the event and when described, may start a promotion,
 * and only with the event's own package ARN.
 */
function mayStart(e: unknown, w: World): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const ev = e as Record<string, unknown>;
  const d = ev.detail as Record<string, unknown> | undefined;
  if (ev.source !== 'aws.sagemaker' || ev['detail-type'] !== 'SageMaker Model Package State Change' || typeof d !== 'object' || d === null) return false;
  if (d.ModelPackageGroupName !== GROUP || d.ModelApprovalStatus !== 'Approved') return false;
  if (typeof d.ModelPackageArn !== 'string' || !d.ModelPackageArn.startsWith(`arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}/`)) return false;
  return w.describe !== 'not-found' && w.describe.status === 'Approved' && w.describe.group === GROUP;
}

describe('approval handler, property-based', () => {
  test(`over ${RUNS} generated events it throws nothing but TransientFailure and starts only approvals of its group`, async () => {
    let started = 0;
    let transient = 0;
    await fc.assert(fc.asyncProperty(event, world, async (e, w) => {
      // GIVEN
      const calls: Calls = { starts: [] };
      const handle = createApprovalHandler({
        config: { modelPackageGroupName: GROUP, pipelineName: 'p', pipelineVariableName: 'ModelPackageArn', approvedModelParameterName: '/x' },
        ...fakeClients(w, calls),
      });
      // WHEN
      let thrown: unknown;
      try {
        await handle(e);
      } catch (error) {
        thrown = error;
      }
      // THEN
      if (thrown !== undefined) {
        expect(thrown).toBeInstanceOf(TransientFailure);
        expect(w.fault).toBeDefined();
        transient++;
      }
      expect(calls.starts.length).toBeLessThanOrEqual(1);
      if (calls.starts.length === 1) {
        started++;
        expect(mayStart(e, w)).toBe(true);
        const ev = e as { id: string; detail: { ModelPackageArn: string } };
        expect(calls.starts[0]).toEqual({
          name: 'p',
          variables: [{ name: 'ModelPackageArn', value: ev.detail.ModelPackageArn }],
          clientRequestToken: requestTokenFor('promote', ev.id),
        });
      }
    }), { numRuns: RUNS });
    // The generators must reach both sides of the property, or it proves nothing.
    expect(started).toBeGreaterThan(50);
    expect(transient).toBeGreaterThan(50);
  });

  test('without faults, every approval of its group that is still Approved and not overtaken starts a promotion', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uuid(), fc.integer({ min: 1, max: 500 }), time.filter((t) => !Number.isNaN(Date.parse(t))),
      async (id, v, t) => {
        // GIVEN
        const calls: Calls = { starts: [] };
        const handle = createApprovalHandler({
          config: { modelPackageGroupName: GROUP, pipelineName: 'p', pipelineVariableName: 'ModelPackageArn', approvedModelParameterName: '/x' },
          ...fakeClients({ describe: { status: 'Approved', group: GROUP }, recordValue: undefined, fault: undefined }, calls),
        });
        const arnOfVersion = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}/${v}`;
        // WHEN
        const outcome = await handle({
          'id': id, 'source': 'aws.sagemaker', 'detail-type': 'SageMaker Model Package State Change', 'time': t,
          'detail': { ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved', ModelPackageArn: arnOfVersion, ModelPackageVersion: v },
        });
        // THEN
        expect(outcome.outcome).toBe('started');
        expect(calls.starts).toHaveLength(1);
      },
    ), { numRuns: 1_000 });
  });
});
