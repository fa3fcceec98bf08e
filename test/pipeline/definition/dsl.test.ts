import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  CallbackStep, ClarifyCheckStep, ClarifyCheckType, Condition, ConditionStep, EmrStep, ExecutionVariable, FailStep,
  LambdaStep, ParameterBoolean, ParameterInteger, ParameterString, PipelineDefinition, PipelineExperimentConfig,
  PipelineExpression, ProcessingStep, PropertyFile, QualityCheckStep, QualityCheckType, RetryExceptionType, RetryPolicy,
  StepOutputType, TrainingStep, TuningStep,
} from '../../../lib/pipeline/definition';

const stack = new Stack(new App(), 'Dsl', { env: { account: '111111111111', region: 'us-east-1' } });
const role = iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/job', { mutable: false });
const processingArgs = {
  processingResources: { clusterConfig: { instanceType: 'ml.m5.large', instanceCount: 1, volumeSizeInGb: 30 } },
  appSpecification: { imageUri: 'image:1' },
  role,
};

describe('expressions', () => {
  test('a string mixing text and expressions becomes Std:Join on ""', () => {
    // GIVEN
    const prefix = new ParameterString('Prefix');

    // WHEN
    const json = new FailStep('stop', { errorMessage: `failed at ${prefix}/${ExecutionVariable.PIPELINE_EXECUTION_ID}` }).toJson();

    // THEN
    expect(json.Arguments.ErrorMessage).toEqual({
      'Std:Join': { On: '', Values: ['failed at ', { Get: 'Parameters.Prefix' }, '/', { Get: 'Execution.PipelineExecutionId' }] },
    });
  });

  test('CloudFormation tokens are left for the stack to resolve', () => {
    // GIVEN a role made in the stack: its ARN is a CloudFormation token
    const jobRole = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });

    // WHEN
    const json = new ProcessingStep('prep', { ...processingArgs, role: jobRole }).toJson();

    // THEN
    expect(json.Arguments.RoleArn).toEqual(jobRole.roleArn);
    expect(stack.resolve(json.Arguments.RoleArn)).toEqual({ 'Fn::GetAtt': ['JobRole014917C6', 'Arn'] });
  });

  test('numbers carry expressions', () => {
    const count = new ParameterInteger('Count', { defaultValue: 2 });
    const json = new ProcessingStep('prep', {
      ...processingArgs,
      processingResources: { clusterConfig: { instanceType: 'ml.m5.large', instanceCount: count.asNumber(), volumeSizeInGb: 30 } },
    }).toJson();
    expect(json.Arguments.ProcessingResources.ClusterConfig).toEqual({ InstanceType: 'ml.m5.large', InstanceCount: { Get: 'Parameters.Count' }, VolumeSizeInGB: 30 });
  });
});

describe('parameters', () => {
  test('declare type, default and enum values as the SDK does', () => {
    expect(new ParameterString('Status', { defaultValue: 'Approved', enumValues: ['Approved', 'PendingManualApproval'] }).toDeclaration())
      .toEqual({ Name: 'Status', Type: 'String', DefaultValue: 'Approved', EnumValues: ['Approved', 'PendingManualApproval'] });
    expect(new ParameterBoolean('Skip', { defaultValue: false }).toDeclaration()).toEqual({ Name: 'Skip', Type: 'Boolean', DefaultValue: false });
    expect(new ParameterInteger('Count').toDeclaration()).toEqual({ Name: 'Count', Type: 'Integer' });
  });

  test('fails when a default is not among the enum values', () => {
    const status = new ParameterString('Status', { defaultValue: 'Maybe', enumValues: ['Approved'] });
    expect(() => PipelineDefinition.fromSteps({ parameters: [status], steps: [new FailStep('stop')] }))
      .toThrow(/parameter 'Status' has default "Maybe" outside its enum values/);
  });
});

describe('conditions', () => {
  const left = new ParameterInteger('A');
  const one = PipelineExpression.fromNumber(1);
  test.each([
    ['equalTo', Condition.equalTo(left, one), 'Equals'],
    ['greaterThan', Condition.greaterThan(left, one), 'GreaterThan'],
    ['greaterThanOrEqualTo', Condition.greaterThanOrEqualTo(left, one), 'GreaterThanOrEqualTo'],
    ['lessThan', Condition.lessThan(left, one), 'LessThan'],
    ['lessThanOrEqualTo', Condition.lessThanOrEqualTo(left, one), 'LessThanOrEqualTo'],
  ])('%s serializes as the SDK does', (_name, condition, type) => {
    expect(condition.toJson()).toEqual({ Type: type, LeftValue: { Get: 'Parameters.A' }, RightValue: 1 });
  });

  test('In, Not and Or serialize as the SDK does', () => {
    const inValues = Condition.isIn(left, [one, PipelineExpression.fromNumber(2)]);
    expect(inValues.toJson()).toEqual({ Type: 'In', QueryValue: { Get: 'Parameters.A' }, Values: [1, 2] });
    expect(Condition.negate(inValues).toJson()).toEqual({ Type: 'Not', Condition: inValues.toJson() });
    expect(Condition.anyOf([inValues, Condition.equalTo(PipelineExpression.fromString('x'), PipelineExpression.fromBoolean(true))]).toJson())
      .toEqual({ Type: 'Or', Conditions: [inValues.toJson(), { Type: 'Equals', LeftValue: 'x', RightValue: true }] });
  });
});

describe('steps', () => {
  test('a condition step on a property file holds its branches', () => {
    // GIVEN
    const report = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
    const evaluate = new ProcessingStep('Evaluate', {
      ...processingArgs,
      processingOutputConfig: { outputs: [{ outputName: 'evaluation', s3Output: { s3Uri: 's3://b/e', localPath: '/opt/ml/processing/evaluation' } }] },
      propertyFiles: [report],
      retryPolicies: [RetryPolicy.of({ exceptionTypes: [RetryExceptionType.SAGEMAKER_CAPACITY_ERROR], maxAttempts: 3 })],
    });
    const gate = new ConditionStep('Gate', {
      conditions: [Condition.lessThanOrEqualTo(evaluate.jsonGet(report, 'regression_metrics.mse.value'), PipelineExpression.fromNumber(6))],
      ifSteps: [],
      elseSteps: [new FailStep('Fail', { errorMessage: 'mse too high' })],
    });

    // WHEN
    const json = PipelineDefinition.fromSteps({ steps: [evaluate, gate], experimentConfig: PipelineExperimentConfig.NONE }).toJson();

    // THEN
    expect(json.PipelineExperimentConfig).toBeNull();
    expect(json.Steps[0].PropertyFiles).toEqual([{ PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' }]);
    expect(json.Steps[0].RetryPolicies).toEqual([{ ExceptionType: ['SageMaker.CAPACITY_ERROR'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 }]);
    expect(json.Steps[1]).toEqual({
      Name: 'Gate',
      Type: 'Condition',
      Arguments: {
        Conditions: [{
          Type: 'LessThanOrEqualTo',
          LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' }, Path: 'regression_metrics.mse.value' } },
          RightValue: 6,
        }],
        IfSteps: [],
        ElseSteps: [{ Name: 'Fail', Type: 'Fail', Arguments: { ErrorMessage: 'mse too high' } }],
      },
    });
  });

  test('fails when a retry policy has both or neither limit', () => {
    expect(() => RetryPolicy.of({ exceptionTypes: [RetryExceptionType.STEP_THROTTLING] })).toThrow(/exactly one of maxAttempts and expireAfter/);
  });

  test('Lambda, callback and EMR steps carry their own fields', () => {
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:111111111111:function:f');
    const queue = sqs.Queue.fromQueueArn(stack, 'Q', 'arn:aws:sqs:us-east-1:111111111111:q');
    const lambdaStep = new LambdaStep('Notify', {
      lambdaFunction: fn,
      inputs: { execution: ExecutionVariable.PIPELINE_EXECUTION_ARN.asString() },
      outputs: [{ outputName: 'ok', outputType: StepOutputType.BOOLEAN }],
      cacheConfig: { enabled: true, expireAfter: 'PT1H' },
    });
    expect(lambdaStep.toJson()).toEqual({
      Name: 'Notify', Type: 'Lambda', Arguments: { execution: { Get: 'Execution.PipelineExecutionArn' } },
      FunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:f', OutputParameters: [{ OutputName: 'ok', OutputType: 'Boolean' }],
      CacheConfig: { Enabled: true, ExpireAfter: 'PT1H' },
    });
    expect(lambdaStep.outputParameter('ok').toJson()).toEqual({ Get: "Steps.Notify.OutputParameters['ok']" });
    expect(new CallbackStep('Wait', { queue, outputs: [{ outputName: 'answer' }] }).toJson()).toMatchObject({
      Type: 'Callback', SqsQueueUrl: queue.queueUrl, OutputParameters: [{ OutputName: 'answer', OutputType: 'String' }],
    });
    expect(new EmrStep('Spark', { clusterId: 'j-123', stepConfig: { hadoopJarStep: { jar: 'command-runner.jar', args: ['spark-submit', 's3://b/job.py'] } } }).toJson())
      .toEqual({ Name: 'Spark', Type: 'EMR', Arguments: { ClusterId: 'j-123', StepConfig: { HadoopJarStep: { Jar: 'command-runner.jar', Args: ['spark-submit', 's3://b/job.py'] } } } });
  });

  test('tuning, training and check steps render their requests', () => {
    const tuning = new TuningStep('Tune', {
      hyperParameterTuningJobConfig: {
        strategy: 'Bayesian',
        resourceLimits: { maxNumberOfTrainingJobs: 4, maxParallelTrainingJobs: 2 },
        hyperParameterTuningJobObjective: { type: 'Minimize', metricName: 'validation:rmse' },
        parameterRanges: { continuousParameterRanges: [{ name: 'eta', minValue: '0.1', maxValue: '0.5' }] },
      },
      trainingJobDefinition: {
        algorithmSpecification: { trainingInputMode: 'File', trainingImage: 'xgb:1' },
        role,
        outputDataConfig: { s3OutputPath: 's3://b/tune' },
        resourceConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 },
        stoppingCondition: { maxRuntimeInSeconds: 3600 },
        staticHyperParameters: { num_round: '50' },
      },
    });
    const json = tuning.toJson();
    expect(json.Arguments.TrainingJobDefinition).toMatchObject({ RoleArn: 'arn:aws:iam::111111111111:role/job', StaticHyperParameters: { num_round: '50' } });
    expect(json.Arguments.HyperParameterTuningJobConfig.ParameterRanges).toEqual({
      ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.1', MaxValue: '0.5', ScalingType: 'Auto' }], CategoricalParameterRanges: [], IntegerParameterRanges: [],
    });
    expect(PipelineExpression.get('x').toJson()).toEqual({ Get: 'x' });
    expect(new PipelineStepProbe(tuning.topModelS3Uri(0, 's3://b/tune')).json).toEqual({
      'Std:Join': { On: '/', Values: ['s3:/', 'b', 'tune', { Get: 'Steps.Tune.TrainingJobSummaries[0].TrainingJobName' }, 'output/model.tar.gz'] },
    });

    const train = new TrainingStep('Train', {
      algorithmSpecification: { trainingInputMode: 'File', trainingImage: 'xgb:1' },
      role,
      outputDataConfig: { s3OutputPath: 's3://b/model' },
      resourceConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 },
      stoppingCondition: { maxRuntimeInSeconds: 3600 },
      inputDataConfig: [{ channelName: 'train', dataSource: { s3DataSource: { s3Uri: 's3://b/train' } } }],
      additionalArguments: { EnableManagedSpotTraining: true, Tags: [{ Key: 'team', Value: 'ml' }] },
      cacheConfig: { enabled: true },
    }).toJson();
    expect(train.Arguments.InputDataConfig).toEqual([{ ChannelName: 'train', DataSource: { S3DataSource: { S3Uri: 's3://b/train', S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated' } } }]);
    expect(train.Arguments.EnableManagedSpotTraining).toBe(true);
    expect(train.CacheConfig).toEqual({ Enabled: true });

    expect(new QualityCheckStep('DataQuality', { ...processingArgs, checkType: QualityCheckType.DATA_QUALITY, modelPackageGroupName: 'g' }).toJson())
      .toEqual({
        Name: 'DataQuality', Type: 'QualityCheck', CheckType: 'DATA_QUALITY', SkipCheck: false, FailOnViolation: true, RegisterNewBaseline: false, ModelPackageGroupName: 'g',
        SuppliedBaselineStatistics: null, SuppliedBaselineConstraints: null,
        Arguments: {
          RoleArn: 'arn:aws:iam::111111111111:role/job',
          AppSpecification: { ImageUri: 'image:1' },
          ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 30 } },
        },
      });
    expect(new ClarifyCheckStep('Bias', { ...processingArgs, checkType: ClarifyCheckType.MODEL_BIAS, skipCheck: PipelineExpression.fromBoolean(true), modelName: 'm' }).toJson())
      .toMatchObject({ Type: 'ClarifyCheck', CheckType: 'MODEL_BIAS', SkipCheck: true, ModelPackageGroupName: null, SuppliedBaselineConstraints: null, ModelName: 'm' });
  });
});

/** Renders a string that carries an expression. */
class PipelineStepProbe {
  public readonly json: any;
  constructor(value: string) {
    this.json = new FailStep('probe', { errorMessage: value }).toJson().Arguments.ErrorMessage;
  }
}
