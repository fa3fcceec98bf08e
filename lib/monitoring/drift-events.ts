import { Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';

/** `detail-type` of the event a Model Monitor execution's processing job emits when it ends. */
export const PROCESSING_JOB_STATE_CHANGE = 'SageMaker Processing Job State Change';
/** `detail-type` of a CloudWatch alarm's state change. */
export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

/** SageMaker resource names (endpoints, monitoring schedules, job definitions). */
export const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/**
 * Monitoring executions that completed with violations: the processing job of a monitoring
 * execution completes with an `ExitMessage` beginning `CompletedWithViolations`.
 */
export function violationsPattern(options: { scheduleNames?: string[]; scheduleArns?: string[] } = {}): events.EventPattern {
  const schedules = options.scheduleArns
    ?? (options.scheduleNames ? events.Match.anyOf(...options.scheduleNames.map((n) => events.Match.suffix(`:monitoring-schedule/${n}`))) : undefined);
  return {
    source: ['aws.sagemaker'],
    detailType: [PROCESSING_JOB_STATE_CHANGE],
    detail: {
      ProcessingJobStatus: ['Completed'],
      ExitMessage: events.Match.prefix('CompletedWithViolations'),
      ...(schedules ? { MonitoringScheduleArn: schedules } : {}),
    },
  };
}

/** Alarms on Model Monitor metrics (namespaces `aws/sagemaker/Endpoints/…` and `aws/sagemaker/ModelMonitoring/…`) entering ALARM. */
export function monitorAlarmPattern(options: { scheduleNames?: string[] } = {}): events.EventPattern {
  return {
    source: ['aws.cloudwatch'],
    detailType: [ALARM_STATE_CHANGE],
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
