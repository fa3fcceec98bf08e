import { readFileSync } from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { build } from '../../bin/app';
import { DriftRetraining, ModelMonitor, MonitoringBaseline, MonitoringTarget } from '../../lib/monitoring';
import { MlopsPlatform, MlopsProject } from '../../lib/project';
import { complianceProblems } from '../harness/compliance';

/** The reference app's accounts, region and feature flags, as `cdk synth` reads them. */
const CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;

/**
 * What the lead adds to bin/app.ts (see the final report): every project's production template
 * monitors its endpoint against the deployed package's baselines and forwards drift to the
 * platform bus; drift retrains the project's build pipeline.
 */
export function monitorEveryProduction(platform: MlopsPlatform, projects: MlopsProject[], baselineOf: (project: MlopsProject) => MonitoringBaseline): void {
  for (const project of projects) {
    const deployment = project.productionDeployment;
    const monitor = new ModelMonitor(deployment, 'Monitor', {
      target: MonitoringTarget.fromModelEndpoint(deployment.endpoint),
      eventBus: events.EventBus.fromEventBusArn(deployment, 'PlatformBus', platform.eventBusArn),
      dataQuality: { baseline: baselineOf(project) },
    });
    if (project.buildPipeline) {
      new DriftRetraining(project.toolingStack, 'DriftRetraining', {
        pipeline: project.buildPipeline,
        monitors: [monitor],
        eventBus: platform.eventBus.eventBus,
        topic: project.notificationTopic,
        encryptionKey: project.encryptionKey,
      });
    }
  }
}

/** Baselines the build writes to a fixed place per project (what works with promotion today). */
const s3Baselines = (project: MlopsProject) => MonitoringBaseline.fromS3({
  constraintsS3Uri: `s3://mlops-${project.projectName}-baselines/data-quality/constraints.json`,
  statisticsS3Uri: `s3://mlops-${project.projectName}-baselines/data-quality/statistics.json`,
});
/** The deployed package's own drift-check baselines (the intended design; see the known gap below). */
const packageBaselines = (project: MlopsProject) =>
  MonitoringBaseline.fromModelPackage(project.productionDeployment.modelPackageArnParameter.valueAsString);

function referenceApp(app: App, baselineOf: (project: MlopsProject) => MonitoringBaseline = s3Baselines): { platform: MlopsPlatform; projects: MlopsProject[] } {
  for (const [k, v] of Object.entries(CONTEXT)) app.node.setContext(k, v);
  build(app);
  const all = app.node.findAll();
  const platform = all.find((c): c is MlopsPlatform => c instanceof MlopsPlatform)!;
  const projects = all.filter((c): c is MlopsProject => c instanceof MlopsProject);
  monitorEveryProduction(platform, projects, baselineOf);
  return { platform, projects };
}

describe('the reference platform with monitoring wired in', () => {
  let ref: ReturnType<typeof referenceApp>;
  let assemblyDir: string;

  beforeAll(() => {
    const app = new App();
    ref = referenceApp(app);
    assemblyDir = app.synth().directory;
  });

  // The deployment templates are assets of the tooling stack, not stacks of the assembly.
  const templateOf = (stack: Stack) => Template.fromJSON(JSON.parse(readFileSync(path.join(assemblyDir, stack.templateFile), 'utf8')));

  test('every project has a build pipeline to retrain', () => {
    expect(ref.projects.length).toBeGreaterThanOrEqual(2);
    expect(ref.projects.every((p) => p.buildPipeline !== undefined)).toBe(true);
  });

  test('every production template monitors its endpoint and every project closes the loop', () => {
    for (const project of ref.projects) {
      templateOf(project.productionDeployment).hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
        EndpointName: project.productionDeployment.endpointName,
        MonitoringScheduleConfig: Match.objectLike({ MonitoringType: 'DataQuality' }),
      });
      Template.fromStack(project.toolingStack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ PIPELINE_NAME: project.buildPipeline!.pipelineName, WATCHED_ENDPOINTS: JSON.stringify([project.productionDeployment.endpointName]) }) },
      });
    }
  });

  // Known gap, reported to the lead: PromotionDeployTarget derives the deploy role's permissions
  // from the template's resource types and has none for the inline Lambda function and custom
  // resource that read the package's baselines. When it does, this fails: move the reference app
  // to package baselines and drop this test.
  test('known gap: with package baselines the promotion deploy target cannot derive its permissions yet', () => {
    const app = new App();
    referenceApp(app, packageBaselines);
    expect(() => app.synth()).toThrow(/cannot derive CloudFormation permissions for AWS::Lambda::Function, Custom::ModelPackageBaselines in template/);
  });

  test('is compliant', () => {
    expect(complianceProblems((app) => {
      referenceApp(app);
    })).toEqual([]);
  });
});
