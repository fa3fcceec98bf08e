import './quiet-env';
import * as fc from 'fast-check';
import { createApprovalHandler, TransientFailure } from '../../../lambda/approval-to-promotion/approval-handler';
import { requestTokenFor } from '../../../lambda/shared/request-token';
import { ACCOUNT, GROUP, REGION, packageArn, stateChangeEvent } from './approval-events';
import { FakeWorld, Status } from './fake-world';

const PARAMETER = '/x';
const EVENTS_PER_PROPERTY = 10_000;
const microtask = () => Promise.resolve();
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

function handlerFor(world: FakeWorld) {
  return createApprovalHandler({
    config: { modelPackageGroupName: GROUP, pipelineName: 'p', pipelineVariableName: 'ModelPackageArn', approvedModelParameterName: PARAMETER, tableName: 't', lockLeaseMs: 45_000 },
    sagemaker: world.sagemaker(),
    ssm: world.ssm(),
    codepipeline: world.codepipeline(),
    ledger: world.ledger(),
    now: world.now,
    sleep: macrotask,
  });
}

const transientError = fc.constantFrom(
  Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
  Object.assign(new Error('Internal error'), { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
  Object.assign(new Error('Too many executions'), { name: 'ConcurrentPipelineExecutionsLimitExceededException', $metadata: { httpStatusCode: 400 } }),
);

/**
 * A registry history and how its events are delivered: every change is sent one to four times
 * (SageMaker "may send multiple events to EventBridge for each state change"), deliveries are late,
 * out of order and several at once, and transient faults make some of them fail and come back.
 */
const step = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'register' as const }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), version: fc.integer({ min: 1, max: 4 }), status: fc.constantFrom<Status>('Approved', 'Approved', 'Rejected', 'PendingManualApproval'), copies: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('edit' as const), version: fc.integer({ min: 1, max: 4 }), copies: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), count: fc.integer({ min: 0, max: 6 }), concurrency: fc.integer({ min: 1, max: 3 }), seed: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fault' as const), operation: fc.constantFrom('DescribeModelPackage', 'ListModelPackages', 'StartPipelineExecution', 'GetItem', 'UpdateItem', 'GetParameter', 'PutParameter'), error: transientError }) },
);
const scenario = fc.record({ registered: fc.integer({ min: 1, max: 4 }), steps: fc.array(step, { minLength: 1, maxLength: 20 }), finalSeed: fc.integer() });

interface Tally {
  events: number;
  /** Second promotions explained only by the one-second resolution of a late rejection's event time. */
  sameSecondLimit: number;
  duplicateStarts: number;
  lostApprovals: number;
  starts: number;
}

/** A deterministic shuffle from a seed, so a counterexample replays. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let x = seed | 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const j = Math.abs(x) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function runScenario(registered: number, steps: Array<Record<string, unknown>>, finalSeed: number, tally: Tally): Promise<void> {
  const world = new FakeWorld(microtask);
  for (let i = 0; i < registered; i++) world.register();
  const handle = handlerFor(world);
  const pending: Array<Record<string, unknown>> = [];
  const history: Array<{ arn: string; status: Status; at: number }> = [];
  let id = 0;

  const emit = (version: number, status: Status, copies: number) => {
    const second = new Date(Math.floor(world.clock / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    for (let c = 0; c < copies; c++) pending.push(stateChangeEvent({ id: `evt-${++id}`, version, status, time: second }));
  };
  const deliver = async (batch: Array<Record<string, unknown>>, concurrency: number) => {
    for (let i = 0; i < batch.length; i += concurrency) {
      await Promise.all(batch.slice(i, i + concurrency).map(async (event) => {
        tally.events++;
        try {
          await handle(event);
        } catch (error) {
          expect(error).toBeInstanceOf(TransientFailure);
          // The platform retries it later.
          pending.push(event);
        }
      }));
    }
  };

  // Every start is of the newest approved version, Approved at that moment, with the approval's token.
  const originalStarts = world.starts.push.bind(world.starts);
  world.starts.push = (...items) => {
    for (const item of items) {
      const p = world.packages.get(item.arn)!;
      expect(p.status).toBe('Approved');
      expect(p.version).toBe(world.newestApprovedVersion());
      expect(item.token).toBe(requestTokenFor('promote', `${item.arn}@${p.modified ?? p.created}`));
    }
    return originalStarts(...items);
  };

  for (const s of steps) {
    if (s.kind === 'register') {
      world.register();
    } else if (s.kind === 'set' || s.kind === 'edit') {
      const arn = packageArn(s.version as number);
      const p = world.packages.get(arn);
      if (!p) continue;
      world.update(arn, s.kind === 'set' ? s.status as Status : undefined);
      history.push({ arn, status: p.status, at: world.clock });
      emit(p.version, p.status, s.copies as number);
    } else if (s.kind === 'fault') {
      world.faults.push({ operation: s.operation as string, error: s.error as Error });
    } else {
      const order = shuffled(pending.splice(0, pending.length), s.seed as number);
      const now = order.slice(0, s.count as number);
      pending.push(...order.slice(s.count as number));
      await deliver(now, s.concurrency as number);
    }
  }
  // Everything still pending arrives eventually, faults included, until nothing is left.
  world.faults = [];
  while (pending.length > 0) {
    await deliver(shuffled(pending.splice(0, pending.length), finalSeed), 2);
  }

  // No approval promoted twice.
  const tokens = world.starts.map((x) => x.token);
  tally.duplicateStarts += tokens.length - new Set(tokens).size;
  expect(new Set(tokens).size).toBe(tokens.length);
  tally.starts += tokens.length;

  // One promotion per approval: two promotions of one version have a rejection (or a return to
  // PendingManualApproval) between them; an edit of an approved package is not a new approval.
  // The one exception is the limit of the event's one-second time: a rejection from the same second
  // as the promoted approval, delivered after a later edit, cannot be told from a re-approval.
  const second = (ms: number) => Math.floor(ms / 1000);
  for (const arn of new Set(world.starts.map((x) => x.arn))) {
    const times = world.starts.filter((x) => x.arn === arn).map((x) => x.at);
    for (let i = 1; i < times.length; i++) {
      const revokedBetween = history.some((h) => h.arn === arn && h.status !== 'Approved' && h.at > times[i - 1] && h.at < times[i]);
      const sameSecondRejection = history.some((h) => h.arn === arn && h.status !== 'Approved' && h.at < times[i - 1] && second(h.at) === second(times[i - 1]));
      if (!revokedBetween && sameSecondRejection) {
        tally.sameSecondLimit++;
        continue;
      }
      if (!revokedBetween) tally.duplicateStarts++;
      expect(revokedBetween).toBe(true);
    }
  }

  // Nothing lost: the newest approved version is promoted, by a start after which it never left Approved.
  const newest = world.newestApprovedVersion();
  if (newest !== undefined) {
    const arn = packageArn(newest);
    const lastLeft = Math.max(-1, ...history.filter((h) => h.arn === arn && h.status !== 'Approved').map((h) => h.at));
    const promotedSince = world.starts.some((x) => x.arn === arn && x.at > lastLeft);
    if (!promotedSince) tally.lostApprovals++;
    expect(promotedSince).toBe(true);
    // And the record LATEST_APPROVED reads names it.
    expect(JSON.parse(world.parameters.get(PARAMETER) ?? '{}').modelPackageArn).toBe(arn);
  }
}

describe('approval handler, property-based', () => {
  test(`registry histories delivered duplicated, late, out of order, concurrently and with faults (>= ${EVENTS_PER_PROPERTY} events): each approval promoted once, in version order, none lost, the record on the newest`, async () => {
    const tally: Tally = { events: 0, duplicateStarts: 0, lostApprovals: 0, starts: 0, sameSecondLimit: 0 };
    await fc.assert(fc.asyncProperty(scenario, async ({ registered, steps, finalSeed }) => {
      await runScenario(registered, steps as Array<Record<string, unknown>>, finalSeed, tally);
    }), { numRuns: 2_200 });
    // The generators must reach the interesting cases, or the property proves nothing.
    expect(tally.events).toBeGreaterThanOrEqual(EVENTS_PER_PROPERTY);
    expect(tally.starts).toBeGreaterThan(300);
    expect(tally).toMatchObject({ duplicateStarts: 0, lostApprovals: 0 });
    // eslint-disable-next-line no-console
    if (process.env.PROPERTY_TALLY) console.log('approval scenarios', tally);
  });

  const junk = fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 8 }), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 6 });
  const arn = fc.oneof(
    fc.integer({ min: 1, max: 3 }).map((v) => packageArn(v)),
    fc.constant(packageArn(1, 'fraud')),
    fc.constant(`arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package-group/${GROUP}`),
    fc.string({ maxLength: 30 }),
  );
  const anyEvent = fc.oneof(
    { weight: 4, arbitrary: fc.record({ version: fc.integer({ min: 1, max: 3 }), status: fc.constantFrom<Status>('Approved', 'Rejected', 'PendingManualApproval'), id: fc.uuid() }).map((o) => stateChangeEvent(o)) },
    {
      weight: 4,
      arbitrary: fc.record({
        'id': maybe(fc.oneof(fc.uuid(), fc.string({ maxLength: 300 }), junk)),
        'detail-type': maybe(fc.oneof(fc.constant('SageMaker Model Package State Change'), fc.string({ maxLength: 40 }), junk)),
        'source': maybe(fc.oneof(fc.constant('aws.sagemaker'), fc.string({ maxLength: 20 }), junk)),
        'time': maybe(fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 10 }), junk)),
        'detail': maybe(fc.oneof(fc.record({
          ModelPackageGroupName: maybe(fc.oneof(fc.constantFrom(GROUP, 'fraud', ''), junk)),
          ModelApprovalStatus: maybe(fc.oneof(fc.constantFrom('Approved', 'Rejected', 'PendingManualApproval', 'approved'), junk)),
          ModelPackageArn: maybe(fc.oneof(arn, junk)),
          ModelPackageVersion: maybe(fc.oneof(fc.integer({ min: -1, max: 4 }), junk)),
        }, { requiredKeys: [] }), junk)),
      }, { requiredKeys: [] }),
    },
    { weight: 2, arbitrary: fc.anything() },
  );
  const registry = fc.array(fc.constantFrom<Status>('Approved', 'Rejected', 'PendingManualApproval'), { minLength: 0, maxLength: 3 });

  test(`over ${EVENTS_PER_PROPERTY} arbitrary events it throws nothing but TransientFailure and starts only the newest approved version of its group`, async () => {
    let started = 0;
    let transient = 0;
    await fc.assert(fc.asyncProperty(anyEvent, registry, fc.option(fc.tuple(fc.constantFrom('DescribeModelPackage', 'ListModelPackages', 'StartPipelineExecution', 'GetItem', 'PutParameter'), transientError), { nil: undefined, freq: 4 }), async (event, statuses, fault) => {
      // GIVEN
      const world = new FakeWorld();
      statuses.forEach((status) => world.update(world.register(), status));
      world.update(world.register('fraud'), 'Approved');
      if (fault) world.faults.push({ operation: fault[0], error: fault[1] });
      // WHEN
      let thrown: unknown;
      try {
        await handlerFor(world)(event);
      } catch (error) {
        thrown = error;
      }
      // THEN
      if (thrown !== undefined) {
        expect(thrown).toBeInstanceOf(TransientFailure);
        expect(fault).toBeDefined();
        transient++;
      }
      expect(world.starts.length).toBeLessThanOrEqual(1);
      if (world.starts.length === 1) {
        started++;
        const newest = world.newestApprovedVersion();
        expect(world.starts[0].arn).toBe(packageArn(newest!));
      }
    }), { numRuns: EVENTS_PER_PROPERTY });
    expect(started).toBeGreaterThan(300);
    expect(transient).toBeGreaterThan(300);
  });
});
