/** Drift events as SageMaker and CloudWatch put them on the bus (shapes in drift-signal.ts). */

export const ACCOUNT = '222222222222';

export function monitoringViolationEvent(opts: {
  id: string;
  endpoint?: string;
  schedule?: string;
  monitorType?: string;
  status?: string;
  exitMessage?: string;
}): Record<string, unknown> {
  const schedule = opts.schedule ?? 'churn-prod-data-quality';
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
    'account': ACCOUNT,
    'time': '2026-11-23T01:02:03Z',
    'region': 'us-east-1',
    'resources': [`arn:aws:sagemaker:us-east-1:${ACCOUNT}:processing-job/model-monitoring-202611230100-abc`],
    'detail': {
      ProcessingJobName: 'model-monitoring-202611230100-abc',
      ProcessingJobArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:processing-job/model-monitoring-202611230100-abc`,
      ProcessingJobStatus: opts.status ?? 'Completed',
      ExitMessage: opts.exitMessage ?? 'CompletedWithViolations: Job completed successfully with 3 violations.',
      MonitoringScheduleArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:monitoring-schedule/${schedule}`,
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
}): Record<string, unknown> {
  return {
    'version': '0',
    'id': opts.id,
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': ACCOUNT,
    'time': '2026-11-23T01:02:03Z',
    'region': 'us-east-1',
    'resources': [`arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:churn-drift`],
    'detail': {
      alarmName: 'churn-drift',
      state: { value: opts.state ?? 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-11-23T01:02:03.000+0000' },
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
