import { classifyEvent } from '../../../lambda/approval-to-promotion/approval-event';
import { approvalKey, decideApproval, registryApproval, RegistryApproval, revokes } from '../../../lambda/approval-to-promotion/promotion-decision';
import { GROUP, packageArn, stateChangeEvent } from './approval-events';

describe('classifyEvent', () => {
  test('a state change of our group, whatever its status', () => {
    // WHEN
    const approved = classifyEvent(stateChangeEvent({ id: 'e', version: 4, time: '2026-11-23T10:00:00Z' }), GROUP);
    const rejected = classifyEvent(stateChangeEvent({ id: 'r', version: 4, status: 'Rejected' }), GROUP);
    // THEN
    expect(approved).toEqual({
      kind: 'change',
      change: { eventId: 'e', eventTime: '2026-11-23T10:00:00.000Z', modelPackageArn: packageArn(4), modelPackageGroupName: GROUP, modelPackageVersion: 4, reportedStatus: 'Approved' },
    });
    expect(rejected).toMatchObject({ kind: 'change', change: { reportedStatus: 'Rejected' } });
  });

  test.each([
    ['another group', stateChangeEvent({ group: 'fraud' }), /group 'fraud' is not 'churn'/],
    ['another detail type', { ...stateChangeEvent(), 'detail-type': 'SageMaker Model State Change' }, /is not a model package state change/],
    ['another source', { ...stateChangeEvent(), source: 'custom.app' }, /from 'custom.app'/],
  ])('ignores %s', (_name, event, reason) => {
    // WHEN
    const classified = classifyEvent(event, GROUP);
    // THEN
    expect(classified).toEqual({ kind: 'ignored', eventId: expect.any(String), reason: expect.stringMatching(reason) });
  });

  test.each([
    ['not an object', 'hello', /^event: /],
    ['no id', { ...stateChangeEvent(), id: undefined }, /^id: /],
    ['a bad time', { ...stateChangeEvent(), time: 'yesterday' }, /^time: is not a timestamp/],
    ['no group in the detail', { ...stateChangeEvent(), detail: { ModelApprovalStatus: 'Approved' } }, /^detail\.ModelPackageGroupName: /],
    ['an unknown status', stateChangeEvent({ status: 'Maybe' as never }), /^detail\.ModelApprovalStatus: is not one of Approved, Rejected, PendingManualApproval/],
    ['a group-level ARN', stateChangeEvent({ arn: `arn:aws:sagemaker:us-east-1:123456789012:model-package-group/${GROUP}` }), /^detail\.ModelPackageArn: is not a versioned model package ARN/],
    ['an ARN of another group', stateChangeEvent({ arn: packageArn(1, 'fraud') }), /names group 'fraud'/],
    ['a version that contradicts the ARN', { ...stateChangeEvent(), detail: { ...(stateChangeEvent().detail as object), ModelPackageVersion: 2 } }, /ModelPackageVersion 2 differs from the version 1/],
  ])('finds malformed: %s', (_name, event, problem) => {
    // WHEN
    const classified = classifyEvent(event, GROUP);
    // THEN
    expect(classified.kind).toBe('malformed');
    expect((classified as { problems: string[] }).problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});

describe('what identifies one approval', () => {
  const described = {
    ModelPackageArn: packageArn(2), ModelPackageGroupName: GROUP, ModelPackageVersion: 2, ModelApprovalStatus: 'Approved',
    CreationTime: new Date('2026-11-23T09:00:00.000Z'), LastModifiedTime: new Date('2026-11-23T10:00:00.123Z'),
  };

  test('the registry record: the package and its LastModifiedTime, to the millisecond', () => {
    // WHEN
    const approval = registryApproval(described, packageArn(2), GROUP, 2) as RegistryApproval;
    // THEN
    expect(approval).toEqual({ modelPackageArn: packageArn(2), modelPackageVersion: 2, approvalTime: Date.parse('2026-11-23T10:00:00.123Z') });
    expect(approvalKey(approval)).toBe(`${packageArn(2)}@${Date.parse('2026-11-23T10:00:00.123Z')}`);
  });

  test('a package never modified since it was created Approved is identified by its CreationTime', () => {
    // WHEN
    const approval = registryApproval({ ...described, LastModifiedTime: undefined }, packageArn(2), GROUP, 2) as RegistryApproval;
    // THEN
    expect(approval.approvalTime).toBe(Date.parse('2026-11-23T09:00:00.000Z'));
  });

  test.each([
    ['gone', undefined, /no longer exists/],
    ['rejected since', { ...described, ModelApprovalStatus: 'Rejected' }, /is now 'Rejected', not Approved/],
    ['in another group', { ...described, ModelPackageGroupName: 'fraud' }, /belongs to group 'fraud'/],
  ])('no approval when the package is %s', (_name, record, reason) => {
    expect(registryApproval(record, packageArn(2), GROUP, 2)).toEqual({ reason: expect.stringMatching(reason) });
  });
});

describe('decideApproval', () => {
  const approval: RegistryApproval = { modelPackageArn: packageArn(2), modelPackageVersion: 2, approvalTime: 2_000 };

  test('promotes a first approval of the newest approved version', () => {
    expect(decideApproval(approval, undefined, 2)).toEqual({ action: 'promote' });
  });

  test('promotes a re-approval after the version left Approved', () => {
    expect(decideApproval(approval, { promotedApprovalTime: 1_000, revokedSince: true }, 2)).toEqual({ action: 'promote' });
  });

  test.each([
    ['already promoted', { promotedApprovalTime: 2_000, revokedSince: false }, 2, /already promoted/],
    ['an edit of an approved package', { promotedApprovalTime: 1_000, revokedSince: false }, 2, /an edit, not a new approval/],
    ['overtaken by a newer approved version', undefined, 3, /version 3 of the group is approved and newer than version 2/],
  ])('skips %s', (_name, promoted, newest, reason) => {
    expect(decideApproval(approval, promoted, newest)).toEqual({ action: 'skip', reason: expect.stringMatching(reason) });
  });
});

describe('revokes', () => {
  const promoted = { promotedApprovalTime: Date.parse('2026-11-23T10:00:00.500Z'), revokedSince: false };

  test('a package no longer Approved revokes its promoted approval', () => {
    expect(revokes(promoted, undefined, '2026-11-23T09:00:00.000Z')).toBe(true);
  });

  test('approved again since, a rejection after the promoted approval revokes it', () => {
    const current = { modelPackageArn: packageArn(1), modelPackageVersion: 1, approvalTime: Date.parse('2026-11-23T10:05:00.000Z') };
    expect(revokes(promoted, current, '2026-11-23T10:02:00.000Z')).toBe(true);
  });

  test('a late rejection from before the promoted approval revokes nothing', () => {
    const edited = { modelPackageArn: packageArn(1), modelPackageVersion: 1, approvalTime: Date.parse('2026-11-23T10:05:00.000Z') };
    expect(revokes(promoted, edited, '2026-11-23T09:59:59.000Z')).toBe(false);
    expect(revokes(promoted, { ...edited, approvalTime: promoted.promotedApprovalTime }, '2026-11-23T10:02:00.000Z')).toBe(false);
  });
});
