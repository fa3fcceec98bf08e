import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PromotionLineageRecorder } from '../../lib/governance';
import { deploymentActionPrefix, endpointContextPrefix } from '../../lib/governance/lineage-names';
import { ModelPackageGroup } from '../../lib/registry';
import * as handlerNames from '../../lambda/record-lineage/lineage-names';
import { policyActions, unknownActions } from './iam-catalogue';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };
const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:eu-west-1:111111111111:${resource}`]] });

/** A promotion pipeline with a staging and a production deploy, each followed by its record. */
function promotion(stack: Stack, recorder: PromotionLineageRecorder): codepipeline.Pipeline {
  const bucket = new s3.Bucket(stack, 'Templates', { versioned: true });
  const source = new codepipeline.Artifact('Template');
  const pipeline = new codepipeline.Pipeline(stack, 'Promotion', { pipelineName: 'mlops-churn-promotion', pipelineType: codepipeline.PipelineType.V2 });
  pipeline.addStage({ stageName: 'Source', actions: [new cpactions.S3SourceAction({ actionName: 'Template', bucket, bucketKey: 't.zip', output: source, trigger: cpactions.S3Trigger.NONE })] });
  const deploy = (stackName: string) => new cpactions.CloudFormationCreateUpdateStackAction({
    actionName: `Deploy-${stackName}`, stackName, templatePath: source.atPath('template.json'), adminPermissions: false,
  });
  pipeline.addStage({
    stageName: 'DeployStaging',
    actions: [
      deploy('mlops-churn-staging'),
      recorder.recordAction({ stage: 'staging', account: '222222222222', endpointName: 'churn-staging', stackName: 'mlops-churn-staging', modelPackageArn: '#{Resolve.ModelPackageArn}' }),
    ],
  });
  pipeline.addStage({ stageName: 'ApproveProduction', actions: [new cpactions.ManualApprovalAction({ actionName: 'Approve' })] });
  pipeline.addStage({
    stageName: 'Production-all',
    actions: [
      deploy('mlops-churn-production'),
      recorder.recordAction({
        stage: 'production', account: '333333333333', region: 'eu-west-1', endpointName: 'churn-production', stackName: 'mlops-churn-production',
        modelPackageArn: '#{Resolve.ModelPackageArn}', manualApproval: { stageName: 'ApproveProduction', actionName: 'Approve' },
      }),
    ],
  });
  return pipeline;
}

function build(stack: Stack): PromotionLineageRecorder {
  const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
  return new PromotionLineageRecorder(stack, 'Lineage', { projectName: 'churn', modelPackageGroup: group, promotionPipelineName: 'mlops-churn-promotion' });
}

describe('PromotionLineageRecorder', () => {
  let stack: Stack;
  let template: Template;

  beforeAll(() => {
    // GIVEN
    stack = new Stack(new App(), 'Tooling', { env: TOOLING });
    // WHEN
    promotion(stack, build(stack));
    template = Template.fromStack(stack);
  });

  test('each deployment is followed by a record action whose UserParameters carry package, stage, target, endpoint, stack, execution and approval', () => {
    // THEN
    const stages = template.findResources('AWS::CodePipeline::Pipeline')[Object.keys(template.findResources('AWS::CodePipeline::Pipeline'))[0]].Properties.Stages as Array<{ Name: string; Actions: Array<{ Name: string; RunOrder: number; ActionTypeId: { Provider: string }; Configuration: { UserParameters?: string } }> }>;
    const record = (stage: string) => stages.find((s) => s.Name === stage)!.Actions.find((a) => a.ActionTypeId.Provider === 'Lambda')!;
    expect(record('DeployStaging')).toMatchObject({ Name: 'RecordLineage-staging', RunOrder: 2 });
    expect(JSON.parse(record('DeployStaging').Configuration.UserParameters!)).toEqual({
      modelPackageArn: '#{Resolve.ModelPackageArn}',
      pipelineExecutionId: '#{codepipeline.PipelineExecutionId}',
      stage: 'staging', account: '222222222222', region: 'eu-west-1', endpointName: 'churn-staging', stackName: 'mlops-churn-staging',
    });
    expect(JSON.parse(record('Production-all').Configuration.UserParameters!)).toMatchObject({
      stage: 'production', account: '333333333333', manualApproval: { stageName: 'ApproveProduction', actionName: 'Approve' },
    });
  });

  test('its role writes lineage under the project\'s names only, reads its pipeline\'s executions and the group\'s packages', () => {
    // THEN
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sagemaker:DescribeModelPackage', Resource: arn('model-package/churn/*') }),
          Match.objectLike({ Action: ['sagemaker:DescribeAction', 'sagemaker:CreateAction'], Resource: arn('action/mlops-churn-deploy-*') }),
          Match.objectLike({ Action: ['sagemaker:DescribeContext', 'sagemaker:CreateContext'], Resource: arn('context/mlops-churn-endpoint-*') }),
          Match.objectLike({ Action: 'sagemaker:CreateArtifact', Resource: arn('artifact/*') }),
          Match.objectLike({ Action: 'sagemaker:AddAssociation', Resource: [arn('artifact/*'), arn('action/mlops-churn-deploy-*'), arn('context/mlops-churn-endpoint-*')] }),
          Match.objectLike({ Action: ['sagemaker:ListArtifacts', 'sagemaker:ListAssociations'], Resource: '*' }),
          Match.objectLike({ Action: 'codepipeline:ListActionExecutions', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codepipeline:eu-west-1:111111111111:mlops-churn-promotion']] } }),
        ]),
      },
    });
  });

  test('no statement of the recorder grants a sagemaker write outside lineage, a delete, or a wildcard action', () => {
    // THEN
    const recorderPolicies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('LineageHandlerRole'));
    expect(recorderPolicies).toHaveLength(1);
    const actions = (recorderPolicies[0].Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((s) => ([] as string[]).concat(s.Action));
    const sagemakerWrites = actions.filter((a) => a.startsWith('sagemaker:') && !/^sagemaker:(Describe|List|Query)/.test(a));
    expect(sagemakerWrites.sort()).toEqual(['sagemaker:AddAssociation', 'sagemaker:CreateAction', 'sagemaker:CreateArtifact', 'sagemaker:CreateContext']);
    expect(actions.filter((a) => a.endsWith(':*') || a === '*' || /Delete/.test(a))).toEqual([]);
  });

  test('every IAM action of the template exists in IAM\'s catalogue', () => {
    // THEN
    expect(unknownActions(policyActions(stack))).toEqual([]);
  });

  test('a failed lineage write alarms, per project, and the function retries then dead-letters', () => {
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'SageMakerMlops',
      MetricName: 'LineageWriteFailures',
      Dimensions: Match.arrayWith([{ Name: 'project', Value: 'churn' }, { Name: 'service', Value: 'record-lineage' }]),
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^LineageAlarms') }],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^LineageHandlerFunction') },
      MaximumRetryAttempts: 2,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LineageHandlerDeadLetters'), 'Arn'] } },
      Environment: { Variables: Match.objectLike({ PROJECT_NAME: 'churn', MODEL_PACKAGE_GROUP_NAME: 'churn', PIPELINE_NAME: 'mlops-churn-promotion', PIPELINE_ACCOUNT: '111111111111', PIPELINE_REGION: 'eu-west-1' }) },
    });
  });

  test('the role\'s name prefixes are the handler\'s', () => {
    // THEN
    expect(deploymentActionPrefix('churn')).toBe(handlerNames.deploymentActionPrefix('churn'));
    expect(endpointContextPrefix('churn')).toBe(handlerNames.endpointContextPrefix('churn'));
    expect(handlerNames.deploymentActionName('churn', { pipelineName: 'p', pipelineExecutionId: 'e', account: '1', region: 'r', stackName: 's' }).startsWith(deploymentActionPrefix('churn'))).toBe(true);
  });

  test('grantAudit gives the audit its reads, nothing more', () => {
    // GIVEN
    const auditStack = new Stack(new App(), 'Audit', { env: TOOLING });
    const recorder = build(auditStack);
    const auditor = new iam.Role(auditStack, 'Auditor', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN
    recorder.grantAudit(auditor);
    // THEN
    const policy = Object.values(Template.fromStack(auditStack).findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('Auditor'))!;
    const actions = (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((s) => ([] as string[]).concat(s.Action)).sort();
    expect(actions).toEqual([
      'sagemaker:DescribeAction', 'sagemaker:DescribeModelPackage', 'sagemaker:DescribeTrainingJob', 'sagemaker:DescribeTrialComponent',
      'sagemaker:ListArtifacts', 'sagemaker:ListAssociations', 'sagemaker:ListContexts', 'sagemaker:QueryLineage',
    ]);
  });

  test('fails naming each bad prop: a token project name, a generated pipeline name', () => {
    // GIVEN
    const other = new Stack(new App(), 'Other', { env: TOOLING });
    const group = new ModelPackageGroup(other, 'Group', { modelPackageGroupName: 'churn' });
    const pipeline = new codepipeline.Pipeline(other, 'Unnamed');
    // WHEN / THEN
    expect(() => new PromotionLineageRecorder(other, 'Lineage', {
      projectName: 'Churn_Model', modelPackageGroup: group, promotionPipelineName: pipeline.pipelineName,
    })).toThrow("PromotionLineageRecorder Other/Lineage: projectName must be 1-32 characters of a-z, 0-9 and '-', starting with a letter, got 'Churn_Model'; promotionPipelineName must be a literal string, not a token: give the promotion pipeline a name (its generated name would make pipeline and recorder depend on each other)");
  });

  test('fails for a group of another account', () => {
    // GIVEN
    const other = new Stack(new App(), 'Other', { env: TOOLING });
    const group = ModelPackageGroup.fromModelPackageGroupArn(other, 'Group', 'arn:aws:sagemaker:eu-west-1:999999999999:model-package-group/churn');
    // WHEN / THEN
    expect(() => new PromotionLineageRecorder(other, 'Lineage', { projectName: 'churn', modelPackageGroup: group, promotionPipelineName: 'p' }))
      .toThrow(/modelPackageGroup lives in account 999999999999, but the lineage is recorded in this stack's account 111111111111: create the recorder in the tooling account, beside the group/);
  });

  test('fails a record action with a bad stage, account and endpoint, all in one error', () => {
    // GIVEN
    const other = new Stack(new App(), 'Other', { env: TOOLING });
    const recorder = build(other);
    // WHEN / THEN
    expect(() => recorder.recordAction({ stage: 'prod eu', account: '3333', endpointName: 'churn_prod', stackName: 'mlops-churn', modelPackageArn: '#{Resolve.ModelPackageArn}' }))
      .toThrow("PromotionLineageRecorder Other/Lineage: recordAction: stage 'prod eu' must be 1-64 of letters, digits and ._-; account '3333' is not a 12-digit account id; endpointName 'churn_prod' is not a SageMaker endpoint name (1-63 of letters, digits and '-'); actionName 'RecordLineage-prod eu' must be 1-100 of A-Z, a-z, 0-9, '.', '@', '_', '-'");
  });
});
