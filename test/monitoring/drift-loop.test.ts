import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ModelDeploymentStack } from '../../lib/deployment';
import { ModelBuildPipeline } from '../../lib/pipeline';
import { DriftRetraining, EventForwarding, ForwardedEvents, ModelMonitor, MonitoringBaseline, MonitoringTarget, PlatformEventBus } from '../../lib/monitoring';
import { complianceProblems } from '../harness/compliance';

const TOOLING = { account: '111111111111', region: 'us-east-1' };
const PRODUCTION = { account: '333333333333', region: 'us-east-1' };

/**
 * The loop across accounts, as the reference platform wires it: the production deployment stack
 * monitors its endpoint against the deployed package's baselines; the production account forwards
 * its monitoring executions and alarms to the tooling bus (one route: the monitor forwards nothing
 * itself), which admits production for exactly those; drift from production there starts the
 * project's build pipeline.
 */
function buildLoop(app: App) {
  const tooling = new Stack(app, 'Tooling', { env: TOOLING });
  const bus = new PlatformEventBus(tooling, 'Bus', { sources: [{ account: PRODUCTION.account, events: ForwardedEvents.production() }], eventBusName: 'mlops-platform' });
  const pipeline = ModelBuildPipeline.fromPipelineName(tooling, 'Pipeline', 'churn-build');
  const forwarding = new Stack(app, 'ProductionPlatform', { env: PRODUCTION });
  new EventForwarding(forwarding, 'Forward', { targetEventBusArn: `arn:aws:events:${TOOLING.region}:${TOOLING.account}:event-bus/mlops-platform` });

  // Environment-agnostic, like the template the promotion pipeline deploys to each production account.
  const production = new ModelDeploymentStack(app, 'ChurnProduction', { endpoint: { endpointName: 'churn-production' } });
  const monitor = new ModelMonitor(production, 'Monitor', {
    target: MonitoringTarget.fromModelEndpoint(production.endpoint),
    dataQuality: {
      baseline: MonitoringBaseline.fromModelPackage(production.modelPackageArnParameter.valueAsString),
      featureDriftThresholds: { tenure: 0.2 },
    },
  });
  const drift = new DriftRetraining(tooling, 'ChurnDrift', { pipeline, monitors: [monitor], eventBus: bus.eventBus, monitoredEnvironments: [PRODUCTION] });
  return { tooling, production, forwarding, monitor, drift };
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
          MONITORED_ENVIRONMENTS: JSON.stringify([PRODUCTION]),
        }),
      },
    });
    expect(loop.monitor.monitoringScheduleNames).toEqual([`${loop.production.endpointName}-data-quality`]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/Fn::ImportValue/);
    // The rules deliver only this project's schedules, from production only: their exact ARNs there.
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        account: [PRODUCTION.account],
        region: [PRODUCTION.region],
        detail: Match.objectLike({
          MonitoringScheduleArn: [{ 'equals-ignore-case': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:${PRODUCTION.region}:${PRODUCTION.account}:monitoring-schedule/${loop.monitor.monitoringScheduleNames[0]}`]] } }],
        }),
      }),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: Match.objectLike({ configuration: { metrics: { metricStat: { metric: Match.objectLike({ dimensions: { MonitoringSchedule: loop.monitor.monitoringScheduleNames } }) } } } }),
      }),
    });
  });

  test('the production account forwards to the bus that admits it, by one route: the monitor forwards nothing itself', () => {
    Template.fromStack(loop.forwarding).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['SageMaker Processing Job State Change'] }),
      Targets: [Match.objectLike({ Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/mlops-platform' })],
    });
    const productionRules = Template.fromStack(loop.production).findResources('AWS::Events::Rule');
    expect(Object.values(productionRules).flatMap((r) => r.Properties.Targets ?? [])).toEqual([]);
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
