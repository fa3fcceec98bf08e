import '../approval-to-promotion/quiet-env';
import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as fc from 'fast-check';
import { createResolveHandler } from '../../../lambda/resolve-model-package/resolve-handler';

const RUNS = 10_000;
const GROUP = 'churn';
const arnOf = (v: number, group = GROUP) => `arn:aws:sagemaker:eu-west-1:111111111111:model-package/${group}/${v}`;
type Status = 'Approved' | 'Rejected' | 'PendingManualApproval';

interface World {
  readonly statuses: Status[];
  /** Throttling answers before each operation succeeds. */
  readonly throttles: number;
  readonly record: string | undefined;
}

/** The registry and the job answers, in memory, with a clock the handler's waits move. */
function fakes(world: World) {
  let clock = 0;
  const answers: Array<{ kind: 'success' | 'failure'; jobId: string; vars?: Record<string, string>; message?: string }> = [];
  const throttlesLeft = new Map<string, number>();
  const throttleOr = <T>(op: string, answer: () => T): T => {
    const left = throttlesLeft.get(op) ?? world.throttles;
    if (left > 0) {
      throttlesLeft.set(op, left - 1);
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    }
    return answer();
  };
  const sagemaker = {
    send: async (c: unknown) => {
      if (c instanceof DescribeModelPackageCommand) {
        return throttleOr('describe', () => {
          const m = /model-package\/([^/]+)\/(\d+)$/.exec(c.input.ModelPackageName!);
          const v = m ? Number(m[2]) : 0;
          if (!m || m[1] !== GROUP || v < 1 || v > world.statuses.length) throw Object.assign(new Error('Model package not found'), { name: 'ValidationException' });
          return { ModelPackageArn: arnOf(v), ModelPackageGroupName: GROUP, ModelPackageVersion: v, ModelApprovalStatus: world.statuses[v - 1] };
        });
      }
      if (c instanceof ListModelPackagesCommand) {
        return throttleOr('list', () => ({
          ModelPackageSummaryList: world.statuses.map((s, i) => ({ ModelPackageArn: arnOf(i + 1), ModelPackageVersion: i + 1, ModelApprovalStatus: s }))
            .filter((p) => p.ModelApprovalStatus === c.input.ModelApprovalStatus).reverse(),
        }));
      }
      throw new Error('unexpected');
    },
  } as unknown as SageMakerClient;
  const ssm = {
    send: async (c: unknown) => {
      if (!(c instanceof GetParameterCommand)) throw new Error('unexpected');
      return throttleOr('ssm', () => {
        if (world.record === undefined) throw Object.assign(new Error('nf'), { name: 'ParameterNotFound' });
        return { Parameter: { Value: world.record } };
      });
    },
  } as unknown as SSMClient;
  const codepipeline = {
    send: async (c: unknown) => {
      if (c instanceof PutJobSuccessResultCommand) return throttleOr('success', () => answers.push({ kind: 'success', jobId: c.input.jobId!, vars: c.input.outputVariables }));
      if (c instanceof PutJobFailureResultCommand) return throttleOr('failure', () => answers.push({ kind: 'failure', jobId: c.input.jobId!, message: c.input.failureDetails!.message }));
      throw new Error('unexpected');
    },
  } as unknown as CodePipelineClient;
  const handle = createResolveHandler({
    config: { modelPackageGroupName: GROUP, approvedModelParameterName: '/p' },
    sagemaker, ssm, codepipeline,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  });
  return { handle, answers, elapsed: () => clock };
}

const newestApproved = (statuses: Status[]) => {
  const i = statuses.lastIndexOf('Approved');
  return i < 0 ? undefined : i + 1;
};

const junk = fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 6 }), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const requested = fc.oneof(
  fc.integer({ min: 1, max: 5 }).map((v) => arnOf(v)),
  fc.constant(arnOf(1, 'fraud')),
  fc.constantFrom('LATEST_APPROVED', '', '#{variables.ModelPackageArn}', 'arn:aws:s3:::bucket/key'),
  fc.string({ maxLength: 20 }),
);
const parameters = fc.oneof(
  { weight: 4, arbitrary: requested.map((r) => JSON.stringify({ requestedModelPackageArn: r })) },
  { weight: 3, arbitrary: requested.map((r) => JSON.stringify({ mode: 'verify', modelPackageArn: r })) },
  { weight: 2, arbitrary: fc.record({ mode: fc.option(fc.oneof(fc.constantFrom('resolve', 'verify', 'deploy'), junk)), requestedModelPackageArn: fc.option(fc.oneof(requested, junk)), modelPackageArn: fc.option(fc.oneof(requested, junk)) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(''), fc.constant('{not json'), fc.string({ maxLength: 12 }), junk.map((j) => JSON.stringify(j))) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const jobEvent = fc.oneof(
  { weight: 9, arbitrary: fc.record({ id: fc.oneof(fc.uuid(), fc.constant('job-1')), parameters }).map(({ id, parameters: p }) => ({
    'CodePipeline.job': { id, data: { actionConfiguration: { configuration: p === undefined ? {} : { UserParameters: p } } } },
  })) },
  { weight: 1, arbitrary: fc.oneof(fc.anything(), fc.record({ 'CodePipeline.job': fc.record({ id: fc.option(junk), data: fc.anything() }, { requiredKeys: [] }) })) },
);
const world = fc.record({
  statuses: fc.array(fc.constantFrom<Status>('Approved', 'Rejected', 'PendingManualApproval'), { maxLength: 5 }),
  throttles: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(1_000) }),
  record: fc.option(fc.integer({ min: 1, max: 5 }).map((v) => JSON.stringify({ modelPackageArn: arnOf(v) })), { nil: undefined }),
});

describe('resolve handler, property-based', () => {
  test(`over ${RUNS} generated jobs: every job with an id is answered once, before the deadline; only an Approved package of the group succeeds, the newest for LATEST_APPROVED`, async () => {
    const seen = { succeeded: 0, failed: 0, retriedThenSucceeded: 0, gaveUp: 0 };
    await fc.assert(fc.asyncProperty(jobEvent, world, async (event, w) => {
      // GIVEN
      const f = fakes(w);
      const job = (event as { 'CodePipeline.job'?: { id?: unknown } })?.['CodePipeline.job'];
      const jobId = typeof job?.id === 'string' && job.id.trim() !== '' ? job.id : undefined;
      // WHEN
      let outcome: Awaited<ReturnType<typeof f.handle>> | undefined;
      let thrown: unknown;
      try {
        outcome = await f.handle(event, { getRemainingTimeInMillis: () => 30_000 - f.elapsed() });
      } catch (error) {
        thrown = error;
      }
      // THEN
      if (jobId === undefined) {
        expect(outcome?.outcome).toBe('no-job');
        expect(f.answers).toEqual([]);
        return;
      }
      if (w.throttles >= 1_000) {
        // Even the answer is throttled for good: the handler gives up within the deadline and
        // throws, so that Lambda invokes it again (the job is still waiting for an answer).
        expect((thrown as Error)?.name).toBe('ThrottlingException');
        expect(f.answers).toEqual([]);
        expect(f.elapsed()).toBeLessThan(30_000);
        seen.gaveUp++;
        return;
      }
      expect(thrown).toBeUndefined();
      expect(f.answers).toHaveLength(1);
      expect(f.answers[0].jobId).toBe(jobId);
      expect(f.elapsed()).toBeLessThan(30_000);
      const answer = f.answers[0];
      if (answer.kind === 'failure') {
        seen.failed++;
        expect(answer.message!.length).toBeGreaterThan(10);
        expect(answer.message!.length).toBeLessThanOrEqual(5000);
        return;
      }
      seen.succeeded++;
      if (w.throttles > 0) seen.retriedThenSucceeded++;
      const version = Number(answer.vars!.ModelPackageVersion);
      expect(answer.vars!.ModelPackageArn).toBe(arnOf(version));
      expect(w.statuses[version - 1]).toBe('Approved');
      const params = JSON.parse((event as { 'CodePipeline.job': { data: { actionConfiguration: { configuration: { UserParameters: string } } } } })['CodePipeline.job'].data.actionConfiguration.configuration.UserParameters);
      const asked = String(params.mode === 'verify' ? params.modelPackageArn : params.requestedModelPackageArn).trim();
      if (params.mode !== 'verify' && (asked === '' || asked === 'LATEST_APPROVED' || asked.startsWith('#{'))) {
        expect(version).toBe(newestApproved(w.statuses));
      } else {
        expect(answer.vars!.ModelPackageArn).toBe(asked);
      }
    }), { numRuns: RUNS });
    // Both sides are reached, retries included, or the property proves nothing.
    expect(seen.succeeded).toBeGreaterThan(300);
    expect(seen.failed).toBeGreaterThan(300);
    expect(seen.retriedThenSucceeded).toBeGreaterThan(100);
    expect(seen.gaveUp).toBeGreaterThan(50);
  });
});
