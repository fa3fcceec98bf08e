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
 * An event is for this handler only if its endpoint or monitoring schedule is one it watches, and
 * only from where the project's monitors run: the account and region of the monitoring schedule's
 * ARN (or of the alarm) must be one of the monitored environments the construct declares. Drift of a
 * watched name from anywhere else is `foreign`: ignored, logged and counted, never retrained.
 */
export interface DriftSignal {
  /** The EventBridge event id, for the log. */
  readonly eventId: string;
  /**
   * What identifies this drift whatever the delivery: the monitoring execution's processing job,
   * or the alarm and the time of its state change. SageMaker and CloudWatch may send one change
   * more than once, each time with a new event id.
   */
  readonly key: string;
  readonly monitorType: string;
  readonly metric: string;
  /** Endpoint name, or '' for a batch-transform monitor. */
  readonly endpoint: string;
  /** Monitoring schedule name, or '' when the event does not say. */
  readonly monitoringSchedule: string;
  /** One human sentence: why retraining is wanted. */
  readonly reason: string;
  /** Where the drift happened, `account/region`: one of the monitored environments. */
  readonly origin: string;
}

/** An account and region whose monitors may retrain this project (its production environments). */
export interface MonitoredEnvironment {
  readonly account: string;
  readonly region: string;
}

export interface WatchList {
  readonly endpoints: ReadonlySet<string>;
  readonly monitoringSchedules: ReadonlySet<string>;
  /** Where drift may come from; anything else is ignored and counted. */
  readonly environments: readonly MonitoredEnvironment[];
}

export type Classification =
  | { readonly kind: 'drift'; readonly signal: DriftSignal }
  | { readonly kind: 'ignored'; readonly reason: string; readonly eventId?: string }
  /** Drift of a watched name from an account or region the project does not monitor. */
  | { readonly kind: 'foreign'; readonly reason: string; readonly eventId: string }
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
  'resources': v.optional(v.array(v.unknown())),
  'detail': v.looseObject({}),
});

/** `arn:<partition>:sagemaker:<region>:<account>:monitoring-schedule/<name>` */
const SCHEDULE_ARN = /^arn:aws[a-z-]*:sagemaker:([a-z0-9-]+):(\d{12}):monitoring-schedule\/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})$/;
/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>` */
const ALARM_ARN = /^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/;

const ProcessingJobDetail = v.looseObject({
  ProcessingJobName: name,
  ProcessingJobArn: v.optional(v.string()),
  ProcessingJobStatus: v.string(),
  ExitMessage: v.optional(v.string()),
  MonitoringScheduleArn: v.optional(v.string()),
  Environment: v.optional(v.record(v.string(), v.string())),
});

const AlarmDetail = v.looseObject({
  alarmName: name,
  state: v.looseObject({ value: v.string(), reason: v.optional(v.string()), timestamp: v.optional(v.string()) }),
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

function isMonitored(watch: WatchList, account: string, region: string): boolean {
  return watch.environments.some((e) => e.account === account && e.region === region);
}

/** The monitored environments, for a log line. */
function monitoredList(watch: WatchList): string {
  return watch.environments.map((e) => `${e.account}/${e.region}`).join(', ') || 'none';
}

function isWatched(watch: WatchList, endpoint: string, schedule: string): boolean {
  return (endpoint !== '' && watch.endpoints.has(endpoint)) || (schedule !== '' && hasIgnoringCase(watch.monitoringSchedules, schedule));
}

/** SageMaker names are case-insensitive where it reports them in ARNs (it may lower-case them). */
function hasIgnoringCase(names: ReadonlySet<string>, name: string): boolean {
  const lower = name.toLowerCase();
  for (const n of names) if (n.toLowerCase() === lower) return true;
  return false;
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
    return classifyMonitoringExecution(e, watch);
  }
  if (e['detail-type'] === ALARM_STATE_CHANGE && e.source === 'aws.cloudwatch') {
    return classifyAlarm(e, watch);
  }
  return { kind: 'ignored', eventId: e.id, reason: `not a drift event: ${e.source} '${e['detail-type']}'` };
}

type Envelope = v.InferOutput<typeof Envelope>;

/**
 * A monitoring execution's event must name its schedule by ARN, and the ARN's account and region
 * must be a monitored environment, agreeing with the event's own `account` and `region`: the account
 * the event comes from, on which a receiving account's rules match events "from the sender account"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html). A schedule named
 * like a watched one in any other account or region retrains nothing.
 */
function classifyMonitoringExecution(e: Envelope, watch: WatchList): Classification {
  const eventId = e.id;
  const parsed = v.safeParse(ProcessingJobDetail, e.detail);
  if (!parsed.success) {
    return { kind: 'malformed', problems: problemsOf(parsed.issues) };
  }
  const job = parsed.output;
  const env = job.Environment ?? {};
  if (!job.MonitoringScheduleArn) {
    return { kind: 'ignored', eventId, reason: `processing job ${job.ProcessingJobName} is not a monitoring execution (no MonitoringScheduleArn)` };
  }
  if (job.ProcessingJobStatus !== 'Completed' || !VIOLATIONS.test(job.ExitMessage ?? '')) {
    return { kind: 'ignored', eventId, reason: `monitoring execution ${job.ProcessingJobName} is ${job.ProcessingJobStatus} without violations` };
  }
  const arn = SCHEDULE_ARN.exec(job.MonitoringScheduleArn);
  if (!arn) {
    return { kind: 'malformed', problems: `detail.MonitoringScheduleArn '${job.MonitoringScheduleArn.slice(0, 300)}' is not a monitoring schedule ARN` };
  }
  const [, region, account, schedule] = arn;
  const endpoint = env.MLOPS_ENDPOINT_NAME || env.sagemaker_endpoint_name || '';
  if (!isWatched(watch, endpoint, schedule)) {
    return { kind: 'ignored', eventId, reason: `monitoring schedule '${schedule}' of endpoint '${endpoint}' is not watched by this project` };
  }
  // Both must be present: EventBridge puts `account` and `region` in "all events delivered to an
  // event bus" (EventBridge User Guide, eb-events-structure), so an event without them was not
  // delivered by EventBridge, and the schedule ARN alone is not the event's own word.
  if (!isMonitored(watch, account, region) || e.account !== account || e.region !== region) {
    return {
      kind: 'foreign',
      eventId,
      reason: `monitoring schedule ${job.MonitoringScheduleArn} (event from ${e.account ?? '?'}/${e.region ?? '?'}) is not in a monitored environment (${monitoredList(watch)})`,
    };
  }
  const monitorType = env.MLOPS_MONITOR_TYPE || MONITOR_TYPE_BY_ANALYSIS.get(env.analysis_type ?? '') || monitorTypeOfSchedule(schedule);
  const count = VIOLATION_COUNT.exec(job.ExitMessage ?? '')?.[1];
  return {
    kind: 'drift',
    signal: {
      eventId,
      key: `execution:${job.ProcessingJobArn || `${account}/${region}/${job.ProcessingJobName}`}`,
      monitorType,
      metric: 'constraint_violations',
      endpoint,
      monitoringSchedule: schedule,
      origin: `${account}/${region}`,
      reason: `${monitorType} monitoring execution ${job.ProcessingJobName} completed with ${count ?? 'some'} constraint violation(s)`,
    },
  };
}

/**
 * An alarm's event must come from a monitored environment: its `account` and `region`, and the
 * alarm ARN in its `resources` when there is one, must agree.
 */
function classifyAlarm(e: Envelope, watch: WatchList): Classification {
  const eventId = e.id;
  const parsed = v.safeParse(AlarmDetail, e.detail);
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
  const alarmArn = (e.resources ?? []).find((r): r is string => typeof r === 'string' && ALARM_ARN.test(r));
  const fromArn = alarmArn ? ALARM_ARN.exec(alarmArn)! : undefined;
  const account = e.account ?? '';
  const region = e.region ?? '';
  if (!isMonitored(watch, account, region) || (fromArn && (fromArn[2] !== account || fromArn[1] !== region))) {
    return {
      kind: 'foreign',
      eventId,
      reason: `alarm ${alarmArn ?? alarm.alarmName} (event from ${account || '?'}/${region || '?'}) is not in a monitored environment (${monitoredList(watch)})`,
    };
  }
  return {
    kind: 'drift',
    signal: {
      eventId,
      key: `alarm:${alarmArn ?? `${account}/${region}/${alarm.alarmName}`}@${alarm.state.timestamp ?? eventId}`,
      monitorType,
      metric: metric.name,
      endpoint,
      monitoringSchedule: schedule,
      origin: `${account}/${region}`,
      reason: `alarm ${alarm.alarmName}: ${monitorType} metric ${metric.name} breached its threshold`,
    },
  };
}
