/** Drift events as SageMaker and CloudWatch put them on the bus (shapes in drift-signal.ts). */

/** The production account and region the tests' handlers monitor. */
export const ACCOUNT = '222222222222';
export const REGION = 'us-east-1';
/** Where staging runs: same names, not monitored. */
export const STAGING_ACCOUNT = '444444444444';
export const PRODUCTION = { account: ACCOUNT, region: REGION };

export function monitoringViolationEvent(opts: {
  id: string;
  endpoint?: string;
  schedule?: string;
  monitorType?: string;
  status?: string;
  exitMessage?: string;
  account?: string;
  region?: string;
  /** The account and region the event says it came from, when they differ from the schedule's. */
  eventAccount?: string;
  eventRegion?: string;
  processingJobName?: string;
}): Record<string, unknown> {
  const schedule = opts.schedule ?? 'churn-prod-data-quality';
  const account = opts.account ?? ACCOUNT;
  const region = opts.region ?? REGION;
  const job = opts.processingJobName ?? 'model-monitoring-202611230100-abc';
  const environment: Record<string, string> = {
    sagemaker_endpoint_name: opts.endpoint ?? 'churn-prod',
    sagemaker_monitoring_schedule_name: schedule,
    dataset_format: '{"sagemakerCaptureJson":{"captureIndexNames":["endpointInput","endpointOutput"]}}',
    publish_cloudwatch_metrics: 'Enabled',
  };
  if (opts.monitorType) environment.MLOPS_MONITOR_TYPE = opts.monitorType;
  return {
    'version': '0',
    'id': opts.id,
    'detail-type': 'SageMaker Processing Job State Change',
    'source': 'aws.sagemaker',
    'account': opts.eventAccount ?? account,
    'time': '2026-11-23T01:02:03Z',
    'region': opts.eventRegion ?? region,
    'resources': [`arn:aws:sagemaker:${region}:${account}:processing-job/${job}`],
    'detail': {
      ProcessingJobName: job,
      ProcessingJobArn: `arn:aws:sagemaker:${region}:${account}:processing-job/${job}`,
      ProcessingJobStatus: opts.status ?? 'Completed',
      ExitMessage: opts.exitMessage ?? 'CompletedWithViolations: Job completed successfully with 3 violations.',
      MonitoringScheduleArn: `arn:aws:sagemaker:${region}:${account}:monitoring-schedule/${schedule}`,
      Environment: environment,
    },
  };
}

export function alarmEvent(opts: {
  id: string;
  endpoint?: string;
  schedule?: string;
  namespace?: string;
  metric?: string;
  state?: string;
  account?: string;
  region?: string;
  /** When the alarm changed state: one change, however many times it is delivered. */
  stateTimestamp?: string;
}): Record<string, unknown> {
  const account = opts.account ?? ACCOUNT;
  const region = opts.region ?? REGION;
  return {
    'version': '0',
    'id': opts.id,
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': account,
    'time': '2026-11-23T01:02:03Z',
    'region': region,
    'resources': [`arn:aws:cloudwatch:${region}:${account}:alarm:churn-drift`],
    'detail': {
      alarmName: 'churn-drift',
      state: { value: opts.state ?? 'ALARM', reason: 'Threshold Crossed', timestamp: opts.stateTimestamp ?? '2026-11-23T01:02:03.000+0000' },
      previousState: { value: 'OK', reason: 'ok', timestamp: '2026-11-22T01:02:03.000+0000' },
      configuration: {
        metrics: [{
          id: 'm1',
          metricStat: {
            metric: {
              namespace: opts.namespace ?? 'aws/sagemaker/Endpoints/data-metrics',
              name: opts.metric ?? 'feature_baseline_drift_tenure',
              dimensions: { Endpoint: opts.endpoint ?? 'churn-prod', MonitoringSchedule: opts.schedule ?? 'churn-prod-data-quality' },
            },
            period: 3600,
            stat: 'Maximum',
          },
          returnData: true,
        }],
      },
    },
  };
}
