// The example of lib/monitoring/README.md, type-checked with the tests (tsconfig.dev.json); keep the two equal.
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import {
  DriftRetraining, ModelBuildPipeline, ModelDeploymentStack, ModelMonitor, ModelQualityProblemType,
  MonitoringBaseline, MonitoringTarget, MonitorSchedule, PlatformEventBus,
} from '../../lib';

const app = new App();

// Tooling account: the platform bus admits the production account.
const tooling = new Stack(app, 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });
const bus = new PlatformEventBus(tooling, 'PlatformBus', { sourceAccounts: ['333333333333'], eventBusName: 'mlops-platform' });

// Production: the deployed endpoint, monitored against the baselines of the package it serves.
const production = new ModelDeploymentStack(app, 'ChurnProduction', {
  env: { account: '333333333333', region: 'eu-west-1' },
  endpoint: { endpointName: 'churn-production' },
});
const deployedPackage = production.modelPackageArnParameter.valueAsString;
const monitor = new ModelMonitor(production, 'Monitor', {
  target: MonitoringTarget.fromModelEndpoint(production.endpoint),
  eventBus: events.EventBus.fromEventBusArn(production, 'ToolingBus', 'arn:aws:events:eu-west-1:111111111111:event-bus/mlops-platform'),
  dataQuality: {
    baseline: MonitoringBaseline.fromModelPackage(deployedPackage),
    featureDriftThresholds: { tenure: 0.2, monthly_charges: 0.2 },
  },
  modelQuality: {
    problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
    groundTruthS3Uri: 's3://churn-ground-truth/labels',
    baseline: MonitoringBaseline.fromModelPackage(deployedPackage),
    probabilityAttribute: '0',
    probabilityThresholdAttribute: 0.5,
    schedule: MonitorSchedule.daily(2),
    alarms: [{ metricName: 'f1', threshold: 0.7, comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD }],
  },
});

// Drift of that endpoint retrains the project's build pipeline, at most once a day.
new DriftRetraining(tooling, 'ChurnDrift', {
  pipeline: ModelBuildPipeline.fromPipelineName(tooling, 'ChurnBuild', 'churn-build'),
  monitors: [monitor],
  eventBus: bus.eventBus,
  cooldown: Duration.days(1),
});

export { app };
