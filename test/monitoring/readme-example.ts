// The example of lib/monitoring/README.md, type-checked with the tests (tsconfig.dev.json); keep the two equal.
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  DriftRetraining, EventForwarding, ForwardedEvents, ModelBuildPipeline, ModelDeploymentStack, ModelMonitor,
  ModelQualityProblemType, MonitoringBaseline, MonitoringTarget, MonitorSchedule, PlatformEventBus,
} from '../../lib';

const app = new App();
const productionEnv = { account: '333333333333', region: 'eu-west-1' };

// Tooling account: the platform bus admits the production account, for what production forwards.
const tooling = new Stack(app, 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });
const bus = new PlatformEventBus(tooling, 'PlatformBus', {
  sources: [{ account: productionEnv.account, events: ForwardedEvents.production() }],
  eventBusName: 'mlops-platform',
});

// Production account: its monitoring executions and alarms go to the tooling bus, by this one route.
const forwarding = new Stack(app, 'ProductionForwarding', { env: productionEnv });
new EventForwarding(forwarding, 'ToTooling', { targetEventBusArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/mlops-platform' });

// Production: the deployed endpoint, monitored against the baselines of the package it serves.
const production = new ModelDeploymentStack(app, 'ChurnProduction', {
  env: productionEnv,
  endpoint: { endpointName: 'churn-production' },
});
const deployedPackage = production.modelPackageArnParameter.valueAsString;
const monitor = new ModelMonitor(production, 'Monitor', {
  target: MonitoringTarget.fromModelEndpoint(production.endpoint),
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

// Drift of that endpoint, from that account and region only, retrains the build pipeline, at most once a day.
new DriftRetraining(tooling, 'ChurnDrift', {
  pipeline: ModelBuildPipeline.fromPipelineName(tooling, 'ChurnBuild', 'churn-build'),
  monitors: [monitor],
  monitoredEnvironments: [productionEnv],
  eventBus: bus.eventBus,
  cooldown: Duration.days(1),
});

export { app };
