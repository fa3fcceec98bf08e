import './quiet-env';
import { ApprovalOutcome, createApprovalHandler, PromotionFailure, readApprovalHandlerConfig, TransientFailure } from '../../../lambda/approval-to-promotion/approval-handler';
import { requestTokenFor } from '../../../lambda/shared/request-token';
import { logger, metrics } from '../../../lambda/shared/observability';
import { GROUP, stateChangeEvent } from './approval-events';
import { FakeWorld, Yield } from './fake-world';

const PARAMETER = `/sagemaker-mlops/${GROUP}/approved-model-package`;

/** A yield that lets every other pending invocation run a step: interleaves concurrent handlers. */
const interleave: Yield = () => new Promise((resolve) => setImmediate(resolve));

function serviceError(name: string, httpStatusCode: number, fault: 'client' | 'server' = 'client'): Error {
  return Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: { httpStatusCode } });
}

function handlerFor(world: FakeWorld, sleep: (ms: number) => Promise<void> = async () => undefined) {
  return createApprovalHandler({
    config: { modelPackageGroupName: GROUP, pipelineName: 'churn-promotion', pipelineVariableName: 'ModelPackageArn', approvedModelParameterName: PARAMETER, tableName: 't', lockLeaseMs: 45_000 },
    sagemaker: world.sagemaker(),
    ssm: world.ssm(),
    codepipeline: world.codepipeline(),
    ledger: world.ledger(),
    now: world.now,
    sleep,
  });
}

const recorded = (world: FakeWorld) => JSON.parse(world.parameters.get(PARAMETER) ?? '{}');

describe('approval handler: one promotion per approval', () => {
  test('an approval starts the promotion with the package ARN, a token from the approval, and records the package', async () => {
    // GIVEN
    const world = new FakeWorld();
    const arn = world.register();
    world.update(arn, 'Approved');
    const handle = handlerFor(world);
    // WHEN
    const outcome = await handle(stateChangeEvent({ id: 'evt-1', version: 1 }));
    // THEN
    expect(outcome).toEqual({ outcome: 'started', pipelineExecutionId: 'exec-1', modelPackageArn: arn });
    const approvalTime = world.packages.get(arn)!.modified!;
    expect(world.starts).toEqual([{ arn, token: requestTokenFor('promote', `${arn}@${approvalTime}`), at: expect.any(Number) }]);
    expect(recorded(world)).toEqual({ modelPackageArn: arn, modelPackageVersion: 1, recordedAt: expect.any(String), pipelineExecutionId: 'exec-1' });
  });

  test('five events of one approval, each with its own id, handled one after the other, start one promotion', async () => {
    // GIVEN
    const world = new FakeWorld();
    const arn = world.register();
    world.update(arn, 'Approved');
    const handle = handlerFor(world);
    // WHEN
    const outcomes: ApprovalOutcome[] = [];
    for (let i = 0; i < 5; i++) outcomes.push(await handle(stateChangeEvent({ id: `evt-${i}`, version: 1 })));
    // THEN
    expect(world.starts).toHaveLength(1);
    expect(outcomes.map((o) => o.outcome)).toEqual(['started', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(outcomes[1]).toEqual({ outcome: 'skipped', reason: expect.stringMatching(/already started promotion exec-1/) });
  });

  test('five events of one approval handled at the same time start one promotion', async () => {
    // GIVEN
    const world = new FakeWorld(interleave);
    const arn = world.register();
    world.update(arn, 'Approved');
    const handle = handlerFor(world, interleave);
    // WHEN
    const outcomes = await Promise.all([0, 1, 2, 3, 4].map((i) => handle(stateChangeEvent({ id: `evt-${i}`, version: 1 }))));
    // THEN
    expect(world.starts).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'started')).toHaveLength(1);
  });

  test('approve, reject, approve again: exactly two promotions', async () => {
    // GIVEN
    const world = new FakeWorld();
    const arn = world.register();
    const handle = handlerFor(world);
    // WHEN
    world.update(arn, 'Approved');
    await handle(stateChangeEvent({ id: 'a1', version: 1 }));
    await handle(stateChangeEvent({ id: 'a1-dup', version: 1 }));
    world.update(arn, 'Rejected');
    await handle(stateChangeEvent({ id: 'r', version: 1, status: 'Rejected' }));
    world.update(arn, 'Approved');
    await handle(stateChangeEvent({ id: 'a2', version: 1 }));
    // and the first approval's events arriving late
    await handle(stateChangeEvent({ id: 'a1-late', version: 1 }));
    // THEN
    expect(world.starts.map((s) => s.arn)).toEqual([arn, arn]);
    expect(new Set(world.starts.map((s) => s.token)).size).toBe(2);
  });

  test('approve, reject, approve again with the re-approval handled before the rejection: still exactly two', async () => {
    // GIVEN
    const world = new FakeWorld();
    const arn = world.register();
    const handle = handlerFor(world);
    world.update(arn, 'Approved');
    await handle(stateChangeEvent({ id: 'a1', version: 1, time: '2026-11-23T10:00:00Z' }));
    world.clock = Date.parse('2026-11-23T10:01:00Z');
    world.update(arn, 'Rejected');
    world.update(arn, 'Approved');
    // WHEN: the re-approval first (it looks like an edit), then the rejection that explains it
    const reapproval = await handle(stateChangeEvent({ id: 'a2', version: 1, time: '2026-11-23T10:01:00Z' }));
    const rejection = await handle(stateChangeEvent({ id: 'r', version: 1, status: 'Rejected', time: '2026-11-23T10:01:00Z' }));
    // THEN
    expect(reapproval.outcome).toBe('skipped');
    expect(rejection.outcome).toBe('started');
    expect(world.starts).toHaveLength(2);
  });

  test('an edit of an approved package is not a new approval', async () => {
    // GIVEN
    const world = new FakeWorld();
    const arn = world.register();
    world.update(arn, 'Approved');
    const handle = handlerFor(world);
    await handle(stateChangeEvent({ id: 'a1', version: 1 }));
    // WHEN: a description or life-cycle stage change: LastModifiedTime moves, the status stays
    world.update(arn);
    const outcome = await handle(stateChangeEvent({ id: 'edit', version: 1 }));
    // THEN
    expect(outcome).toEqual({ outcome: 'skipped', reason: expect.stringMatching(/an edit, not a new approval/) });
    expect(world.starts).toHaveLength(1);
  });

  test.each([['v1 first', [1, 2]], ['v2 first', [2, 1]]])('v1 and v2 approved in the same second, events %s: production and the record end on v2', async (_name, order) => {
    // GIVEN
    const world = new FakeWorld();
    const v1 = world.register();
    const v2 = world.register();
    world.update(v1, 'Approved');
    world.update(v2, 'Approved');
    const handle = handlerFor(world);
    // WHEN: both events say the same second
    for (const version of order) await handle(stateChangeEvent({ id: `evt-${version}`, version, time: '2026-11-23T10:00:00Z' }));
    // THEN
    expect(world.starts.map((s) => s.arn)).toEqual([v2]);
    expect(recorded(world).modelPackageArn).toBe(v2);
  });

  test('v1 and v2 approved in the same second, events handled concurrently: the last promotion started and the record are v2', async () => {
    // GIVEN
    const world = new FakeWorld(interleave);
    const v1 = world.register();
    const v2 = world.register();
    const handle = handlerFor(world, interleave);
    world.update(v1, 'Approved');
    // WHEN: v1's events are being handled when v2 is approved
    const first = Promise.all([handle(stateChangeEvent({ id: 'a', version: 1 })), handle(stateChangeEvent({ id: 'b', version: 1 }))]);
    world.update(v2, 'Approved');
    await Promise.all([first, handle(stateChangeEvent({ id: 'c', version: 2 })), handle(stateChangeEvent({ id: 'd', version: 2 }))]);
    // THEN
    expect(world.starts.at(-1)!.arn).toBe(v2);
    expect(world.starts.filter((s) => s.arn === v2)).toHaveLength(1);
    expect(recorded(world).modelPackageArn).toBe(v2);
  });

  test('a rejected package and one that does not exist start nothing', async () => {
    // GIVEN
    const world = new FakeWorld();
    const arn = world.register();
    world.update(arn, 'Approved');
    world.update(arn, 'Rejected');
    const handle = handlerFor(world);
    // WHEN
    const stale = await handle(stateChangeEvent({ version: 1 }));
    const missing = await handle(stateChangeEvent({ version: 42 }));
    // THEN
    expect(stale).toEqual({ outcome: 'skipped', reason: expect.stringMatching(/is now 'Rejected', not Approved/) });
    expect(missing).toEqual({ outcome: 'skipped', reason: expect.stringMatching(/no longer exists/) });
    expect(world.starts).toHaveLength(0);
  });

  test('an event of an older version promotes the newest approved version when nothing promoted its approval yet', async () => {
    // GIVEN: v2 approved while the platform was not listening, then v1 approved
    const world = new FakeWorld();
    const v1 = world.register();
    const v2 = world.register();
    world.update(v2, 'Approved');
    world.update(v1, 'Approved');
    const handle = handlerFor(world);
    // WHEN: an event of v1 (the older version)
    const outcome = await handle(stateChangeEvent({ version: 1 }));
    const again = await handle(stateChangeEvent({ id: 'again', version: 1 }));
    // THEN: the newest approved version goes out, once, and v1 never after it
    expect(outcome).toEqual({ outcome: 'started', pipelineExecutionId: 'exec-1', modelPackageArn: v2 });
    expect(again).toEqual({ outcome: 'skipped', reason: expect.stringMatching(/version 2 of the group is approved and newer than version 1/) });
    expect(world.starts.map((s) => s.arn)).toEqual([v2]);
    expect(recorded(world).modelPackageArn).toBe(v2);
  });

  test('rejecting the promoted newest version does not roll back to an older promoted one by itself', async () => {
    // GIVEN
    const world = new FakeWorld();
    const v1 = world.register();
    const v2 = world.register();
    const handle = handlerFor(world);
    world.update(v1, 'Approved');
    await handle(stateChangeEvent({ id: 'a1', version: 1 }));
    world.update(v2, 'Approved');
    await handle(stateChangeEvent({ id: 'a2', version: 2 }));
    // WHEN
    world.update(v2, 'Rejected');
    const outcome = await handle(stateChangeEvent({ id: 'r2', version: 2, status: 'Rejected' }));
    // THEN: v1's approval was promoted already; the record says v1 for LATEST_APPROVED
    expect(outcome.outcome).toBe('revoked');
    expect(world.starts.map((s) => s.arn)).toEqual([v1, v2]);
    expect(recorded(world).modelPackageArn).toBe(v1);
  });
});

describe('approval handler: faults', () => {
  function approvedWorld(): FakeWorld {
    const world = new FakeWorld();
    world.update(world.register(), 'Approved');
    return world;
  }

  test.each([
    ['DescribeModelPackage throttled', 'DescribeModelPackage', serviceError('ThrottlingException', 400)],
    ['ListModelPackages server fault', 'ListModelPackages', serviceError('InternalFailure', 500, 'server')],
    ['StartPipelineExecution throttled', 'StartPipelineExecution', serviceError('ThrottlingException', 400)],
    ['the pipeline at its concurrent-execution limit', 'StartPipelineExecution', serviceError('ConcurrentPipelineExecutionsLimitExceededException', 400)],
    ['the ledger throttled', 'GetItem', serviceError('ProvisionedThroughputExceededException', 400)],
    ['PutParameter throttled', 'PutParameter', serviceError('ThrottlingException', 400)],
  ])('throws TransientFailure so the platform retries: %s', async (_name, operation, error) => {
    // GIVEN
    const world = approvedWorld();
    world.faults.push({ operation, error });
    // WHEN / THEN
    await expect(handlerFor(world)(stateChangeEvent())).rejects.toBeInstanceOf(TransientFailure);
  });

  test('fails with PromotionFailure, not silently, when the role may not start the pipeline', async () => {
    // GIVEN
    const world = approvedWorld();
    world.faults.push({ operation: 'StartPipelineExecution', error: serviceError('AccessDeniedException', 403) });
    // WHEN / THEN
    await expect(handlerFor(world)(stateChangeEvent())).rejects.toThrow(PromotionFailure);
    expect(world.parameters.size).toBe(0);
  });

  test('a retry after the start succeeded but its claim was not written makes the same request (the token guards the gap)', async () => {
    // GIVEN
    const world = approvedWorld();
    world.faults.push({ operation: 'PutItem', error: serviceError('InternalServerError', 500, 'server') });
    const handle = handlerFor(world);
    // WHEN
    await expect(handle(stateChangeEvent({ id: 'e' }))).rejects.toBeInstanceOf(TransientFailure);
    await handle(stateChangeEvent({ id: 'e' }));
    // THEN
    expect(world.starts).toHaveLength(2);
    expect(world.starts[0].token).toBe(world.starts[1].token);
  });

  test('waits while another invocation holds the lease, and gives up in time when it never frees', async () => {
    // GIVEN
    const world = approvedWorld();
    const ledger = world.ledger();
    await ledger.acquireLock(GROUP, 'someone-else', world.now(), world.now() + 60_000);
    const waits: number[] = [];
    const handle = createApprovalHandler({
      config: { modelPackageGroupName: GROUP, pipelineName: 'p', pipelineVariableName: 'ModelPackageArn', approvedModelParameterName: PARAMETER, tableName: 't', lockLeaseMs: 45_000 },
      sagemaker: world.sagemaker(), ssm: world.ssm(), codepipeline: world.codepipeline(), ledger, now: world.now,
      sleep: async (ms) => {
        waits.push(ms);
        world.tick(ms);
      },
    });
    // WHEN
    const start = world.now();
    const attempt = handle(stateChangeEvent(), { getRemainingTimeInMillis: () => 30_000 });
    // THEN
    await expect(attempt).rejects.toThrow(/taking the lease of group churn failed transiently/);
    expect(waits.length).toBeGreaterThan(10);
    expect(world.now() - start).toBeLessThan(30_000);
    expect(world.starts).toHaveLength(0);
  });

  test('a malformed event is counted, not retried, and calls no service', async () => {
    // GIVEN
    const world = approvedWorld();
    const addMetric = jest.spyOn(metrics, 'addMetric');
    const warn = jest.spyOn(logger, 'warn');
    const event = stateChangeEvent();
    delete (event.detail as Record<string, unknown>).ModelPackageArn;
    // WHEN
    const outcome = await handlerFor(world)(event);
    // THEN
    expect(outcome).toEqual({ outcome: 'malformed', problems: [expect.stringMatching(/^detail\.ModelPackageArn: /)] });
    expect(addMetric).toHaveBeenCalledWith('MalformedEvents', 'Count', 1);
    expect(warn).toHaveBeenCalledWith('malformed event: not retried', { eventId: event.id, problems: outcome.outcome === 'malformed' ? outcome.problems : [] });
    expect(world.starts).toHaveLength(0);
    addMetric.mockRestore();
    warn.mockRestore();
  });

  test('an event not for us is not counted as malformed', async () => {
    // GIVEN
    const addMetric = jest.spyOn(metrics, 'addMetric');
    // WHEN
    const outcome = await handlerFor(new FakeWorld())(stateChangeEvent({ group: 'fraud' }));
    // THEN
    expect(outcome.outcome).toBe('ignored');
    expect(addMetric).not.toHaveBeenCalled();
    addMetric.mockRestore();
  });
});

describe('approval handler configuration', () => {
  test('fails the cold start naming every missing variable', () => {
    // WHEN / THEN
    expect(() => readApprovalHandlerConfig({ PIPELINE_NAME: 'p' })).toThrow(
      'missing required environment variable(s): MODEL_PACKAGE_GROUP_NAME, PIPELINE_VARIABLE_NAME, APPROVED_MODEL_PARAMETER_NAME, LEDGER_TABLE_NAME',
    );
  });

  test('reads the lease from LOCK_LEASE_SECONDS', () => {
    // WHEN
    const config = readApprovalHandlerConfig({
      MODEL_PACKAGE_GROUP_NAME: GROUP, PIPELINE_NAME: 'p', PIPELINE_VARIABLE_NAME: 'ModelPackageArn', APPROVED_MODEL_PARAMETER_NAME: PARAMETER, LEDGER_TABLE_NAME: 't', LOCK_LEASE_SECONDS: '45',
    });
    // THEN
    expect(config).toEqual({ modelPackageGroupName: GROUP, pipelineName: 'p', pipelineVariableName: 'ModelPackageArn', approvedModelParameterName: PARAMETER, tableName: 't', lockLeaseMs: 45_000 });
  });

  test('the module wires its handler from the environment at start-up', () => {
    // GIVEN
    const env = { MODEL_PACKAGE_GROUP_NAME: GROUP, PIPELINE_NAME: 'p', PIPELINE_VARIABLE_NAME: 'ModelPackageArn', APPROVED_MODEL_PARAMETER_NAME: PARAMETER, LEDGER_TABLE_NAME: 't' };
    Object.assign(process.env, env);
    try {
      // WHEN
      let loaded: { handler?: unknown } = {};
      jest.isolateModules(() => {
        loaded = require('../../../lambda/approval-to-promotion/index');
      });
      // THEN
      expect(typeof loaded.handler).toBe('function');
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
    }
  });
});

