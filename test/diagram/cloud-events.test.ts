import * as fc from 'fast-check';
import { HOLE } from '../../lib/checks/assembly-model';
import { eventLabel, eventsEmittedBy, patternMayMatch, SampleEvent, shortDetailType } from '../../lib/diagram/private/cloud-events';

const APPROVAL: SampleEvent = { source: 'aws.sagemaker', detailType: 'SageMaker Model Package State Change', detail: { ModelPackageGroupName: 'churn' }, identifying: ['ModelPackageGroupName'] };
const event = (e: SampleEvent, account = '111111111111') => ({ 'source': e.source, 'detail-type': e.detailType, account, 'region': 'eu-west-1', 'detail': e.detail });

describe('whether an event may match a pattern (EventBridge content filtering)', () => {
  test('known fields must match a value of their array; fields the event leaves unknown may hold anything', () => {
    // THEN
    expect(patternMayMatch({ 'source': ['aws.sagemaker'], 'detail-type': ['SageMaker Model Package State Change'], 'detail': { ModelPackageGroupName: ['churn'], ModelApprovalStatus: ['Approved'] } }, event(APPROVAL))).toBe(true);
    expect(patternMayMatch({ source: ['aws.sagemaker'], detail: { ModelPackageGroupName: ['fraud', 'other'] } }, event(APPROVAL))).toBe(false);
    expect(patternMayMatch({ source: ['aws.s3'] }, event(APPROVAL))).toBe(false);
    expect(patternMayMatch({ account: ['222222222222'] }, event(APPROVAL))).toBe(false);
  });

  test('prefix, suffix, anything-but, exists, wildcard, equals-ignore-case and $or', () => {
    // GIVEN
    const monitor: SampleEvent = { source: 'aws.sagemaker', detailType: 'SageMaker Processing Job State Change', detail: { MonitoringScheduleArn: 'arn:aws:sagemaker:eu-west-1:3:monitoring-schedule/churn-dq' }, identifying: ['MonitoringScheduleArn'] };
    const matches = (p: unknown) => patternMayMatch({ detail: { MonitoringScheduleArn: p } }, event(monitor));

    // THEN
    expect(matches([{ suffix: ':monitoring-schedule/churn-dq' }])).toBe(true);
    expect(matches([{ suffix: ':monitoring-schedule/fraud-dq' }])).toBe(false);
    expect(matches([{ prefix: 'arn:aws:sagemaker:eu-west-1:' }])).toBe(true);
    expect(matches([{ prefix: 'arn:aws-cn:' }])).toBe(false);
    expect(matches([{ 'anything-but': 'x' }])).toBe(true);
    expect(matches([{ 'anything-but': ['arn:aws:sagemaker:eu-west-1:3:monitoring-schedule/churn-dq'] }])).toBe(false);
    expect(matches([{ 'anything-but': { prefix: 'arn:aws:sagemaker:' } }])).toBe(false);
    expect(matches([{ exists: true }])).toBe(true);
    expect(matches([{ exists: false }])).toBe(false);
    expect(matches([{ wildcard: '*:monitoring-schedule/churn-*' }])).toBe(true);
    expect(matches([{ 'equals-ignore-case': 'ARN:AWS:SAGEMAKER:EU-WEST-1:3:MONITORING-SCHEDULE/CHURN-DQ' }])).toBe(true);
    expect(patternMayMatch({ $or: [{ source: ['aws.s3'] }, { detail: { MonitoringScheduleArn: [{ suffix: '/churn-dq' }] } }] }, event(monitor))).toBe(true);
    expect(patternMayMatch({ $or: [{ source: ['aws.s3'] }, { source: ['aws.codepipeline'] }] }, event(monitor))).toBe(false);
  });

  test('a name unknown at synth (HOLE) may be any name; a nested pattern matches an element of an array', () => {
    // GIVEN
    const unnamed: SampleEvent = { ...APPROVAL, detail: { ModelPackageGroupName: HOLE } };
    const alarm = eventsEmittedBy({
      type: 'AWS::CloudWatch::Alarm',
      properties: { Namespace: 'aws/sagemaker/Endpoints/data-metrics', MetricName: 'feature_baseline_drift_age', Dimensions: [{ Name: 'MonitoringSchedule', Value: 'churn-dq' }] },
      name: 'drift',
      arn: HOLE,
      evaluate: (v) => String(v),
    })[0];

    // THEN
    expect(patternMayMatch({ detail: { ModelPackageGroupName: ['churn'] } }, event(unnamed))).toBe(true);
    expect(patternMayMatch({ detail: { configuration: { metrics: { metricStat: { metric: { namespace: [{ prefix: 'aws/sagemaker/' }], dimensions: { MonitoringSchedule: ['churn-dq'] } } } } } } }, event(alarm))).toBe(true);
    expect(patternMayMatch({ detail: { configuration: { metrics: { metricStat: { metric: { namespace: [{ prefix: 'AWS/Events' }] } } } } } }, event(alarm))).toBe(false);
  });

  test('property: a value matches itself, any of its prefixes and suffixes, and not anything-but itself', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.nat(30), (value, cut) => {
      const e = { detail: { Name: value } };
      const k = cut % (value.length + 1);
      expect(patternMayMatch({ detail: { Name: [value] } }, e)).toBe(true);
      expect(patternMayMatch({ detail: { Name: [{ prefix: value.slice(0, k) }] } }, e)).toBe(true);
      expect(patternMayMatch({ detail: { Name: [{ suffix: value.slice(k) }] } }, e)).toBe(true);
      expect(patternMayMatch({ detail: { Name: [{ 'anything-but': value }] } }, e)).toBe(false);
      expect(patternMayMatch({ detail: { Name: [`${value}x`] } }, e)).toBe(false);
    }), { numRuns: 500 });
  });
});

describe('what a resource sends', () => {
  test('a bucket sends S3 events only when EventBridge is enabled on it', () => {
    // GIVEN
    const bucket = (enabled: unknown) => eventsEmittedBy({
      type: 'AWS::S3::Bucket',
      properties: enabled === undefined ? {} : { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: enabled } } },
      name: 'data',
      arn: 'arn:aws:s3:::data',
      evaluate: (v) => (v === undefined ? HOLE : String(v)),
    });

    // THEN
    expect(bucket(true).map((e) => [e.source, e.detailType, e.detail])).toEqual([
      ['aws.s3', 'Object Created', { bucket: { name: 'data' } }],
      ['aws.s3', 'Object Deleted', { bucket: { name: 'data' } }],
    ]);
    expect(bucket(false)).toEqual([]);
    expect(bucket(undefined)).toEqual([]);
  });
});

describe('labels', () => {
  test('the detail-type without its service, then the values the rule requires beyond the resource\'s name', () => {
    // THEN
    expect(shortDetailType(APPROVAL)).toBe('Model Package State Change');
    expect(shortDetailType({ ...APPROVAL, source: 'aws.s3', detailType: 'Object Created' })).toBe('Object Created');
    expect(eventLabel({ detail: { ModelPackageGroupName: ['churn'], ModelApprovalStatus: ['Approved'] } }, APPROVAL)).toBe('Model Package State Change: Approved');
    expect(eventLabel({ detail: { ProcessingJobStatus: ['Completed'], ExitMessage: [{ prefix: 'CompletedWithViolations' }], A: [{ suffix: 'x' }], B: [{ 'anything-but': 'y' }] } }, APPROVAL))
      .toBe('Model Package State Change: Completed, CompletedWithViolations…, …x, …');
    expect(eventLabel({ source: ['aws.sagemaker'] }, APPROVAL)).toBe('Model Package State Change');
  });
});
