import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ClassicModelBuild, MetricComparison, ModelBuildPipeline } from '../../lib/pipeline';
import { ModelPackageGroup } from '../../lib/registry/model-package-group';

const env = { account: '111111111111', region: 'us-east-1' };

function classic(stack: Stack, comparison?: MetricComparison) {
  const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111111111111:role/sagemaker-jobs', { mutable: false });
  return new ClassicModelBuild({
    jobRole,
    modelPackageGroupName: 'churn',
    processingImageUri: 'sklearn:1',
    trainingImageUri: 'xgboost:1',
    dataBucketName: 'ml-data',
    inputDataUri: 's3://ml-data/raw/',
    preprocessScriptUri: 's3://ml-data/code/preprocess.py',
    evaluateScriptUri: 's3://ml-data/code/evaluate.py',
    metricJsonPath: comparison ? 'binary_classification_metrics.auc.value' : undefined,
    metricThreshold: comparison ? 0.8 : undefined,
    comparison,
  });
}

describe('ClassicModelBuild', () => {
  test('preprocess, train, evaluate, then register or fail on the metric', () => {
    // GIVEN / WHEN
    const json = classic(new Stack(new App())).definition.toJson();

    // THEN the definition is the contract: its exact JSON
    expect(json).toMatchSnapshot();
    expect(json.Steps.map((s: any) => s.Name)).toEqual(['Preprocess', 'Train', 'Evaluate', 'CheckEvaluation']);
    const gate = json.Steps[3];
    expect(gate.Arguments.Conditions).toEqual([{
      Type: 'LessThanOrEqualTo',
      LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' }, Path: 'regression_metrics.mse.value' } },
      RightValue: { Get: 'Parameters.MetricThreshold' },
    }]);
    expect(gate.Arguments.IfSteps[0]).toMatchObject({
      Type: 'RegisterModel',
      Arguments: { ModelPackageGroupName: 'churn', ModelApprovalStatus: { Get: 'Parameters.ModelApprovalStatus' } },
    });
    expect(gate.Arguments.ElseSteps[0].Type).toBe('Fail');
    expect(json.Parameters).toContainEqual({ Name: 'ModelApprovalStatus', Type: 'String', DefaultValue: 'PendingManualApproval', EnumValues: ['PendingManualApproval', 'Approved'] });
  });

  test('a score is compared the other way', () => {
    const json = classic(new Stack(new App()), MetricComparison.GREATER_THAN_OR_EQUAL_TO).definition.toJson();
    expect(json.Steps[3].Arguments.Conditions[0]).toMatchObject({ Type: 'GreaterThanOrEqualTo', RightValue: { Get: 'Parameters.MetricThreshold' } });
    expect(json.Parameters).toContainEqual({ Name: 'MetricThreshold', Type: 'Float', DefaultValue: 0.8 });
  });

  test('as a ModelBuildPipeline its role may pass the job role, read the report and register', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Classic', { env });
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });

    // WHEN
    new ModelBuildPipeline(stack, 'Pipeline', { definition: classic(stack).definition, modelPackageGroup: group });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::ml-data/*']] } }),
          Match.objectLike({ Action: 'iam:PassRole', Resource: 'arn:aws:iam::111111111111:role/sagemaker-jobs' }),
          Match.objectLike({ Action: 'sagemaker:CreateModelPackage' }),
        ]),
      },
    });
  });
});
