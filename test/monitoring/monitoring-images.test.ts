import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ModelMonitor, MonitoringBaseline, MonitoringTarget } from '../../lib/monitoring';
import { monitoringImageRegions, MonitoringImageKind } from '../../lib/monitoring/monitoring-images';

// The expected lists are the SageMaker Python SDK's image URI configuration (v3.20.0,
// sagemaker-core/src/sagemaker/core/image_uri_config/model-monitor.json and clarify.json).
const SDK_MODEL_MONITOR_REGIONS = ['af-south-1', 'ap-east-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1',
  'ap-southeast-2', 'ap-southeast-3', 'ca-central-1', 'cn-north-1', 'cn-northwest-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1',
  'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1', 'sa-east-1', 'us-east-1', 'us-east-2',
  'us-isof-east-1', 'us-isof-south-1', 'us-west-1', 'us-west-2'];

function dataQualityMonitor(stack: Stack): ModelMonitor {
  return new ModelMonitor(stack, 'Monitor', {
    target: MonitoringTarget.endpoint({ endpointName: 'churn-prod', dataCaptureEnabled: true, dataCaptureS3Uri: 's3://churn-capture/churn-prod' }),
    dataQuality: {
      baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: 's3://churn-baselines/dq/constraints.json', statisticsS3Uri: 's3://churn-baselines/dq/statistics.json' }),
    },
  });
}

describe('first-party monitoring images', () => {
  test('a region-agnostic template maps every region the SageMaker Python SDK knows an analyzer image for', () => {
    // GIVEN a template deployed to whatever region the promotion targets
    const stack = new Stack(new App(), 'Template');
    // WHEN
    dataQualityMonitor(stack);
    // THEN
    const mapping = Template.fromStack(stack).toJSON().Mappings.SageMakerModelMonitorImageAccounts;
    expect(Object.keys(mapping).sort()).toEqual(SDK_MODEL_MONITOR_REGIONS);
    expect(monitoringImageRegions(MonitoringImageKind.MODEL_MONITOR)).toEqual(SDK_MODEL_MONITOR_REGIONS);
    expect(mapping['eu-south-2']).toEqual({ account: '437450045455' });
  });

  test('Clarify images follow the SDK too (ap-northeast-3 is 912233562940)', () => {
    expect(monitoringImageRegions(MonitoringImageKind.CLARIFY)).toContain('us-gov-west-1');
    const stack = new Stack(new App(), 'Template', { env: { account: '333333333333', region: 'ap-northeast-3' } });
    new ModelMonitor(stack, 'Monitor', {
      target: MonitoringTarget.endpoint({ endpointName: 'churn-prod', dataCaptureEnabled: true, dataCaptureS3Uri: 's3://churn-capture/churn-prod' }),
      modelExplainability: {
        analysisConfigS3Uri: 's3://churn-baselines/explainability/analysis_config.json',
        baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: 's3://churn-baselines/explainability/constraints.json' }),
      },
    });
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).toContain('912233562940.dkr.ecr.ap-northeast-3.');
  });

  test('fails at synth in a region without an image, naming the regions that have one', () => {
    const stack = new Stack(new App(), 'Production', { env: { account: '333333333333', region: 'mx-central-1' } });
    expect(() => dataQualityMonitor(stack)).toThrow(/dataQuality: SageMaker publishes no Model Monitor image in region mx-central-1; it does in af-south-1, ap-east-1, .*, us-west-2/);
  });
});
