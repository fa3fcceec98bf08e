import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as codepipeline_actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FailStep, ModelBuildPipeline, PipelineDefinition } from '../../lib/pipeline';
import {
  MlopsPlatform, MlopsProject, ModelBuildSource, ProjectBuildContext, ProjectModelBuild, ProjectModelBuildConfig,
  SourceRepository, SourceRepositoryBindOptions, SourceRepositoryConfig,
} from '../../lib/project';

/*
 * ProjectModelBuild and SourceRepository are extension points: a subclass that implements only
 * the public `bind()` (what a Python, Java, .NET or Go subclass sees in the assembly) is used by
 * the constructs exactly like the built-in factories.
 */
const ENV = { account: '111111111111', region: 'eu-west-1' };

class RecordingBuild extends ProjectModelBuild {
  public readonly calls: ProjectBuildContext[] = [];
  public scope?: Construct;

  public bind(scope: Construct, context: ProjectBuildContext): ProjectModelBuildConfig {
    this.calls.push(context);
    this.scope = scope;
    // something the build needs beside the pipeline, created in the scope it is given
    new s3.Bucket(scope, 'Scratch', { enforceSSL: true });
    const fail = new FailStep('Stop', { errorMessage: `no training yet for ${context.modelPackageGroupName}` });
    return { definition: PipelineDefinition.fromSteps({ steps: [fail] }), inputPrefix: 'features/' };
  }
}

class ZipSource extends SourceRepository {
  public readonly calls: SourceRepositoryBindOptions[] = [];

  constructor(private readonly bucketName: string) {
    super();
  }

  public bind(scope: Construct, options: SourceRepositoryBindOptions): SourceRepositoryConfig {
    this.calls.push(options);
    const bucket = s3.Bucket.fromBucketName(scope, 'CodeBucket', this.bucketName);
    return {
      action: new codepipeline_actions.S3SourceAction({
        actionName: 'Zip', bucket, bucketKey: 'build.zip', output: options.output, role: options.role,
        trigger: codepipeline_actions.S3Trigger.EVENTS,
      }),
      description: `s3://${this.bucketName}/build.zip`,
    };
  }
}

describe('a ProjectModelBuild of your own', () => {
  // GIVEN
  const app = new App();
  const platform = new MlopsPlatform(app, 'Platform', { tooling: ENV, staging: ENV, production: [ENV] });
  const build = new RecordingBuild();

  // WHEN
  const project = new MlopsProject(app, 'Churn', { platform, projectName: 'churn', modelBuild: build, smokeTest: { payload: '1' } });
  const tooling = Template.fromStack(project.toolingStack);

  test('is bound once, with the project\'s job role, data bucket, registry and output prefix', () => {
    // THEN
    expect(build.calls).toHaveLength(1);
    const [context] = build.calls;
    expect(context.dataBucketName).toBe('mlops-churn-data-111111111111');
    expect(context.modelPackageGroupName).toBe('churn');
    expect(context.jobRole).toBe(project.jobRole);
    expect(context.outputPrefix).not.toMatch(/\/$/);
  });

  test('its definition is the project\'s pipeline', () => {
    // THEN
    const [pipeline] = Object.values(tooling.findResources('AWS::SageMaker::Pipeline'));
    const body = JSON.parse(pipeline.Properties.PipelineDefinition.PipelineDefinitionBody);
    expect(body.Steps).toEqual([expect.objectContaining({ Name: 'Stop', Type: 'Fail' })]);
  });

  test('its input prefix starts the build on new data under it', () => {
    // THEN
    tooling.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['Object Created'],
        'detail': Match.objectLike({ object: { key: [{ prefix: 'features/' }] } }),
      }),
    });
  });

  test('what it creates lives in the project\'s tooling stack', () => {
    // THEN
    expect(Stack.of(build.scope!)).toBe(project.toolingStack);
    expect(Object.keys(tooling.findResources('AWS::S3::Bucket')).some((id) => id.startsWith('ModelBuildDefinitionScratch'))).toBe(true);
  });
});

describe('a ProjectModelBuild without an input prefix', () => {
  test('starts no build on new data', () => {
    // GIVEN
    class NoTrigger extends ProjectModelBuild {
      public bind(): ProjectModelBuildConfig {
        return { definition: PipelineDefinition.fromSteps({ steps: [new FailStep('Stop', { errorMessage: 'x' })] }) };
      }
    }
    const app = new App();
    const platform = new MlopsPlatform(app, 'Platform', { tooling: ENV, staging: ENV, production: [ENV] });

    // WHEN
    const project = new MlopsProject(app, 'Churn', { platform, projectName: 'churn', modelBuild: new NoTrigger(), smokeTest: { payload: '1' } });

    // THEN
    const rules = JSON.stringify(Template.fromStack(project.toolingStack).findResources('AWS::Events::Rule'));
    expect(rules).not.toContain('Object Created');
  });
});

describe('a SourceRepository of your own', () => {
  // GIVEN
  const app = new App();
  const stack = new Stack(app, 'Tooling', { env: ENV });
  const source = new ZipSource('acme-build-code');

  // WHEN
  const buildSource = new ModelBuildSource(stack, 'Source', {
    repository: source,
    pipeline: ModelBuildPipeline.fromPipelineName(stack, 'Pipeline', 'churn-build'),
    pipelineRole: iam.Role.fromRoleArn(stack, 'PipelineRole', 'arn:aws:iam::111111111111:role/churn-build-execution', { mutable: false }),
  });
  const template = Template.fromStack(stack);

  test('is bound once, with the source artifact and the pipeline\'s role', () => {
    // THEN
    expect(source.calls).toHaveLength(1);
    expect(source.calls[0].output.artifactName).toBe('Source');
    expect(source.calls[0].role).toBe(buildSource.codePipeline.role);
  });

  test('its action is the source stage, run by the pipeline\'s role, and its description names it', () => {
    // THEN
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([{
        Name: 'Source',
        Actions: [Match.objectLike({
          Name: 'Zip',
          ActionTypeId: Match.objectLike({ Category: 'Source', Provider: 'S3' }),
          Configuration: Match.objectLike({ S3Bucket: 'acme-build-code', S3ObjectKey: 'build.zip' }),
          OutputArtifacts: [{ Name: 'Source' }],
          RoleArn: Match.anyValue(),
        })],
      }]),
    });
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Description: Match.stringLikeRegexp('from s3://acme-build-code/build\\.zip, updates'),
    });
  });
});
