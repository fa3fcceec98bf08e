import { readFileSync } from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MonitorSchedule } from '../../lib/monitoring';
import { MetricComparison } from '../../lib/pipeline';
import { MlopsPlatform, MlopsProject, ProjectModelBuild, SourceRepository } from '../../lib/project';
import { ModelPackageGroup } from '../../lib/registry';
import { complianceProblems } from '../harness/compliance';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };
const STAGING = { account: '222222222222', region: 'eu-west-1' };
const PRODUCTION = { account: '333333333333', region: 'eu-west-1' };
const IMAGE = '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1';

function platformAndProject(extra: Partial<ConstructorParameters<typeof MlopsProject>[2]> = {}) {
  const app = new App();
  const platform = new MlopsPlatform(app, 'Platform', { tooling: TOOLING, staging: STAGING, production: [PRODUCTION] });
  const project = new MlopsProject(app, 'Churn', {
    platform,
    projectName: 'churn',
    smokeTest: { payload: '1,2,3' },
    modelBuild: ProjectModelBuild.classic({ processingImageUri: IMAGE, trainingImageUri: IMAGE, metricThreshold: 0.8, comparison: MetricComparison.GREATER_THAN_OR_EQUAL_TO, metricJsonPath: 'auc' }),
    ...extra,
  });
  return { app, platform, project };
}

describe('MlopsProject', () => {
  let project: MlopsProject;
  let tooling: Template;

  beforeAll(() => {
    project = platformAndProject({
      buildRepository: SourceRepository.codeConnection({ connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0123abcd-0123-4567-89ab-0123456789ab', owner: 'acme', repository: 'churn' }),
    }).project;
    tooling = Template.fromStack(project.toolingStack);
  });

  test('brings its own stacks in tooling, staging and production', () => {
    expect(project.toolingStack.stackName).toBe('Mlops-Churn-Tooling');
    expect(project.stagingStack.stackName).toBe('Mlops-Churn-Staging');
    expect(project.productionStacks.map((s) => s.stackName)).toEqual(['Mlops-Churn-Production1']);
    expect(project.stagingStack.account).toBe(STAGING.account);
  });

  test('builds with a SageMaker pipeline that registers into the project registry and runs on new data', () => {
    tooling.hasResourceProperties('AWS::SageMaker::Pipeline', { PipelineName: 'churn-build' });
    tooling.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupName: 'churn' });
    tooling.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'source': ['aws.s3'], 'detail-type': ['Object Created'] }),
    });
    tooling.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'mlops-churn-data-111111111111',
      // without it S3 sends no Object Created events and the trigger never fires
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    tooling.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([Match.objectLike({ Name: 'Source', Actions: [Match.objectLike({ Configuration: Match.objectLike({ FullRepositoryId: 'acme/churn' }) })] })]),
    });
  });

  test('the data bucket shares only the trained model with the deployment roles of staging and production, and the baselines with production (issue 12 item 4)', () => {
    const policy = Object.values(tooling.findResources('AWS::S3::BucketPolicy'))
      .find((p) => JSON.stringify(p).includes('ModelArtifactsFor'))!;
    const all = policy.Properties.PolicyDocument.Statement;
    const role = (account: string, stackName: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:role/${stackName}/*`]] });
    const bucketId = tooling.getResourceId('AWS::S3::Bucket', { Properties: { BucketName: 'mlops-churn-data-111111111111' } });
    const objects = (key: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${key}`]] });
    const artifacts = all.filter((s: any) => String(s.Sid).startsWith('ModelArtifactsFor'));
    // The roles of the deployment stacks only: their IAM path is the stack's name.
    expect(artifacts.map((s: any) => s.Condition.ArnLike['aws:PrincipalArn'])).toEqual([
      role('222222222222', 'mlops-churn-staging'),
      role('333333333333', 'mlops-churn-production'),
    ]);
    for (const s of artifacts) {
      expect(s.Action).toBe('s3:GetObject');
      expect(s.Resource).toEqual(objects('model-build/*/Train/output/*'));
    }
    const baselines = all.filter((s: any) => String(s.Sid).startsWith('BaselinesFor'));
    expect(baselines).toHaveLength(1);
    expect(baselines[0].Condition.ArnLike['aws:PrincipalArn']).toEqual(role('333333333333', 'mlops-churn-production'));
    expect(baselines[0].Resource).toEqual(objects('model-build/*/DataQualityCheck/*'));
    // Nothing else of the build's outputs (the training splits, evaluation reports) is shared.
    expect(JSON.stringify(all)).not.toContain('model-build/*"');
    const keyPolicy = JSON.stringify(tooling.findResources('AWS::KMS::Key'));
    expect(keyPolicy).toContain('DecryptModelArtifactsFor222222222222');
    expect(keyPolicy).toContain('DecryptModelArtifactsFor333333333333');
  });

  test('the endpoint role in the deployment template reads the tooling artifacts by alias-limited key', () => {
    const { app, project: p } = platformAndProject();
    const assembly = app.synth();
    const template = Template.fromJSON(JSON.parse(readFileSync(path.join(assembly.directory, p.productionDeployment.templateFile), 'utf8')));
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Sid: 'ReadModelArtifactsFromTooling', Action: 's3:GetObject', Resource: Match.objectLike({}) }),
        Match.objectLike({
          Sid: 'DecryptModelArtifactsFromTooling',
          Action: 'kms:Decrypt',
          Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/mlops-churn-promotion-artifacts' } },
        }),
      ]) },
    });
    expect(JSON.stringify(template.toJSON())).toContain('mlops-churn-data-111111111111/model-build/*/Train/output/*');
    expect(JSON.stringify(template.toJSON())).not.toContain('mlops-churn-data-111111111111/model-build/*"');
  });

  test('fails when a build repository is given without a build', () => {
    const app = new App();
    const platform = new MlopsPlatform(app, 'Platform', { tooling: TOOLING, staging: STAGING, production: [PRODUCTION] });
    expect(() => new MlopsProject(app, 'X', {
      platform,
      projectName: 'x',
      smokeTest: { payload: '1' },
      buildRepository: SourceRepository.codeConnection({ connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0123abcd-0123-4567-89ab-0123456789ab', owner: 'a', repository: 'b' }),
    })).toThrow(/MlopsProject X: buildRepository needs modelBuild/);
  });

  test('fails for monitoring without a build and without a data-quality baseline', () => {
    const app = new App();
    const platform = new MlopsPlatform(app, 'Platform', { tooling: TOOLING, staging: STAGING, production: [PRODUCTION] });
    expect(() => new MlopsProject(app, 'X', { platform, projectName: 'x', smokeTest: { payload: '1' }, monitoring: {} }))
      .toThrow(/MlopsProject X: monitoring without modelBuild needs a monitor with its baseline \(dataQuality, modelQuality, modelBias or modelExplainability\)/);
  });

  test('fails for a second project of the same name on one platform, naming both', () => {
    const { app, platform } = platformAndProject();
    expect(() => new MlopsProject(app, 'ChurnAgain', { platform, projectName: 'churn', smokeTest: { payload: '1' } }))
      .toThrow("MlopsProject ChurnAgain: projectName 'churn' is already the name of project Churn on platform Platform; project names name buckets, roles, the registry and endpoints in every account, so give each project its own");
  });

  test('the promotion deploys the served package\'s data-quality baselines with it to production, never to staging', () => {
    // GIVEN monitoring on the package's own baselines
    const { project } = platformAndProject({ monitoring: {} });
    const pipeline = Object.values(Template.fromStack(project.toolingStack).findResources('AWS::CodePipeline::Pipeline'))
      .find((p: any) => p.Properties.Stages.some((st: any) => st.Name === 'ResolveModelPackage')) as any;
    const stage = (name: string) => pipeline.Properties.Stages.find((st: any) => st.Name === name).Actions;
    // THEN resolve reads them from the package, production receives them, staging does not
    expect(JSON.parse(stage('ResolveModelPackage')[0].Configuration.UserParameters).driftCheckBaselines).toEqual(['ModelDataQuality']);
    expect(JSON.parse(stage('Production-wave1')[1].Configuration.ParameterOverrides)).toEqual({
      ModelPackageArn: '#{Resolve.ModelPackageArn}',
      DataQualityConstraintsS3Uri: '#{Resolve.DataQualityConstraintsS3Uri}',
      DataQualityStatisticsS3Uri: '#{Resolve.DataQualityStatisticsS3Uri}',
    });
    expect(JSON.parse(stage('Staging')[0].Configuration.ParameterOverrides)).toEqual({ ModelPackageArn: '#{Resolve.ModelPackageArn}' });
  });

  test('data-quality options without a baseline keep the baselines of the served package', () => {
    // GIVEN only a schedule of its own
    const { app, project } = platformAndProject({ monitoring: { dataQuality: { schedule: MonitorSchedule.daily(4) } } });
    // THEN the job still reads the package's baselines, and runs daily
    const template = Template.fromJSON(JSON.parse(readFileSync(path.join(app.synth().directory, project.productionDeployment.templateFile), 'utf8')));
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityBaselineConfig: { ConstraintsResource: { S3Uri: { Ref: 'DataQualityConstraintsS3Uri' } }, StatisticsResource: { S3Uri: { Ref: 'DataQualityStatisticsS3Uri' } } },
    });
    template.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', { MonitoringScheduleConfig: Match.objectLike({ ScheduleConfig: { ScheduleExpression: 'cron(0 4 ? * * *)' } }) });
  });

  test('fails for a platform with a bad account and no production, together', () => {
    expect(() => new MlopsPlatform(new App(), 'P', { tooling: { account: '1', region: 'eu-west-1' }, staging: STAGING, production: [] }))
      .toThrow(/MlopsPlatform P: tooling.account must be a 12-digit account id, got '1'; production must name at least one environment/);
  });
});

describe('MlopsProject deploys in an order where what each stack names exists', () => {
  test('the stacks of the staging and production accounts deploy before the tooling stack that names their roles', () => {
    // GIVEN
    const { project } = platformAndProject();
    // THEN the tooling stack (its key and artifact bucket admit the deploy roles, its pipeline may
    // run as soon as it exists) comes after the stacks creating those roles
    const dependencies = project.toolingStack.dependencies.map((d) => d.stackName);
    expect(dependencies).toEqual(expect.arrayContaining(['Mlops-Churn-Staging', 'Mlops-Churn-Production1']));
    for (const workload of [project.stagingStack, ...project.productionStacks]) {
      expect(workload.dependencies.map((d) => d.stackName)).not.toContain('Mlops-Churn-Tooling');
    }
  });

  test('two production regions of one account get roles each scoped to their own region', () => {
    // GIVEN
    const app = new App();
    const platform = new MlopsPlatform(app, 'Platform', {
      tooling: TOOLING, staging: STAGING, production: [PRODUCTION, { account: PRODUCTION.account, region: 'us-east-1' }],
    });
    // WHEN
    const project = new MlopsProject(app, 'Churn', { platform, projectName: 'churn', smokeTest: { payload: '1' } });
    // THEN one stack per region, each with its region's deploy and execution roles
    expect(project.productionStacks.map((s) => `${s.stackName} ${s.region}`)).toEqual(['Mlops-Churn-Production1 eu-west-1', 'Mlops-Churn-Production2 us-east-1']);
    for (const [stack, region] of [[project.productionStacks[0], 'eu-west-1'], [project.productionStacks[1], 'us-east-1']] as const) {
      const t = Template.fromStack(stack);
      const names = Object.values(t.findResources('AWS::IAM::Role')).map((r) => r.Properties.RoleName).sort();
      expect(names).toEqual([`mlops-churn-cfn-exec-${region}`, `mlops-churn-deploy-${region}`]);
      const stackArns = JSON.stringify(Object.values(t.findResources('AWS::IAM::ManagedPolicy')).map((p) => p.Properties.PolicyDocument));
      expect(stackArns).toContain(`:cloudformation:${region}:333333333333:stack/mlops-churn-production/*`);
    }
    // and the pipeline's second wave deploys with the second region's roles
    const pipeline = Object.values(Template.fromStack(project.toolingStack).findResources('AWS::CodePipeline::Pipeline'))[0];
    const wave2 = pipeline.Properties.Stages.find((st: any) => st.Name === 'Production-wave2').Actions[1];
    expect(JSON.stringify(wave2.RoleArn)).toContain(':iam::333333333333:role/mlops-churn-deploy-us-east-1');
    expect(wave2.Configuration.RoleArn).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::333333333333:role/mlops-churn-cfn-exec-us-east-1' });
  });

  test('the deployment templates hold no bucket, key or fixed-name log group: a deleted deployment can be deployed again', () => {
    // GIVEN
    const { app, project } = platformAndProject({ monitoring: {} });
    const assembly = app.synth();
    for (const deployment of [project.stagingDeployment, project.productionDeployment]) {
      // WHEN
      const template = JSON.parse(readFileSync(path.join(assembly.directory, deployment.templateFile), 'utf8'));
      const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
      // THEN the hosting stack holds what outlives a deployment; the template reads it from SSM
      expect(types).not.toContain('AWS::S3::Bucket');
      expect(types).not.toContain('AWS::KMS::Key');
      expect(types).not.toContain('AWS::Logs::LogGroup');
      expect(template.Parameters.HostedKeyArn).toEqual(expect.objectContaining({ Type: 'AWS::SSM::Parameter::Value<String>' }));
    }
    const hosting = Template.fromStack(project.productionStacks[0]);
    hosting.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/sagemaker/Endpoints/churn-production', KmsKeyId: Match.anyValue() });
    hosting.hasResourceProperties('AWS::SSM::Parameter', { Name: '/mlops/churn/production/monitoring-reports-bucket' });
  });
});

describe('MlopsProject in a single account', () => {
  test('staging and production share one stack of deploy roles and hosting resources, with both deployment stacks and the smoke test', () => {
    // GIVEN
    const app = new App();
    const single = { account: '111111111111', region: 'eu-west-1' };
    const platform = new MlopsPlatform(app, 'Platform', { tooling: single, staging: single, production: [single] });
    // WHEN
    const project = new MlopsProject(app, 'Churn', { platform, projectName: 'churn', smokeTest: { payload: '1' } });
    // THEN
    expect(platform.productionStacks).toEqual([]);
    expect(project.productionStacks).toEqual([]);
    expect(project.productionTargets).toEqual([]);
    const roles = Template.fromStack(project.stagingStack).findResources('AWS::IAM::Role');
    expect(Object.values(roles).map((r) => r.Properties.RoleName).sort()).toEqual(['mlops-churn-cfn-exec-eu-west-1', 'mlops-churn-deploy-eu-west-1', 'mlops-churn-smoke-test']);
    const deployPolicy = JSON.stringify(Template.fromStack(project.stagingStack).findResources('AWS::IAM::ManagedPolicy'));
    expect(deployPolicy).toContain('stack/mlops-churn-staging/*');
    expect(deployPolicy).toContain('stack/mlops-churn-production/*');
    // each stage keeps its own key, buckets and log group, published under its own SSM path
    const parameters = Object.values(Template.fromStack(project.stagingStack).findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name).sort();
    expect(parameters).toEqual([
      '/mlops/churn/production/data-capture-bucket', '/mlops/churn/production/key-arn',
      '/mlops/churn/staging/data-capture-bucket', '/mlops/churn/staging/key-arn',
    ]);
    Template.fromStack(project.stagingStack).resourcePropertiesCountIs('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/sagemaker/Endpoints/churn-(staging|production)$') }, 2);
  });
});

describe('MlopsProject across regions', () => {
  test('a production region other than the tooling one gets an artifact bucket there, and passes the gate', () => {
    const build = (app: App) => {
      const platform = new MlopsPlatform(app, 'Platform', {
        tooling: TOOLING, staging: STAGING, production: [PRODUCTION, { account: '444444444444', region: 'us-east-1' }],
      });
      return new MlopsProject(app, 'Churn', { platform, projectName: 'churn', smokeTest: { payload: '1' } });
    };
    const project = build(new App());
    const pipeline = Template.fromStack(project.toolingStack).findResources('AWS::CodePipeline::Pipeline');
    const stores = Object.values(pipeline)[0].Properties.ArtifactStores;
    expect(stores.map((s: any) => s.Region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    const wave2 = Object.values(pipeline)[0].Properties.Stages.find((s: any) => s.Name === 'Production-wave2');
    expect(wave2.Actions.map((a: any) => a.Name)).toEqual(['VerifyStillApproved', 'Deploy-444444444444-us-east-1', 'RecordLineage-444444444444-us-east-1']);
    expect(wave2.Actions[1].Region).toBe('us-east-1');
    expect(complianceProblems((app) => { build(app); })).toEqual([]);
  });
});

describe('MlopsProject parts of your own', () => {
  test('takes your key and topic instead of creating them', () => {
    // GIVEN
    const app = new App();
    const platform = new MlopsPlatform(app, 'Platform', { tooling: TOOLING, staging: STAGING, production: [PRODUCTION] });
    const shared = new Stack(app, 'Shared', { env: TOOLING });
    const key = new kms.Key(shared, 'Key', { enableKeyRotation: true });
    const topic = sns.Topic.fromTopicArn(shared, 'Topic', 'arn:aws:sns:eu-west-1:111111111111:ml-team');
    // WHEN
    const project = new MlopsProject(app, 'Churn', { platform, projectName: 'churn', smokeTest: { payload: '1' }, encryptionKey: key, notificationTopic: topic });
    // THEN
    expect(project.encryptionKey).toBe(key);
    expect(project.notificationTopic).toBe(topic);
    const tooling = Template.fromStack(project.toolingStack);
    tooling.resourceCountIs('AWS::SNS::Topic', 0);
    Template.fromStack(shared).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/mlops-churn-promotion-artifacts' });
  });
});

describe('MlopsProject on an existing registry (issue 15 item 2)', () => {
  const existing = (scope: Stack, arn = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/fraud-team-models') => ModelPackageGroup.fromModelPackageGroupArn(scope, 'Existing', arn);

  test('registers into and promotes from the given group, creates none, and shares it with staging and production by merging its policy', () => {
    const app = new App();
    const platform = new MlopsPlatform(app, 'Platform', { tooling: TOOLING, staging: STAGING, production: [PRODUCTION] });
    const project = new MlopsProject(app, 'Fraud', {
      platform,
      projectName: 'fraud',
      smokeTest: { payload: '1,2,3' },
      modelPackageGroup: existing(platform.toolingStack),
      modelBuild: ProjectModelBuild.classic({ processingImageUri: IMAGE, trainingImageUri: IMAGE, metricThreshold: 0.8, comparison: MetricComparison.GREATER_THAN_OR_EQUAL_TO, metricJsonPath: 'auc' }),
    });
    const tooling = Template.fromStack(project.toolingStack);
    tooling.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 0);
    const sharing = Object.values(tooling.findResources('Custom::ModelPackageGroupSharing'));
    expect(sharing).toHaveLength(1);
    expect(sharing[0].Properties.ModelPackageGroupName).toBe('fraud-team-models');
    const statements = JSON.stringify(sharing[0].Properties.Statements);
    expect(statements).toContain('222222222222');
    expect(statements).toContain('333333333333');
    expect(statements).not.toContain('111111111111:root');
    // The build registers into it; the approval handler and the promotion watch it.
    const definition = JSON.stringify(tooling.findResources('AWS::SageMaker::Pipeline'));
    expect(definition).toContain('fraud-team-models');
    tooling.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ ModelPackageGroupName: ['fraud-team-models'] }) }),
    });
    expect(project.modelPackageGroup.modelPackageGroupName).toBe('fraud-team-models');
  });

  test('fails for a group of another account or region, naming it and the tooling environment', () => {
    const app = new App();
    const platform = new MlopsPlatform(app, 'Platform', { tooling: TOOLING, staging: STAGING, production: [PRODUCTION] });
    expect(() => new MlopsProject(app, 'Fraud', {
      platform,
      projectName: 'fraud',
      smokeTest: { payload: '1,2,3' },
      modelPackageGroup: existing(platform.toolingStack, 'arn:aws:sagemaker:us-east-1:444444444444:model-package-group/fraud-team-models'),
    })).toThrow(/modelPackageGroup 'fraud-team-models' is in 444444444444\/us-east-1, not in the tooling account and region 111111111111\/eu-west-1/);
  });
});
