import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { ModelDeploymentStack } from '../../lib/deployment';
import { ModelBuildPipeline } from '../../lib/pipeline';
import { DriftRetraining, ModelMonitor, MonitoringBaseline, MonitoringTarget, PlatformEventBus } from '../../lib/monitoring';
import { complianceProblems } from '../harness/compliance';

const TOOLING = { account: '111111111111', region: 'us-east-1' };
const PRODUCTION = { account: '333333333333', region: 'us-east-1' };

/**
 * The loop across accounts, as the reference platform wires it: the production deployment stack
 * monitors its endpoint against the deployed package's baselines and forwards drift to the
 * tooling bus, which admits production; drift there starts the project's build pipeline.
 */
function buildLoop(app: App) {
  const tooling = new Stack(app, 'Tooling', { env: TOOLING });
  const bus = new PlatformEventBus(tooling, 'Bus', { sourceAccounts: [PRODUCTION.account], eventBusName: 'mlops-platform' });
  const pipeline = ModelBuildPipeline.fromPipelineName(tooling, 'Pipeline', 'churn-build');

  // Environment-agnostic, like the template the promotion pipeline deploys to each production account.
  const production = new ModelDeploymentStack(app, 'ChurnProduction', { endpoint: { endpointName: 'churn-production' } });
  const monitor = new ModelMonitor(production, 'Monitor', {
    target: MonitoringTarget.fromModelEndpoint(production.endpoint),
    eventBus: events.EventBus.fromEventBusArn(production, 'ToolingBus', `arn:aws:events:${TOOLING.region}:${TOOLING.account}:event-bus/mlops-platform`),
    dataQuality: {
      baseline: MonitoringBaseline.fromModelPackage(production.modelPackageArnParameter.valueAsString),
      featureDriftThresholds: { tenure: 0.2 },
    },
  });
  const drift = new DriftRetraining(tooling, 'ChurnDrift', { pipeline, monitors: [monitor], eventBus: bus.eventBus });
  return { tooling, production, monitor, drift };
}

describe('the drift loop across accounts', () => {
  let loop: ReturnType<typeof buildLoop>;

  beforeAll(() => {
    loop = buildLoop(new App());
  });

  test('the monitor watches the deployed endpoint, reading its captured data and the package baselines', () => {
    const template = Template.fromStack(loop.production);
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityJobInput: { EndpointInput: Match.objectLike({ EndpointName: loop.production.endpointName }) },
    });
    template.hasResourceProperties('Custom::ModelPackageBaselines', { ModelPackageArn: { Ref: 'ModelPackageArn' } });
    expect(loop.monitor.monitoringScheduleNames[0]).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
  });

  test('the drift handler watches exactly the monitored endpoint and its schedules, with no cross-stack reference', () => {
    const template = Template.fromStack(loop.tooling);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          WATCHED_ENDPOINTS: JSON.stringify([loop.production.endpointName]),
          WATCHED_MONITORING_SCHEDULES: JSON.stringify(loop.monitor.monitoringScheduleNames),
        }),
      },
    });
    expect(loop.monitor.monitoringScheduleNames).toEqual([`${loop.production.endpointName}-data-quality`]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/Fn::ImportValue/);
    // The rules deliver only this project's schedules.
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: Match.objectLike({ MonitoringScheduleArn: [{ suffix: `:monitoring-schedule/${loop.monitor.monitoringScheduleNames[0]}` }] }),
      }),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: Match.objectLike({ configuration: { metrics: { metricStat: { metric: Match.objectLike({ dimensions: { MonitoringSchedule: loop.monitor.monitoringScheduleNames } }) } } } }),
      }),
    });
  });

  test('the production account forwards to the bus that admits it', () => {
    Template.fromStack(loop.production).hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/mlops-platform' })],
    });
    Template.fromStack(loop.tooling).hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({ Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([':iam::333333333333:root'])] } } }),
    });
  });

  test('both accounts are compliant', () => {
    expect(complianceProblems((app) => {
      buildLoop(app);
    })).toEqual([]);
  });
});
