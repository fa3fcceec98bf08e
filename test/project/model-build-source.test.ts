import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelBuildPipeline } from '../../lib/pipeline';
import { ModelBuildSource, SourceRepository } from '../../lib/project';
import { complianceProblems } from '../harness/compliance';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };
const CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0123abcd-0123-4567-89ab-0123456789ab';
/** A connection ARN as the template writes it: in the stack's partition (it can only be used there). */
const inPartition = (arn: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, arn.slice('arn:aws'.length)]] });

function build(app: App, repository?: (stack: Stack) => SourceRepository): Stack {
  const stack = new Stack(app, 'Tooling', { env: TOOLING });
  const pipeline = ModelBuildPipeline.fromPipelineName(stack, 'Pipeline', 'churn-build');
  const pipelineRole = iam.Role.fromRoleName(stack, 'PipelineRole', 'churn-build-execution', { mutable: false });
  new ModelBuildSource(stack, 'Source', {
    repository: repository?.(stack) ?? SourceRepository.codeConnection({ connectionArn: CONNECTION, owner: 'acme', repository: 'churn-model', branch: 'main' }),
    pipeline,
    pipelineRole,
  });
  return stack;
}

describe('ModelBuildSource', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(build(new App()));
  });

  test('a push to the connected repository runs a V2 pipeline', () => {
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      PipelineType: 'V2',
      Stages: [
        { Name: 'Source', Actions: [Match.objectLike({
          ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'CodeStarSourceConnection', Version: '1' },
          Configuration: Match.objectLike({ ConnectionArn: inPartition(CONNECTION), FullRepositoryId: 'acme/churn-model', BranchName: 'main' }),
        })] },
        { Name: 'UpdateAndRun', Actions: [Match.objectLike({ ActionTypeId: Match.objectLike({ Provider: 'CodeBuild' }) })] },
      ],
    });
  });

  test('the build updates and starts only its SageMaker pipeline, one execution per commit', () => {
    const spec = JSON.stringify(template.findResources('AWS::CodeBuild::Project'));
    expect(spec).toContain('aws sagemaker update-pipeline');
    expect(spec).toContain('--client-request-token');
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Action: ['sagemaker:DescribePipeline', 'sagemaker:UpdatePipeline'], Resource: Match.objectLike({}) }),
        Match.objectLike({ Action: 'iam:PassRole', Resource: inPartition('arn:aws:iam::111111111111:role/churn-build-execution'), Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }),
      ]) },
    });
    const text = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(text).not.toContain('"sagemaker:*"');
    expect(text).toContain('pipeline/churn-build');
  });

  test('the connection is used with the service prefix of its own ARN (codeconnections:UseConnection for a codeconnections ARN)', () => {
    // Developer Tools console guide, "Connections rename": the service prefix of the action must match the resource's.
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const onConnection = statements.filter((s: any) => JSON.stringify(s.Resource) === JSON.stringify(inPartition(CONNECTION)));
    expect(onConnection.flatMap((s: any) => [].concat(s.Action))).toEqual(['codeconnections:UseConnection']);
    // and an older codestar-connections ARN keeps its prefix
    const older = CONNECTION.replace(':codeconnections:', ':codestar-connections:');
    const t = Template.fromStack(build(new App(), () => SourceRepository.codeConnection({ connectionArn: older, owner: 'acme', repository: 'churn-model' })));
    const olderStatements = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(olderStatements.filter((s: any) => JSON.stringify(s.Resource) === JSON.stringify(inPartition(older))).flatMap((s: any) => [].concat(s.Action))).toEqual(['codestar-connections:UseConnection']);
  });

  test('no action runs with the pipeline role as its own role (a role does not trust itself)', () => {
    const pipelines = Object.values(template.findResources('AWS::CodePipeline::Pipeline')) as any[];
    const actions = pipelines.flatMap((p) => p.Properties.Stages.flatMap((s: any) => s.Actions));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.RoleArn !== undefined).map((a) => a.Name)).toEqual([]);
  });

  test('CodeCommit only when asked', () => {
    const t = Template.fromStack(build(new App(), (stack) => SourceRepository.codeCommit({ repository: codecommit.Repository.fromRepositoryName(stack, 'Repo', 'churn') })));
    t.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([Match.objectLike({ Actions: [Match.objectLike({ ActionTypeId: Match.objectLike({ Provider: 'CodeCommit' }) })] })]),
    });
  });

  test('fails for a connection that is not one, naming every bad field', () => {
    expect(() => SourceRepository.codeConnection({ connectionArn: 'arn:aws:s3:::x', owner: 'a b', repository: 'r' }))
      .toThrow(/SourceRepository.codeConnection: connectionArn must be a CodeConnections connection ARN, got 'arn:aws:s3:::x'; owner 'a b' is not a repository owner/);
  });

  test('passes cdk-nag (four packs) and cfn-lint', () => {
    expect(complianceProblems((app) => { build(app); })).toEqual([]);
  });
});
