import { globsIntersect, HOLE, hasHole } from '../../checks/assembly-model';

/**
 * An event an AWS resource of the app sends to EventBridge, as far as the template tells: the
 * fields the resource fixes (its name or ARN), every other field unknown.
 */
export interface SampleEvent {
  readonly source: string;
  readonly detailType: string;
  /** The `detail` fields the resource fixes; values may hold HOLE (text unknown at synth). */
  readonly detail: Record<string, unknown>;
  /** Dotted paths of `detail` that name the resource: left out of edge labels. */
  readonly identifying: readonly string[];
}

/** What the emitter table reads of a resource. */
export interface EmitterResource {
  readonly type: string;
  readonly properties: Record<string, any>;
  /** The physical name (HOLE where CloudFormation generates it). */
  readonly name: string;
  /** The ARN (HOLE where a part is unknown). */
  readonly arn: string;
  readonly evaluate: (value: unknown) => string;
}

/**
 * The events each resource type sends to the default event bus of its account and region ("Your
 * account's default event bus receives events from AWS services",
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_EventBus.html), with the fields
 * that name the resource:
 *
 * - SageMaker (the detail-types SageMaker sends, https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-sagemaker.html,
 *   and their example events, https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html): a model package group's packages
 *   (`SageMaker Model Package State Change`, `detail.ModelPackageGroupName`); an endpoint
 *   (`SageMaker Endpoint State Change` and `SageMaker Endpoint Deployment State Change`,
 *   `detail.EndpointName`); a pipeline's executions (`SageMaker Model Building Pipeline Execution
 *   Status Change`, `detail.pipelineArn`); a monitoring schedule's executions, which are
 *   processing jobs (`SageMaker Processing Job State Change`, whose detail is the processing job
 *   as DescribeProcessingJob describes it, with `MonitoringScheduleArn`, "the ARN of a monitoring
 *   schedule for an endpoint associated with this processing job": botocore sagemaker
 *   2017-07-24 DescribeProcessingJobResponse).
 * - S3, only for a bucket with `NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled`
 *   ("delivery of events to EventBridge can be either enabled or disabled for a bucket",
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-eventbridgeconfiguration.html):
 *   `Object Created` and `Object Deleted`, `detail.bucket.name`
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html).
 * - CloudWatch: an alarm's `CloudWatch Alarm State Change`, `detail.alarmName`, with the metrics
 *   it watches under `detail.configuration.metrics[].metricStat.metric`
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 * - CodePipeline: `CodePipeline Pipeline Execution State Change`, `detail.pipeline`
 *   (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html).
 */
export function eventsEmittedBy(r: EmitterResource): SampleEvent[] {
  const p = r.properties;
  switch (r.type) {
    case 'AWS::SageMaker::ModelPackageGroup':
      return [sagemaker('SageMaker Model Package State Change', { ModelPackageGroupName: r.name })];
    case 'AWS::SageMaker::Endpoint':
      return [
        sagemaker('SageMaker Endpoint State Change', { EndpointName: r.name }),
        sagemaker('SageMaker Endpoint Deployment State Change', { EndpointName: r.name }),
      ];
    case 'AWS::SageMaker::Pipeline':
      return [sagemaker('SageMaker Model Building Pipeline Execution Status Change', { pipelineArn: r.arn })];
    case 'AWS::SageMaker::MonitoringSchedule':
      return [sagemaker('SageMaker Processing Job State Change', { MonitoringScheduleArn: r.arn })];
    case 'AWS::S3::Bucket': {
      const enabled = r.evaluate(p.NotificationConfiguration?.EventBridgeConfiguration?.EventBridgeEnabled);
      if (enabled !== 'true') return [];
      return ['Object Created', 'Object Deleted'].map((detailType) => ({
        source: 'aws.s3', detailType, detail: { bucket: { name: r.name } }, identifying: ['bucket.name'],
      }));
    }
    case 'AWS::CloudWatch::Alarm':
      return [{
        source: 'aws.cloudwatch',
        detailType: 'CloudWatch Alarm State Change',
        detail: { alarmName: r.name, configuration: { metrics: alarmMetrics(p, r.evaluate) } },
        identifying: ['alarmName', 'configuration.metrics.metricStat.metric.dimensions'],
      }];
    case 'AWS::CodePipeline::Pipeline':
      return [{ source: 'aws.codepipeline', detailType: 'CodePipeline Pipeline Execution State Change', detail: { pipeline: r.name }, identifying: ['pipeline'] }];
    default:
      return [];
  }
}

function sagemaker(detailType: string, detail: Record<string, string>): SampleEvent {
  return { source: 'aws.sagemaker', detailType, detail, identifying: Object.keys(detail) };
}

/** The metrics of an alarm as its state-change event lists them: one metric, or the metrics of a math expression. */
function alarmMetrics(p: Record<string, any>, evaluate: (v: unknown) => string): unknown[] {
  const metric = (namespace: unknown, name: unknown, dimensions: unknown) => ({
    metricStat: {
      metric: {
        namespace: namespace === undefined ? HOLE : evaluate(namespace),
        name: name === undefined ? HOLE : evaluate(name),
        dimensions: Object.fromEntries((Array.isArray(dimensions) ? dimensions : []).map((d: any) => [evaluate(d?.Name), evaluate(d?.Value)])),
      },
    },
  });
  if (p.MetricName !== undefined) return [metric(p.Namespace, p.MetricName, p.Dimensions)];
  return (Array.isArray(p.Metrics) ? p.Metrics : [])
    .filter((m: any) => m?.MetricStat?.Metric)
    .map((m: any) => metric(m.MetricStat.Metric.Namespace, m.MetricStat.Metric.MetricName, m.MetricStat.Metric.Dimensions));
}

/** The event as a rule's pattern sees it. */
export function eventObject(e: SampleEvent, account: string | undefined, region: string | undefined): Record<string, unknown> {
  return { 'source': e.source, 'detail-type': e.detailType, 'account': account ?? HOLE, 'region': region ?? HOLE, 'detail': e.detail };
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Whether an event of which only some fields are known may match an EventBridge event pattern
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and its
 * comparison operators, eb-create-pattern-operators.html). A field the event leaves unknown may
 * hold anything, so it may match; a known field must match one of the values or operators of
 * its array; an array in the event matches when one of its elements does. Numeric and CIDR
 * operators cannot be judged on names and may match.
 */
export function patternMayMatch(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) return false;
  for (const [key, p] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(p) || !p.some((sub) => patternMayMatch(sub, event))) return false;
      continue;
    }
    const value = isObject(event) ? event[key] : undefined;
    if (value === undefined) continue;
    if (isObject(p)) {
      const candidates = Array.isArray(value) ? value : [value];
      if (!candidates.some((v) => isObject(v) && patternMayMatch(p, v))) return false;
      continue;
    }
    const matchers = Array.isArray(p) ? p : [p];
    const values = Array.isArray(value) ? value : [value];
    if (!matchers.some((m) => values.some((v) => matcherMayMatch(m, v)))) return false;
  }
  return true;
}

/** Whether two strings, HOLE in either standing for any text, can be the same string. */
const canEqual = (a: string, b: string) => globsIntersect(a, b, { wildcardsA: false, wildcardsB: false });

function matcherMayMatch(m: unknown, v: unknown): boolean {
  if (isObject(v) || Array.isArray(v)) return false;
  const text = String(v);
  if (typeof m === 'string' || typeof m === 'number' || typeof m === 'boolean') return canEqual(String(m), text);
  if (!isObject(m)) return false;
  if ('prefix' in m) return typeof m.prefix === 'string' ? canEqual(`${m.prefix}${HOLE}`, text) : true;
  if ('suffix' in m) return typeof m.suffix === 'string' ? canEqual(`${HOLE}${m.suffix}`, text) : true;
  if ('equals-ignore-case' in m) return typeof m['equals-ignore-case'] === 'string' ? globsIntersect(m['equals-ignore-case'], text, { wildcardsA: false, wildcardsB: false, ignoreCase: true }) : true;
  if ('wildcard' in m) return typeof m.wildcard === 'string' ? globsIntersect(m.wildcard, text, { wildcardsA: true, wildcardsB: false }) : true;
  if ('exists' in m) return m.exists !== false;
  if ('anything-but' in m) {
    if (hasHole(text)) return true;
    const but = m['anything-but'];
    if (typeof but === 'string' || typeof but === 'number') return String(but) !== text;
    if (Array.isArray(but)) return !but.map(String).includes(text);
    if (isObject(but) && typeof but.prefix === 'string') return !text.startsWith(but.prefix);
    if (isObject(but) && typeof but.suffix === 'string') return !text.endsWith(but.suffix);
    return true;
  }
  return true;
}

/** The event's detail-type without the service's name in front ("SageMaker Model Package State Change" -> "Model Package State Change"). */
export function shortDetailType(e: SampleEvent): string {
  const service = e.source.startsWith('aws.') ? e.source.slice(4) : '';
  const [first, ...rest] = e.detailType.split(' ');
  return rest.length > 0 && first.toLowerCase() === service ? rest.join(' ') : e.detailType;
}

/**
 * What an edge says of the events a rule takes from a resource: the detail-type, then the values
 * the rule's pattern requires of the detail other than the resource's name
 * ("Model Package State Change: Approved").
 */
export function eventLabel(pattern: unknown, e: SampleEvent): string {
  const values: string[] = [];
  const walk = (p: unknown, at: string) => {
    if (!isObject(p)) return;
    for (const [key, v] of Object.entries(p)) {
      const here = at ? `${at}.${key}` : key;
      if (e.identifying.some((id) => here === id || here.startsWith(`${id}.`))) continue;
      if (isObject(v)) walk(v, here);
      else for (const m of Array.isArray(v) ? v : [v]) values.push(...describeMatcher(m));
    }
  };
  walk(isObject(pattern) ? pattern.detail : undefined, '');
  const shown = [...new Set(values.filter((x) => !hasHole(x)))];
  const head = shortDetailType(e);
  if (shown.length === 0) return head;
  return `${head}: ${shown.slice(0, 3).join(', ')}${shown.length > 3 ? ', …' : ''}`;
}

function describeMatcher(m: unknown): string[] {
  if (typeof m === 'string' || typeof m === 'number' || typeof m === 'boolean') return [String(m)];
  if (!isObject(m)) return [];
  if (typeof m.prefix === 'string') return [`${m.prefix}…`];
  if (typeof m.suffix === 'string') return [`…${m.suffix}`];
  if (typeof m.wildcard === 'string') return [m.wildcard];
  if (typeof m['equals-ignore-case'] === 'string') return [m['equals-ignore-case']];
  if (typeof m['anything-but'] === 'string') return [`not ${m['anything-but']}`];
  return [];
}
