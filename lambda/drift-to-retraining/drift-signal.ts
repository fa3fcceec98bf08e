import * as v from 'valibot';

/**
 * What a drift event means for retraining, whichever way it arrived.
 *
 * Two EventBridge shapes are accepted (both may reach the tooling bus forwarded from a workload
 * account, so `account` and `region` name where the drift happened):
 *
 * 1. A Model Monitor execution that completed with violations:
 *
 *        { "id": "…", "source": "aws.sagemaker", "detail-type": "SageMaker Processing Job State Change",
 *          "account": "…", "region": "…", "time": "…",
 *          "detail": { "ProcessingJobName": "…", "ProcessingJobStatus": "Completed",
 *                      "ExitMessage": "CompletedWithViolations: Job completed successfully with 3 violations.",
 *                      "MonitoringScheduleArn": "arn:aws:sagemaker:…:monitoring-schedule/<schedule>",
 *                      "Environment": { "MLOPS_MONITOR_TYPE": "DataQuality", "MLOPS_ENDPOINT_NAME": "…",
 *                                       "sagemaker_endpoint_name": "…", "sagemaker_monitoring_schedule_name": "…" } } }
 *
 *    The processing job of a monitoring execution is what carries the outcome: it completes with an
 *    `ExitMessage` beginning `CompletedWithViolations`. `ModelMonitor` sets `MLOPS_MONITOR_TYPE` and
 *    `MLOPS_ENDPOINT_NAME` in every job definition's environment so the event names the monitor type and
 *    endpoint without a lookup; Model Monitor's own `sagemaker_endpoint_name`,
 *    `sagemaker_monitoring_schedule_name` and `analysis_type` are used when ours are absent, and
 *    last the suffix `ModelMonitor` gives schedule names (`-data-quality`, `-model-bias`, ...).
 *    Any other status, any exit message without violations, and any processing job that no monitoring
 *    schedule started are not drift: ignored.
 *
 * 2. A CloudWatch alarm on a Model Monitor metric entering ALARM:
 *
 *        { "id": "…", "source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change",
 *          "detail": { "alarmName": "…", "state": { "value": "ALARM", "reason": "…" },
 *                      "configuration": { "metrics": [ { "id": "…", "metricStat": { "metric": {
 *                          "namespace": "aws/sagemaker/Endpoints/data-metrics", "name": "feature_baseline_drift_age",
 *                          "dimensions": { "Endpoint": "…", "MonitoringSchedule": "…" } } } } ] } } }
 *
 *    The monitor type comes from the namespace (`aws/sagemaker/Endpoints/…` for endpoints,
 *    `aws/sagemaker/ModelMonitoring/…` for batch transform): `data-metrics` is DataQuality,
 *    `model-metrics` ModelQuality, `bias-metrics` ModelBias, `explainability-metrics`
 *    ModelExplainability. States other than ALARM, and alarms on any other namespace, are ignored.
 *
 * An event is for this handler only if its endpoint or monitoring schedule is one it watches.
 */
export interface DriftSignal {
  /** The EventBridge event id: the idempotency key. */
  readonly eventId: string;
  readonly monitorType: string;
  readonly metric: string;
  /** Endpoint name, or '' for a batch-transform monitor. */
  readonly endpoint: string;
  /** Monitoring schedule name, or '' when the event does not say. */
  readonly monitoringSchedule: string;
  /** One human sentence: why retraining is wanted. */
  readonly reason: string;
  /** Where the drift happened, `account/region`, when the event says. */
  readonly origin: string;
}

export interface WatchList {
  readonly endpoints: ReadonlySet<string>;
  readonly monitoringSchedules: ReadonlySet<string>;
}

export type Classification =
  | { readonly kind: 'drift'; readonly signal: DriftSignal }
  | { readonly kind: 'ignored'; readonly reason: string; readonly eventId?: string }
  | { readonly kind: 'malformed'; readonly problems: string };

export const PROCESSING_JOB_STATE_CHANGE = 'SageMaker Processing Job State Change';
export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

const name = v.pipe(v.string(), v.minLength(1), v.maxLength(1024));

const Envelope = v.looseObject({
  'id': name,
  'detail-type': v.string(),
  'source': v.string(),
  'account': v.optional(v.string()),
  'region': v.optional(v.string()),
  'detail': v.looseObject({}),
});

const ProcessingJobDetail = v.looseObject({
  ProcessingJobName: name,
  ProcessingJobStatus: v.string(),
  ExitMessage: v.optional(v.string()),
  MonitoringScheduleArn: v.optional(v.string()),
  Environment: v.optional(v.record(v.string(), v.string())),
});

const AlarmDetail = v.looseObject({
  alarmName: name,
  state: v.looseObject({ value: v.string(), reason: v.optional(v.string()) }),
  configuration: v.looseObject({
    metrics: v.pipe(v.array(v.looseObject({
      metricStat: v.optional(v.looseObject({
        metric: v.looseObject({
          namespace: v.string(),
          name: name,
          dimensions: v.optional(v.record(v.string(), v.string())),
        }),
      })),
    })), v.minLength(1)),
  }),
});

const MONITOR_TYPE_BY_METRICS = new Map([
  ['data-metrics', 'DataQuality'],
  ['model-metrics', 'ModelQuality'],
  ['bias-metrics', 'ModelBias'],
  ['explainability-metrics', 'ModelExplainability'],
]);
const MONITOR_NAMESPACE = /^aws\/sagemaker\/(?:Endpoints|ModelMonitoring)\/([a-z-]+)$/;

const MONITOR_TYPE_BY_ANALYSIS = new Map([
  ['DATA_QUALITY', 'DataQuality'],
  ['MODEL_QUALITY', 'ModelQuality'],
  ['MODEL_BIAS', 'ModelBias'],
  ['MODEL_EXPLAINABILITY', 'ModelExplainability'],
]);

/** `ModelMonitor` names its schedules `<prefix>-data-quality`, `-model-quality`, `-model-bias`, `-model-explainability`. */
const SCHEDULE_SUFFIXES: Array<[RegExp, string]> = [
  [/-data-quality$/, 'DataQuality'],
  [/-model-quality$/, 'ModelQuality'],
  [/-model-bias$/, 'ModelBias'],
  [/-model-explainability$/, 'ModelExplainability'],
];

function monitorTypeOfSchedule(schedule: string): string {
  return SCHEDULE_SUFFIXES.find(([suffix]) => suffix.test(schedule))?.[1] ?? 'Unknown';
}

const VIOLATIONS = /^CompletedWithViolations\b/;
const VIOLATION_COUNT = /with (\d+) violations?/;

function problemsOf(issues: readonly v.BaseIssue<unknown>[]): string {
  return v.summarize(issues as [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]).replace(/\n/g, '; ');
}

function originOf(event: { account?: string; region?: string }): string {
  return event.account && event.region ? `${event.account}/${event.region}` : '';
}

function isWatched(watch: WatchList, endpoint: string, schedule: string): boolean {
  return (endpoint !== '' && watch.endpoints.has(endpoint)) || (schedule !== '' && watch.monitoringSchedules.has(schedule));
}

/**
 * Sorts an incoming event into drift of a watched endpoint, something that is not for us, or garbage.
 * Never throws.
 */
export function classify(event: unknown, watch: WatchList): Classification {
  const envelope = v.safeParse(Envelope, event);
  if (!envelope.success) {
    return { kind: 'malformed', problems: problemsOf(envelope.issues) };
  }
  const e = envelope.output;
  if (e['detail-type'] === PROCESSING_JOB_STATE_CHANGE && e.source === 'aws.sagemaker') {
    return classifyMonitoringExecution(e.id, e.detail, originOf(e), watch);
  }
  if (e['detail-type'] === ALARM_STATE_CHANGE && e.source === 'aws.cloudwatch') {
    return classifyAlarm(e.id, e.detail, originOf(e), watch);
  }
  return { kind: 'ignored', eventId: e.id, reason: `not a drift event: ${e.source} '${e['detail-type']}'` };
}

function classifyMonitoringExecution(eventId: string, detail: unknown, origin: string, watch: WatchList): Classification {
  const parsed = v.safeParse(ProcessingJobDetail, detail);
  if (!parsed.success) {
    return { kind: 'malformed', problems: problemsOf(parsed.issues) };
  }
  const job = parsed.output;
  const env = job.Environment ?? {};
  const schedule = job.MonitoringScheduleArn?.split('/').pop() || env.sagemaker_monitoring_schedule_name || '';
  if (!job.MonitoringScheduleArn && !env.sagemaker_monitoring_schedule_name) {
    return { kind: 'ignored', eventId, reason: `processing job ${job.ProcessingJobName} is not a monitoring execution` };
  }
  if (job.ProcessingJobStatus !== 'Completed' || !VIOLATIONS.test(job.ExitMessage ?? '')) {
    return { kind: 'ignored', eventId, reason: `monitoring execution ${job.ProcessingJobName} is ${job.ProcessingJobStatus} without violations` };
  }
  const endpoint = env.MLOPS_ENDPOINT_NAME || env.sagemaker_endpoint_name || '';
  if (!isWatched(watch, endpoint, schedule)) {
    return { kind: 'ignored', eventId, reason: `monitoring schedule '${schedule}' of endpoint '${endpoint}' is not watched by this project` };
  }
  const monitorType = env.MLOPS_MONITOR_TYPE || MONITOR_TYPE_BY_ANALYSIS.get(env.analysis_type ?? '') || monitorTypeOfSchedule(schedule);
  const count = VIOLATION_COUNT.exec(job.ExitMessage ?? '')?.[1];
  return {
    kind: 'drift',
    signal: {
      eventId,
      monitorType,
      metric: 'constraint_violations',
      endpoint,
      monitoringSchedule: schedule,
      origin,
      reason: `${monitorType} monitoring execution ${job.ProcessingJobName} completed with ${count ?? 'some'} constraint violation(s)`,
    },
  };
}

function classifyAlarm(eventId: string, detail: unknown, origin: string, watch: WatchList): Classification {
  const parsed = v.safeParse(AlarmDetail, detail);
  if (!parsed.success) {
    return { kind: 'malformed', problems: problemsOf(parsed.issues) };
  }
  const alarm = parsed.output;
  if (alarm.state.value !== 'ALARM') {
    return { kind: 'ignored', eventId, reason: `alarm ${alarm.alarmName} is ${alarm.state.value}, not ALARM` };
  }
  const metric = alarm.configuration.metrics.find((m) => m.metricStat)?.metricStat?.metric;
  const kind = metric ? MONITOR_NAMESPACE.exec(metric.namespace)?.[1] : undefined;
  const monitorType = kind ? MONITOR_TYPE_BY_METRICS.get(kind) : undefined;
  if (!metric || !monitorType) {
    return { kind: 'ignored', eventId, reason: `alarm ${alarm.alarmName} is not on a Model Monitor metric` };
  }
  const endpoint = metric.dimensions?.Endpoint ?? '';
  const schedule = metric.dimensions?.MonitoringSchedule ?? '';
  if (!isWatched(watch, endpoint, schedule)) {
    return { kind: 'ignored', eventId, reason: `alarm ${alarm.alarmName} on endpoint '${endpoint}' / schedule '${schedule}' is not watched by this project` };
  }
  return {
    kind: 'drift',
    signal: {
      eventId,
      monitorType,
      metric: metric.name,
      endpoint,
      monitoringSchedule: schedule,
      origin,
      reason: `alarm ${alarm.alarmName}: ${monitorType} metric ${metric.name} breached its threshold`,
    },
  };
}
