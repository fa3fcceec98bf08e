import './quiet-env';
import { UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import fc from 'fast-check';
import { createCardStatusHandler, readCardStatusConfig } from '../../../lambda/model-card-status/card-status-handler';
import { DECIDED_AT_KEY, DECIDED_BY_KEY, DECISION_KEY, metadataValue } from '../../../lambda/model-card-status/card-status';
import { metrics } from '../../../lambda/shared/observability';
import { GROUP, HANDLER_ROLE, packageArn, RegistryFake, REVIEWER, stateChange } from './registry-fake';

/**
 * The card handler against an in-memory registry (moto stores no model cards): the card follows
 * the package's approval as the registry says it is when the handler looks, whatever the events
 * say and in whatever order and number they come.
 */
describe('model card status follows the package', () => {
  const registry = new RegistryFake();
  const handle = createCardStatusHandler({
    config: { modelPackageGroupName: GROUP, ownRoleName: HANDLER_ROLE },
    sagemaker: registry.sagemaker,
  });

  beforeEach(() => registry.reset());

  test('approval -> card Approved, recording who approved it before our own update overwrites LastModifiedBy', async () => {
    // GIVEN
    const arn = registry.register(1);
    registry.decide(arn, 'Approved');
    // WHEN
    const outcome = await handle(stateChange(arn, 'Approved', 'e-1'));
    // THEN
    expect(outcome).toEqual({ outcome: 'updated', from: 'Draft', to: 'Approved' });
    expect(registry.card(arn)).toBe('Approved');
    expect(registry.updates()).toEqual([{
      ModelPackageArn: arn,
      ModelCard: { ModelCardStatus: 'Approved' },
      CustomerMetadataProperties: { [DECIDED_BY_KEY]: REVIEWER, [DECISION_KEY]: 'Approved', [DECIDED_AT_KEY]: '2026-11-23T10:02:00.000Z' },
    }]);
  });

  test('rejection -> card Archived', async () => {
    // GIVEN
    const arn = registry.register(2, 'PendingReview');
    registry.decide(arn, 'Rejected');
    // WHEN
    await handle(stateChange(arn, 'Rejected', 'e-2'));
    // THEN
    expect(registry.card(arn)).toBe('Archived');
    expect(registry.metadata(arn)).toMatchObject({ [DECIDED_BY_KEY]: REVIEWER, [DECISION_KEY]: 'Rejected' });
  });

  test('a newly registered package -> card PendingReview, and no decision is recorded', async () => {
    // GIVEN
    const arn = registry.register(3);
    // WHEN
    await handle(stateChange(arn, 'PendingManualApproval', 'e-3'));
    // THEN
    expect(registry.card(arn)).toBe('PendingReview');
    expect(registry.updates()[0].CustomerMetadataProperties).toBeUndefined();
  });

  test('the event of our own update changes nothing, and the recorded approver stays the reviewer', async () => {
    // GIVEN
    const arn = registry.register(4);
    registry.decide(arn, 'Approved');
    await handle(stateChange(arn, 'Approved', 'e-4'));
    // WHEN SageMaker sends the change our update made (LastModifiedBy is now the handler's role)
    const outcome = await handle(stateChange(arn, 'Approved', 'e-4-ours'));
    // THEN
    expect(outcome.outcome).toBe('skipped');
    expect(registry.updates()).toHaveLength(1);
    expect(registry.metadata(arn)![DECIDED_BY_KEY]).toBe(REVIEWER);
  });

  test('the same event delivered twice updates the card once', async () => {
    // GIVEN
    const arn = registry.register(5);
    registry.decide(arn, 'Approved');
    const event = stateChange(arn, 'Approved', 'e-5');
    // WHEN
    await handle(event);
    await handle(event);
    // THEN
    expect(registry.updates()).toHaveLength(1);
  });

  test('out of order: a late approval event after the package was rejected archives the card, it does not approve it', async () => {
    // GIVEN approved, then rejected; the rejection's event arrives first, the approval's after
    const arn = registry.register(6);
    registry.decide(arn, 'Approved');
    registry.decide(arn, 'Rejected');
    // WHEN
    await handle(stateChange(arn, 'Rejected', 'e-6-rejected'));
    await handle(stateChange(arn, 'Approved', 'e-6-approved'));
    // THEN
    expect(registry.card(arn)).toBe('Archived');
    expect(registry.updates()).toHaveLength(1);
  });

  test('an archived card stays archived when its package is approved again, and the handler says so', async () => {
    // GIVEN
    const arn = registry.register(7);
    registry.decide(arn, 'Rejected');
    await handle(stateChange(arn, 'Rejected', 'e-7-rejected'));
    registry.decide(arn, 'Approved');
    const addMetric = jest.spyOn(metrics, 'addMetric');
    // WHEN
    const outcome = await handle(stateChange(arn, 'Approved', 'e-7-approved'));
    // THEN
    expect(outcome).toEqual({ outcome: 'skipped', reason: `the card of ${arn} is Archived and stays so, although the package is now Approved` });
    expect(registry.card(arn)).toBe('Archived');
    expect(addMetric).toHaveBeenCalledWith('ArchivedCardsNotFollowed', 'Count', 1);
    addMetric.mockRestore();
  });

  test('the metadata the build wrote is sent along with the decision', async () => {
    // GIVEN
    const arn = registry.register(8);
    registry.packages.get(arn)!.metadata = { 'git-commit': 'a1b2c3d' };
    registry.decide(arn, 'Approved');
    // WHEN
    await handle(stateChange(arn, 'Approved', 'e-8'));
    // THEN
    expect(registry.metadata(arn)).toMatchObject({ 'git-commit': 'a1b2c3d', [DECIDED_BY_KEY]: REVIEWER });
  });

  test('a package without a card, a package gone, and another group\'s package change nothing', async () => {
    // GIVEN
    const withoutCard = registry.register(9, null);
    registry.decide(withoutCard, 'Approved');
    // WHEN
    const outcomes = [
      await handle(stateChange(withoutCard, 'Approved', 'e-9')),
      await handle(stateChange(packageArn(99), 'Approved', 'e-99')),
      await handle(stateChange(packageArn(1, 'fraud'), 'Approved', 'e-fraud', 'fraud')),
    ];
    // THEN
    expect(outcomes.map((o) => o.outcome)).toEqual(['skipped', 'skipped', 'ignored']);
    expect(registry.updates()).toEqual([]);
  });

  test('a malformed event is counted and not retried', async () => {
    // GIVEN
    const addMetric = jest.spyOn(metrics, 'addMetric');
    // WHEN
    const outcome = await handle({ 'id': 'e-bad', 'source': 'aws.sagemaker', 'detail-type': 'SageMaker Model Package State Change', 'detail': { ModelPackageGroupName: GROUP, ModelPackageArn: 'not-an-arn' } });
    // THEN
    expect(outcome).toEqual({ outcome: 'malformed', problems: ['detail.ModelPackageArn: is not a versioned model package ARN'] });
    expect(addMetric).toHaveBeenCalledWith('MalformedEvents', 'Count', 1);
    addMetric.mockRestore();
  });

  test('a throttled update is thrown, so Lambda retries the event', async () => {
    // GIVEN
    const arn = registry.register(10);
    registry.decide(arn, 'Approved');
    registry.mock.on(UpdateModelPackageCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // WHEN / THEN
    await expect(handle(stateChange(arn, 'Approved', 'e-10'))).rejects.toThrow('Rate exceeded');
  });

  test('property: after any history of decisions and any deliveries, the last delivery leaves the card as the package says, unless it was archived on the way', async () => {
    const decision = fc.constantFrom('Approved', 'Rejected', 'PendingManualApproval') as fc.Arbitrary<'Approved' | 'Rejected' | 'PendingManualApproval'>;
    const step = fc.oneof(decision.map((d) => ({ decide: d })), fc.nat({ max: 5 }).map((n) => ({ deliver: n })));
    await fc.assert(fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
      registry.reset();
      const arn = registry.register(1);
      const sent: string[] = ['PendingManualApproval'];
      let sawRejected = false;
      const deliver = async (status: string) => {
        if (registry.packages.get(arn)!.approval === 'Rejected') sawRejected = true;
        await handle(stateChange(arn, status, `e-${Math.random()}`));
      };
      for (const s of steps) {
        if ('decide' in s) {
          registry.decide(arn, s.decide);
          sent.push(s.decide);
        } else {
          await deliver(sent[s.deliver % sent.length]);
        }
      }
      await deliver(sent[sent.length - 1]);
      const wanted = { PendingManualApproval: 'PendingReview', Approved: 'Approved', Rejected: 'Archived' }[registry.packages.get(arn)!.approval];
      const card = registry.card(arn);
      return card === wanted || (card === 'Archived' && sawRejected);
    }), { numRuns: 150 });
  });
});

describe('model card handler configuration and values', () => {
  test('fails the cold start naming every missing variable', () => {
    expect(() => readCardStatusConfig({})).toThrow('missing required environment variable(s): MODEL_PACKAGE_GROUP_NAME, OWN_ROLE_NAME');
  });

  test('metadata values keep to what SageMaker accepts', () => {
    expect(metadataValue(REVIEWER)).toBe(REVIEWER);
    expect(metadataValue('alice (ML lead), "ok"')).toBe('alice _ML lead__ _ok_');
    expect(metadataValue('x'.repeat(300))).toHaveLength(256);
    expect(metadataValue('')).toBe('_');
  });
});
