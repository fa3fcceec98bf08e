import { Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';

/** `detail-type` of the event a Model Monitor execution's processing job emits when it ends. */
export const PROCESSING_JOB_STATE_CHANGE = 'SageMaker Processing Job State Change';
/** `detail-type` of a CloudWatch alarm's state change. */
export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

/** SageMaker resource names (endpoints, monitoring schedules, job definitions). */
export const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** An account and region, for the patterns of where drift may come from. */
export interface DriftOrigin {
  readonly account: string;
  readonly region: string;
}

/** The ARN of a monitoring schedule, `arn:<partition>:sagemaker:<region>:<account>:monitoring-schedule/<name>`. */
export function monitoringScheduleArn(partition: string, origin: DriftOrigin, name: string): string {
  return `arn:${partition}:sagemaker:${origin.region}:${origin.account}:monitoring-schedule/${name}`;
}

/**
 * Monitoring executions that completed with violations: the processing job of a monitoring
 * execution completes with an `ExitMessage` beginning `CompletedWithViolations`.
 *
 * With `origins` (and a partition), only events whose `account` and `region` are one of them, and
 * with schedule names, only the schedules' exact ARNs in those accounts and regions (matched
 * ignoring case: EventBridge's `equals-ignore-case`), never a name suffix from anywhere.
 */
export function violationsPattern(options: { scheduleNames?: string[]; scheduleArns?: string[]; origins?: DriftOrigin[]; partition?: string } = {}): events.EventPattern {
  let schedules: string[] | undefined = options.scheduleArns;
  if (!schedules && options.scheduleNames) {
    schedules = options.origins && options.partition
      ? events.Match.anyOf(...options.origins.flatMap((o) => options.scheduleNames!.map((n) => events.Match.equalsIgnoreCase(monitoringScheduleArn(options.partition!, o, n)))))
      : events.Match.anyOf(...options.scheduleNames.map((n) => events.Match.suffix(`:monitoring-schedule/${n}`)));
  }
  return {
    source: ['aws.sagemaker'],
    detailType: [PROCESSING_JOB_STATE_CHANGE],
    ...originFilter(options.origins),
    detail: {
      ProcessingJobStatus: ['Completed'],
      ExitMessage: events.Match.prefix('CompletedWithViolations'),
      ...(schedules ? { MonitoringScheduleArn: schedules } : {}),
    },
  };
}

/** The `account` and `region` fields of a pattern admitting exactly these origins' accounts and regions. */
function originFilter(origins: DriftOrigin[] | undefined): { account?: string[]; region?: string[] } {
  if (!origins || origins.length === 0) return {};
  return {
    account: [...new Set(origins.map((o) => o.account))],
    region: [...new Set(origins.map((o) => o.region))],
  };
}

/** Alarms on Model Monitor metrics (namespaces `aws/sagemaker/Endpoints/…` and `aws/sagemaker/ModelMonitoring/…`) entering ALARM. */
export function monitorAlarmPattern(options: { scheduleNames?: string[]; origins?: DriftOrigin[] } = {}): events.EventPattern {
  return {
    source: ['aws.cloudwatch'],
    detailType: [ALARM_STATE_CHANGE],
    ...originFilter(options.origins),
    detail: {
      state: { value: ['ALARM'] },
      configuration: {
        metrics: {
          metricStat: {
            metric: {
              namespace: events.Match.prefix('aws/sagemaker/'),
              ...(options.scheduleNames ? { dimensions: { MonitoringSchedule: options.scheduleNames } } : {}),
            },
          },
        },
      },
    },
  };
}

/** Names that are not SageMaker names (tokens are skipped), quoted for an error message. */
export function badNames(names: readonly string[] | undefined): string[] {
  return (names ?? []).filter((n) => !Token.isUnresolved(n) && !SAGEMAKER_NAME.test(n)).map((n) => JSON.stringify(n));
}

/**
 * EventBridge acting for a rule of this stack's account and region: for the trust of a target role
 * and the key of a dead-letter queue. EventBridge sets `aws:SourceArn` to the rule's ARN and
 * `aws:SourceAccount` to the rule's account ("For EventBridge event bus rule targets, the value of
 * aws:SourceArn must be the rule ARN",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html).
 * The rule's own ARN would make the trust and the rule refer to each other, so the pattern names
 * this account's rules.
 */
export function eventBridgeOfThisAccount(stack: Stack): iam.ServicePrincipal {
  return new iam.ServicePrincipal('events.amazonaws.com', {
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/*` },
    },
  });
}
