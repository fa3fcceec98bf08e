import { Approval, classifyEvent } from '../../../lambda/approval-to-promotion/approval-event';
import { ApprovedModelRecord, decidePromotion, parseRecord } from '../../../lambda/approval-to-promotion/promotion-decision';
import { GROUP, packageArn, stateChangeEvent } from './approval-events';

describe('classifyEvent', () => {
  test('an approval of our group', () => {
    // WHEN
    const classified = classifyEvent(stateChangeEvent({ id: 'e', version: 4, time: '2026-11-23T10:00:00Z' }), GROUP);
    // THEN
    expect(classified).toEqual({
      kind: 'approval',
      approval: { eventId: 'e', approvedAt: '2026-11-23T10:00:00.000Z', modelPackageArn: packageArn(4), modelPackageGroupName: GROUP, modelPackageVersion: 4 },
    });
  });

  test.each([
    ['another group', stateChangeEvent({ group: 'fraud' }), /group 'fraud' is not 'churn'/],
    ['a rejection', stateChangeEvent({ status: 'Rejected' }), /status 'Rejected' is not 'Approved'/],
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

describe('decidePromotion', () => {
  const approval: Approval = { eventId: 'e-2', approvedAt: '2026-11-23T10:00:00.000Z', modelPackageArn: packageArn(2), modelPackageGroupName: GROUP, modelPackageVersion: 2 };
  const approved = { ModelPackageArn: packageArn(2), ModelPackageGroupName: GROUP, ModelPackageVersion: 2, ModelApprovalStatus: 'Approved' };
  const record = (over: Partial<ApprovedModelRecord>): ApprovedModelRecord => ({
    modelPackageArn: packageArn(1), modelPackageVersion: 1, eventId: 'e-1', approvedAt: '2026-11-23T09:00:00.000Z', pipelineExecutionId: 'x-1', ...over,
  });

  test('promotes a package still Approved in our group', () => {
    expect(decidePromotion(approval, approved, undefined)).toEqual({ action: 'promote', modelPackageVersion: 2 });
    expect(decidePromotion(approval, approved, record({}))).toEqual({ action: 'promote', modelPackageVersion: 2 });
  });

  test.each([
    ['gone', undefined, undefined, /no longer exists/],
    ['rejected since', { ...approved, ModelApprovalStatus: 'Rejected' }, undefined, /now 'Rejected'/],
    ['in another group', { ...approved, ModelPackageGroupName: 'fraud' }, undefined, /belongs to group 'fraud'/],
    ['already started by this event', approved, record({ eventId: 'e-2', modelPackageArn: packageArn(2) }), /already started promotion x-1/],
    ['overtaken by a later approval', approved, record({ modelPackageArn: packageArn(3), approvedAt: '2026-11-23T11:00:00.000Z' }), /later approval/],
  ])('skips a package %s', (_name, described, recorded, reason) => {
    expect(decidePromotion(approval, described, recorded)).toEqual({ action: 'skip', reason: expect.stringMatching(reason) });
  });

  test('parseRecord reads only our record format', () => {
    expect(parseRecord(JSON.stringify(record({})))).toEqual(record({}));
    expect(parseRecord('arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1')).toBeUndefined();
    expect(parseRecord('{"modelPackageArn": 1}')).toBeUndefined();
    expect(parseRecord(undefined)).toBeUndefined();
  });
});
