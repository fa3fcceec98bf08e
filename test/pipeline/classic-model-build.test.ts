import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ClassicModelBuild, ClassicModelBuildProps, MetricComparison, ModelBuildPipeline, ModelCardRiskRating } from '../../lib/pipeline';
import { ModelPackageGroup } from '../../lib/registry/model-package-group';

const env = { account: '111111111111', region: 'us-east-1' };

const MONITOR_IMAGE = '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer';

function classic(stack: Stack, comparison?: MetricComparison, more: Partial<ClassicModelBuildProps> = {}) {
  const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111111111111:role/sagemaker-jobs', { mutable: false });
  return new ClassicModelBuild({
    dataQualityImageUri: MONITOR_IMAGE,
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
    ...more,
  });
}

describe('ClassicModelBuild', () => {
  test('preprocess, train, evaluate, then register or fail on the metric', () => {
    // GIVEN / WHEN
    const json = classic(new Stack(new App())).definition.toJson();

    // THEN the definition is the contract: its exact JSON
    expect(json).toMatchSnapshot();
    expect(json.Steps.map((s: any) => s.Name)).toEqual(['Preprocess', 'DataQualityCheck', 'Train', 'Evaluate', 'CheckEvaluation']);
    const gate = json.Steps[4];
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
    expect(json.Steps[4].Arguments.Conditions[0]).toMatchObject({ Type: 'GreaterThanOrEqualTo', RightValue: { Get: 'Parameters.MetricThreshold' } });
    expect(json.Parameters).toContainEqual({ Name: 'MetricThreshold', Type: 'Float', DefaultValue: 0.8 });
  });

  test('a data quality check of the training data calculates the baselines the package carries for Model Monitor', () => {
    // GIVEN / WHEN
    const json = classic(new Stack(new App())).definition.toJson();

    // THEN the SDK's DataQualityCheckConfig job on the train split, with the SDK examples' parameters
    const check = json.Steps[1];
    expect(check).toMatchObject({
      Type: 'QualityCheck',
      CheckType: 'DATA_QUALITY',
      ModelPackageGroupName: 'churn',
      SkipCheck: { Get: 'Parameters.SkipDataQualityCheck' },
      RegisterNewBaseline: { Get: 'Parameters.RegisterNewDataQualityBaseline' },
      FailOnViolation: true,
      Arguments: {
        AppSpecification: { ImageUri: MONITOR_IMAGE },
        ProcessingInputs: [{ InputName: 'baseline_dataset_input', S3Input: { S3Uri: { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri" } } }],
        Environment: { dataset_format: '{"csv": {"header": false, "output_columns_position": "START"}}', dataset_source: '/opt/ml/processing/input/baseline_dataset_input' },
      },
    });
    expect(json.Parameters).toEqual(expect.arrayContaining([
      { Name: 'SkipDataQualityCheck', Type: 'Boolean', DefaultValue: true },
      { Name: 'RegisterNewDataQualityBaseline', Type: 'Boolean', DefaultValue: true },
    ]));
    // training waits for the check
    expect(json.Steps[2].DependsOn).toEqual(['DataQualityCheck']);
    // and the package registers the calculated baselines and those to check drift against
    const register = json.Steps[4].Arguments.IfSteps[0].Arguments;
    const source = (property: string) => ({ ContentType: 'application/json', S3Uri: { Get: `Steps.DataQualityCheck.${property}` } });
    expect(register.ModelMetrics.ModelDataQuality).toEqual({ Statistics: source('CalculatedBaselineStatistics'), Constraints: source('CalculatedBaselineConstraints') });
    expect(register.DriftCheckBaselines).toEqual({
      ModelDataQuality: { Statistics: source('BaselineUsedForDriftCheckStatistics'), Constraints: source('BaselineUsedForDriftCheckConstraints') },
    });
    expect(register.ModelCard).toBeUndefined();
  });

  test('the check runs the Model Monitor image of the stack\'s region by default', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Region', { env });

    // WHEN
    const json = classic(stack, undefined, { dataQualityImageUri: undefined }).definition.toJson();

    // THEN (account of us-east-1 in the SDK's image_uri_config/model-monitor.json)
    expect(stack.resolve(json.Steps[1].Arguments.AppSpecification.ImageUri))
      .toEqual({ 'Fn::Join': ['', ['156813124566.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/sagemaker-model-monitor-analyzer']] });
  });

  test('fails when no Model Monitor image is known for the region, naming the prop', () => {
    const stack = new Stack(new App(), 'Elsewhere', { env: { account: '111111111111', region: 'xx-nowhere-1' } });
    expect(() => classic(stack, undefined, { dataQualityImageUri: undefined }))
      .toThrow(/ClassicModelBuild: no SageMaker Model Monitor image is known for region xx-nowhere-1; pass dataQualityImageUri/);
  });

  test('a model card from props, with the training job and the evaluation metric of the run', () => {
    // WHEN
    const json = classic(new Stack(new App()), undefined, {
      modelCard: { purposeOfModel: 'predict churn', intendedUses: 'retention campaigns', riskRating: ModelCardRiskRating.MEDIUM },
    }).definition.toJson();

    // THEN
    const card = json.Steps[4].Arguments.IfSteps[0].Arguments.ModelCard;
    expect(card.ModelCardStatus).toBe('PendingReview');
    const parts: any[] = card.ModelCardContent['Std:Join'].Values;
    const text = parts.filter((p) => typeof p === 'string').join('');
    expect(text).toContain('"intended_uses": {"purpose_of_model": "predict churn", "intended_uses": "retention campaigns", "risk_rating": "Medium"}');
    expect(parts).toContainEqual({ Get: 'Steps.Train.TrainingJobArn' });
    expect(parts).toContainEqual({ 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' }, Path: 'regression_metrics.mse.value' } });
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
          // the check reads the drift-check baselines of the group's approved package
          Match.objectLike({ Action: 'sagemaker:ListModelPackages' }),
        ]),
      },
    });
  });
});
