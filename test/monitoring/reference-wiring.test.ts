import { readFileSync } from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { build } from '../../bin/app';
import { ModelMonitor, MonitoringBaseline, MonitoringTarget } from '../../lib/monitoring';
import { MlopsPlatform, MlopsProject } from '../../lib/project';

/** The reference app's accounts, region and feature flags, as `cdk synth` reads them. */
const CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;

describe('the reference platform closes the drift loop', () => {
  let projects: MlopsProject[];
  let assemblyDir: string;

  beforeAll(() => {
    const app = new App({ context: CONTEXT });
    build(app);
    projects = app.node.findAll().filter((c): c is MlopsProject => c instanceof MlopsProject);
    assemblyDir = app.synth().directory;
  });

  // The deployment templates are assets of the tooling stack, not stacks of the assembly.
  const templateOf = (stack: Stack) => Template.fromJSON(JSON.parse(readFileSync(path.join(assemblyDir, stack.templateFile), 'utf8')));

  test('every project has a build pipeline to retrain', () => {
    expect(projects.length).toBeGreaterThanOrEqual(2);
    expect(projects.every((p) => p.buildPipeline !== undefined)).toBe(true);
  });

  test('every production template monitors its endpoint, and every project retrains its own pipeline on drift', () => {
    for (const project of projects) {
      templateOf(project.productionDeployment).hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
        EndpointName: project.productionDeployment.endpointName,
        MonitoringScheduleConfig: Match.objectLike({ MonitoringType: 'DataQuality' }),
      });
      Template.fromStack(project.toolingStack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ PIPELINE_NAME: project.buildPipeline!.pipelineName, WATCHED_ENDPOINTS: JSON.stringify([project.productionDeployment.endpointName]) }) },
      });
    }
  });

  test('the monitor reads the baselines the served package registered, passed by the promotion, from the tooling data bucket', () => {
    const project = projects[0];
    const production = templateOf(project.productionDeployment);
    // the package's DriftCheckBaselines reach the template as parameters: something the build wrote
    production.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityBaselineConfig: {
        ConstraintsResource: { S3Uri: { Ref: 'DataQualityConstraintsS3Uri' } },
        StatisticsResource: { S3Uri: { Ref: 'DataQualityStatisticsS3Uri' } },
      },
    });
    expect(JSON.stringify(production.toJSON())).toContain(`mlops-${project.projectName}-data-111111111111/model-build/`);
    const bucketPolicies = JSON.stringify(Template.fromStack(project.toolingStack).findResources('AWS::S3::BucketPolicy'));
    expect(bucketPolicies).toContain('model-build/');
  });
});

describe('the reference platform accepts drift from production only, by one route', () => {
  let projects: MlopsProject[];
  let platform: MlopsPlatform;
  let assemblyDir: string;

  beforeAll(() => {
    const app = new App({ context: CONTEXT });
    build(app);
    projects = app.node.findAll().filter((c): c is MlopsProject => c instanceof MlopsProject);
    platform = projects[0].platform;
    assemblyDir = app.synth().directory;
  });

  const templateOf = (stack: Stack) => Template.fromJSON(JSON.parse(readFileSync(path.join(assemblyDir, stack.templateFile), 'utf8')));

  test('the tooling bus admits staging for its endpoint changes only, and production for its monitoring too', () => {
    const statements = Object.values(Template.fromStack(platform.toolingStack).findResources('AWS::Events::EventBusPolicy')).map((r) => JSON.stringify(r.Properties.Statement));
    const staging = statements.filter((st) => st.includes(`:iam::${platform.staging.account}:root`));
    expect(staging).toHaveLength(1);
    expect(staging[0]).not.toMatch(/Processing Job|aws\.cloudwatch/);
    const production = statements.filter((st) => st.includes(`:iam::${platform.production[0].account}:root`)).join('\n');
    expect(production).toMatch(/SageMaker Processing Job State Change/);
    expect(production).toMatch(/CloudWatch Alarm State Change/);
  });

  test('staging forwards nothing of monitoring, production its monitoring executions and alarms', () => {
    expect(JSON.stringify(Template.fromStack(platform.stagingStack).findResources('AWS::Events::Rule'))).not.toMatch(/Processing Job|CloudWatch Alarm/);
    const production = JSON.stringify(Template.fromStack(platform.productionStacks[0]).findResources('AWS::Events::Rule'));
    expect(production).toMatch(/SageMaker Processing Job State Change/);
    expect(production).toMatch(/CloudWatch Alarm State Change/);
    expect(production).not.toMatch(/arn:aws:events/);
  });

  // Needs MlopsProject to pass `monitoredEnvironments: platform.production` to DriftRetraining.
  test('every project\'s drift handler accepts drift from the platform\'s production environments only', () => {
    for (const project of projects) {
      expect(project.driftRetraining!.monitoredEnvironments).toEqual(platform.production.map((e) => ({ account: e.account, region: e.region })));
    }
  });

  // Needs MlopsProject to stop passing `eventBus` to ModelMonitor: the platform's forwarding is the route.
  test('no production deployment template forwards its monitor\'s events itself: each violation reaches the tooling bus once', () => {
    for (const project of projects) {
      const rules = Object.values(templateOf(project.productionDeployment).findResources('AWS::Events::Rule'));
      expect(rules.flatMap((r) => (r.Properties.Targets ?? []) as unknown[])).toEqual([]);
    }
  });
});

describe('monitoring against the deployed package\'s own baselines', () => {
  test('the promotion can deploy a template whose monitor reads the package\'s drift-check baselines', () => {
    // GIVEN
    const app = new App({ context: CONTEXT });
    const env = { account: '111111111111', region: 'eu-west-1' };
    const platform = new MlopsPlatform(app, 'Platform', { tooling: env, staging: { ...env, account: '222222222222' }, production: [{ ...env, account: '333333333333' }] });
    const project = new MlopsProject(app, 'Churn', { platform, projectName: 'churn', smokeTest: { payload: '1' } });
    const deployment = project.productionDeployment;
    // WHEN: the baseline is the deployed package's, read at deploy time by an inline custom resource
    new ModelMonitor(deployment, 'Monitor', {
      target: MonitoringTarget.fromModelEndpoint(deployment.endpoint),
      // a deployment template holds no bucket: the reports go to one that outlives it
      outputBucket: s3.Bucket.fromBucketName(deployment, 'Reports', 'churn-monitoring-reports'),
      encryptionKey: deployment.encryptionKey,
      alarmTopic: sns.Topic.fromTopicArn(deployment, 'Alarms', 'arn:aws:sns:eu-west-1:333333333333:churn-monitoring'),
      dataQuality: { baseline: MonitoringBaseline.fromModelPackage(deployment.modelPackageArnParameter.valueAsString) },
    });
    // THEN: the deploy target derives permissions for the function and the custom resource,
    // scoped to the name the function gets in the production stack
    app.synth();
    const deployPolicies = JSON.stringify(Template.fromStack(project.productionStacks[0]).findResources('AWS::IAM::ManagedPolicy'));
    expect(deployPolicies).toContain('lambda:CreateFunction');
    expect(deployPolicies).toMatch(/function:mlops-churn-production-[A-Za-z-]*[0-9a-f]{8}"/);
  });
});
