import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  AutoMlStep, CallbackStep, ClarifyCheckStep, ClarifyCheckType, Condition, ConditionStep, DatasetFormat, EmrServerlessStep, EmrStep,
  ExecutionVariable, FailStep, LambdaStep, MlflowConfig, ModelStep, ParameterBoolean, ParameterInteger, ParameterString,
  PipelineDefinition, PipelineExperimentConfig, PipelineExpression, PipelineParameter, PipelineStep, ProcessingStep, PropertyFile, QualityCheckStep,
  RegisterModelStep, SdkVersion, StepOptions, StepOutputType, StepRenderOptions, TrainingStep, TransformStep, TuningStep,
} from '../../../lib/pipeline/definition';

/*
 * Golden tests: each expected JSON is the SageMaker Python SDK's own expected output, the literal its
 * unit test compares with, extracted by test/pipeline/fixtures/sdk/extract.py into
 * test/pipeline/fixtures/sdk/<name>.json with its source (tag, commit, file, test, line):
 * SDK v2 at tag v2.257.6 (commit fc582aaa46faf7b7e16ab1e13840869712174cd0),
 * tests/unit/sagemaker/workflow/; SDK v3 at tag v3.20.0 (commit 10ada9be10d357465e03858661054abeb98a1b13),
 * sagemaker-mlops/tests/unit/workflow/. Each is rebuilt here with the DSL, as the SDK test builds it.
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'sdk');
const V2 = 'v2.257.6';
const V3 = 'v3.20.0';

function sdk(name: string): any {
  const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
  return fixture.expected;
}

const stack = new Stack(new App(), 'Golden', { env: { account: '123456789012', region: 'us-west-2' } });
let ids = 0;

/** The SDK tests' role: `DummyRole`, a bare string where an ARN goes (fromRoleArn refuses it). */
function dummyRole(): iam.IRole {
  const role = iam.Role.fromRoleArn(stack, `Dummy${ids++}`, 'arn:aws:iam::123456789012:role/DummyRole', { mutable: false });
  Object.defineProperty(role, 'roleArn', { value: 'DummyRole' });
  return role;
}

/**
 * The SDK tests' `CustomStep` (tests/unit/sagemaker/workflow/helpers.py): a `Training` step whose
 * arguments are empty or `{ input_data }`. Written as any custom step is, by subclassing PipelineStep.
 */
class CustomStep extends PipelineStep {
  constructor(name: string, private readonly inputData?: string, options: StepOptions = {}) {
    super(name, 'Training', options);
  }

  protected renderBody(_options: StepRenderOptions): any {
    return { Arguments: this.inputData === undefined ? {} : { input_data: this.inputData } };
  }
}

const join = (on: string, values: string[]) => PipelineExpression.join(on, values).asString();

describe(`golden: SDK ${V2} expected outputs rebuilt with the DSL`, () => {
  test('Processing: test_steps.py test_processing_step', () => {
    // GIVEN the SDK test's parameters, processor and property file
    const inputData = new ParameterString('ProcessingInputDataUri', { defaultValue: 's3://my-bucket/processing_manifest' });
    const instanceType = new ParameterString('InstanceType', { defaultValue: 'ml.m4.4xlarge' });
    const instanceCount = new ParameterInteger('InstanceCount', { defaultValue: 1 });

    // WHEN
    const step = new ProcessingStep('MyProcessingStep', {
      description: 'ProcessingStep description',
      displayName: 'MyProcessingStep',
      dependsOn: [new CustomStep('TestStep'), new CustomStep('SecondTestStep')],
      processingResources: { clusterConfig: { instanceType: instanceType.asString(), instanceCount: instanceCount.asNumber(), volumeSizeInGb: 30 } },
      appSpecification: { imageUri: 'fakeimage' },
      role: dummyRole(),
      processingInputs: [{ inputName: 'input-1', s3Input: { s3Uri: inputData.asString(), localPath: 'processing_manifest' } }],
      cacheConfig: { enabled: true, expireAfter: 'PT1H' },
      propertyFiles: [new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' })],
    });
    step.addDependsOn(new CustomStep('ThirdTestStep'));

    // THEN
    expect(step.toJson()).toEqual(sdk('processing'));
  });

  test('Training: test_steps.py test_training_step_base_estimator', () => {
    // GIVEN
    const instanceType = new ParameterString('InstanceType', { defaultValue: 'c4.4xlarge' });
    const instanceCount = new ParameterInteger('InstanceCount', { defaultValue: 1 });
    const dataUri = new ParameterString('DataSourceS3Uri', { defaultValue: 's3://my-bucket/train_manifest' });
    const epochs = new ParameterInteger('TrainingEpochs', { defaultValue: 5 });
    const batchSize = new ParameterInteger('TrainingBatchSize', { defaultValue: 500 });
    const useSpot = new ParameterBoolean('UseSpotInstances', { defaultValue: false });
    const outputPath = join('/', ['s3:/', 'a', 'b']);

    // WHEN
    const step = new TrainingStep('MyTrainingStep', {
      description: 'TrainingStep description',
      displayName: 'MyTrainingStep',
      dependsOn: [new CustomStep('TestStep')],
      algorithmSpecification: { trainingImage: 'fakeimage', trainingInputMode: 'File' },
      role: dummyRole(),
      outputDataConfig: { s3OutputPath: outputPath },
      resourceConfig: { instanceCount: instanceCount.asNumber(), instanceType: instanceType.asString(), volumeSizeInGb: 30 },
      stoppingCondition: { maxRuntimeInSeconds: 86400 },
      inputDataConfig: [{ channelName: 'training', dataSource: { s3DataSource: { s3Uri: dataUri.asString() } } }],
      // The SDK turns integer parameters of hyperparameters into strings with a one-value Join.
      hyperParameters: { 'batch-size': join('', [batchSize.asString()]), 'epochs': join('', [epochs.asString()]) },
      debugHookConfig: { s3OutputPath: outputPath, collectionConfigurations: [] },
      profilerConfig: { disableProfiler: false, profilingIntervalInMilliseconds: 500, s3OutputPath: outputPath },
      // A boolean parameter where the request takes a boolean goes through the escape hatch.
      additionalArguments: { EnableManagedSpotTraining: useSpot },
      cacheConfig: { enabled: true, expireAfter: 'PT1H' },
    });
    step.addDependsOn(new CustomStep('AnotherTestStep'));

    // THEN
    expect(step.toJson()).toEqual(sdk('training'));
  });

  function tuningStep(): { step: TuningStep; parameters: PipelineParameter[] } {
    const dataUri = new ParameterString('DataSourceS3Uri', { defaultValue: 's3://my-bucket/train_manifest' });
    const useSpot = new ParameterBoolean('UseSpotInstances', { defaultValue: false });
    const step = new TuningStep('MyTuningStep', {
      hyperParameterTuningJobConfig: {
        strategy: 'Bayesian',
        resourceLimits: { maxNumberOfTrainingJobs: 5, maxParallelTrainingJobs: 2 },
        trainingJobEarlyStoppingType: 'OFF',
        hyperParameterTuningJobObjective: { type: 'Maximize', metricName: 'val:accuracy' },
        parameterRanges: {
          continuousParameterRanges: [
            { name: 'learning_rate', minValue: '0.0001', maxValue: '0.05' },
            { name: 'momentum', minValue: '0.0', maxValue: '0.99' },
            { name: 'weight_decay', minValue: '0.0', maxValue: '0.99' },
          ],
        },
      },
      trainingJobDefinition: {
        staticHyperParameters: {
          num_layers: '18', image_shape: '3,224,224', num_classes: '257', num_training_samples: '15420', mini_batch_size: '128',
          epochs: '10', optimizer: 'sgd', top_k: '2', precision_dtype: 'float32', augmentation_type: 'crop',
        },
        role: dummyRole(),
        outputDataConfig: { s3OutputPath: 's3://my-bucket/' },
        resourceConfig: { instanceCount: 1, instanceType: 'ml.c5.4xlarge', volumeSizeInGb: 30 },
        stoppingCondition: { maxRuntimeInSeconds: 86400 },
        algorithmSpecification: { trainingInputMode: 'File', trainingImage: 'fakeimage' },
        inputDataConfig: [{ channelName: 'training', dataSource: { s3DataSource: { s3Uri: dataUri.asString() } } }],
        additionalFields: { EnableManagedSpotTraining: useSpot },
      },
      warmStartConfig: { warmStartType: 'IdenticalDataAndAlgorithm', parentHyperParameterTuningJobs: [{ hyperParameterTuningJobName: 'parent-hpo' }] },
    });
    return { step, parameters: [dataUri, useSpot] };
  }

  test('Tuning (SDK v2): test_steps.py test_single_algo_tuning_step, with HyperParameterTuningResourceConfig', () => {
    // GIVEN
    const { step, parameters } = tuningStep();

    // WHEN
    const json = PipelineDefinition.fromSteps({ steps: [step], parameters }).toJson();

    // THEN
    expect(json.Steps[0]).toEqual(sdk('tuning'));
    // get_top_model_s3_uri(0, "my-bucket", "my-prefix") in the same SDK test
    const top = new FailStep('probe', { errorMessage: step.topModelS3Uri(0, 's3://my-bucket/my-prefix') }).toJson().Arguments.ErrorMessage;
    expect(top).toEqual({
      'Std:Join': {
        On: '/',
        Values: ['s3:/', 'my-bucket', 'my-prefix', { Get: 'Steps.MyTuningStep.TrainingJobSummaries[0].TrainingJobName' }, 'output/model.tar.gz'],
      },
    });
  });

  test('Tuning (SDK v3): ResourceConfig in the training job definition (sagemaker-train v3.20.0 tuner.py builds HyperParameterTrainingJobDefinition(resource_config=ResourceConfig(...)))', () => {
    // GIVEN the v2 golden with the one field v3 writes otherwise
    const { step, parameters } = tuningStep();
    const expected = sdk('tuning');
    const definition = expected.Arguments.TrainingJobDefinition;
    definition.ResourceConfig = definition.HyperParameterTuningResourceConfig;
    delete definition.HyperParameterTuningResourceConfig;

    // WHEN
    const json = PipelineDefinition.fromSteps({ steps: [step], parameters, sdkVersion: SdkVersion.V3 }).toJson();

    // THEN
    expect(json.Steps[0]).toEqual(expected);
  });

  test('Transform: test_steps.py test_transform_step', () => {
    // WHEN
    const step = new TransformStep('MyTransformStep', {
      dependsOn: [new CustomStep('TestStep')],
      displayName: 'TransformStep',
      description: 'TestDescription',
      modelName: 'gisele',
      transformInput: { dataSource: { s3DataSource: { s3DataType: 'S3Prefix', s3Uri: 's3://my-bucket/transform_manifest' } } },
      transformOutput: { s3OutputPath: 's3://replaced' },
      transformResources: { instanceCount: 1, instanceType: 'ml.c4.4xlarge' },
      // The SDK writes a null output path when the transformer has none; CreateTransformJob requires
      // one (botocore TransformOutput.S3OutputPath is required), so the DSL types it required and
      // the escape hatch reproduces the SDK. So does the SDK's fixture's instance type, c4.4xlarge,
      // which the DSL refuses (it is no TransformInstanceType).
      additionalArguments: { TransformOutput: { S3OutputPath: null }, TransformResources: { InstanceCount: 1, InstanceType: 'c4.4xlarge' } },
      cacheConfig: { enabled: true, expireAfter: 'PT1H' },
    });
    step.addDependsOn(new CustomStep('SecondTestStep'));

    // THEN
    expect(step.toJson()).toEqual(sdk('transform'));
  });

  test('Model: test_steps.py test_create_model_step', () => {
    // WHEN
    const step = new ModelStep('MyCreateModelStep', {
      dependsOn: [new CustomStep('TestStep')],
      displayName: 'MyCreateModelStep',
      description: 'TestDescription',
      executionRole: dummyRole(),
      primaryContainer: { environment: {}, image: 'fakeimage' },
    });
    step.addDependsOn(new CustomStep('SecondTestStep'));

    // THEN
    expect(step.toJson()).toEqual(sdk('model'));
  });

  test('Model (inference pipeline): test_steps.py test_create_model_step_with_model_pipeline', () => {
    // WHEN
    const step = new ModelStep('MyCreateModelStep', {
      dependsOn: [new CustomStep('TestStep'), new CustomStep('SecondTestStep')],
      displayName: 'MyCreateModelStep',
      description: 'TestDescription',
      executionRole: dummyRole(),
      containers: [
        {
          environment: {
            SAGEMAKER_PROGRAM: 'dummy_script.py',
            SAGEMAKER_SUBMIT_DIRECTORY: 's3://my-bucket/mi-1-2017-10-10-14-14-15/sourcedir.tar.gz',
            SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
            SAGEMAKER_REGION: 'us-west-2',
          },
          image: 'mi-1',
          modelDataUrl: 's3://bucket/model_1.tar.gz',
        },
        {
          environment: { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: 'text/csv' },
          image: '246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-sparkml-serving:3.3',
          modelDataUrl: 's3://bucket/model_2.tar.gz',
        },
      ],
    });

    // THEN
    expect(step.toJson()).toEqual(sdk('model-containers'));
  });

  test('RegisterModel: test_step_collections.py test_register_model (drift-check baselines, tags)', () => {
    // WHEN
    const step = new RegisterModelStep('RegisterModelStep-RegisterModel', {
      dependsOn: [new CustomStep('TestStep')],
      displayName: 'RegisterModelStep',
      description: 'description',
      modelPackageGroupName: 'mpg',
      inferenceSpecification: {
        containers: [{ image: '012345678901.dkr.ecr.us-west-2.amazonaws.com/my-custom-image-uri', modelDataUrl: 's3://my-bucket/model.tar.gz' }],
        supportedContentTypes: ['content_type'],
        supportedRealtimeInferenceInstanceTypes: ['inference_instance'],
        supportedResponseMimeTypes: ['response_type'],
        supportedTransformInstanceTypes: ['transform_instance'],
      },
      modelApprovalStatus: 'Approved',
      skipModelValidation: 'None',
      modelMetrics: { bias: {}, explainability: {}, modelQuality: { statistics: { contentType: 'text/csv', s3Uri: 's3://my-bucket/metrics.csv' } } },
      driftCheckBaselines: { modelQuality: { constraints: { contentType: 'text/csv', s3Uri: 's3://my-bucket/constraints_metrics.csv' } } },
      modelPackageDescription: 'description',
      tags: [{ key: 'myKey', value: 'myValue' }],
      samplePayloadUrl: 's3://test-bucket/model',
      task: 'IMAGE_CLASSIFICATION',
    });

    // THEN (the SDK's RegisterModel step collection holds this one step)
    expect([step.toJson()]).toEqual(sdk('register-model'));
  });

  test('Condition: test_condition_step.py test_pipeline_condition_step_interpolated (every condition type, Not writes Condition)', () => {
    // GIVEN
    const int1 = new ParameterInteger('MyInt1');
    const int2 = new ParameterInteger('MyInt2');
    const str = new ParameterString('MyStr');
    const start = ExecutionVariable.START_DATE_TIME;
    const step0 = new CustomStep('MyStep0');
    const date = PipelineExpression.fromString('2020-12-01');
    const abcDef = [PipelineExpression.fromString('abc'), PipelineExpression.fromString('def')];
    const eq = Condition.equalTo(int1, int2);
    const gt = Condition.greaterThan(start, date);
    const isIn = Condition.isIn(str, abcDef);

    // WHEN
    const gate = new ConditionStep('MyConditionStep', {
      conditions: [
        eq, gt, Condition.greaterThanOrEqualTo(start, str), Condition.lessThan(start, date), Condition.lessThanOrEqualTo(start, str), isIn,
        Condition.isIn(str, [PipelineExpression.fromString('abc'), step0.property('TrainingJobName'), start]),
        Condition.negate(eq), Condition.negate(isIn), Condition.anyOf([gt, isIn]),
      ],
      ifSteps: [new CustomStep('MyStep1')],
      elseSteps: [new CustomStep('MyStep2')],
    });
    const json = PipelineDefinition.fromSteps({ parameters: [int1, int2, str], steps: [gate, step0] }).toJson();

    // THEN
    expect(json).toEqual(sdk('condition'));
  });

  test('Fail: test_fail_step.py test_fail_step', () => {
    const step = new FailStep('MyFailStep', { dependsOn: [new CustomStep('TestStep')], errorMessage: 'Test error message' });
    step.addDependsOn(new CustomStep('SecondTestStep'));
    expect(step.toJson()).toEqual(sdk('fail'));
  });

  test('Fail without a message writes an empty one: test_fail_step.py test_fail_step_with_no_error_message', () => {
    const step = new FailStep('MyFailStep', { dependsOn: [new CustomStep('TestStep'), new CustomStep('SecondTestStep')] });
    expect(step.toJson()).toEqual(sdk('fail-no-message'));
  });

  test('Fail with a Join, after a condition step with both branches empty: test_fail_step.py test_fail_step_with_join_fn_in_error_message', () => {
    // GIVEN
    const param = new ParameterInteger('MyInt', { defaultValue: 2 });
    const gate = new ConditionStep('CondStep', { conditions: [Condition.equalTo(param, PipelineExpression.fromNumber(1))], ifSteps: [], elseSteps: [] });

    // WHEN
    const fail = new FailStep('FailStep', { errorMessage: join(': ', ['Failed due to xxx == yyy returns', gate.outcome.asString()]) });
    const json = PipelineDefinition.fromSteps({ parameters: [param], steps: [gate, fail] }).toJson();

    // THEN
    expect(json.Steps).toEqual(sdk('fail-join'));
  });

  const functionArn = 'arn:aws:lambda:us-west-2:123456789012:function:sagemaker_test_lambda';

  test('Lambda: test_lambda_step.py test_lambda_step', () => {
    // GIVEN
    const param = new ParameterInteger('MyInt');
    const fn = lambda.Function.fromFunctionArn(stack, `Fn${ids++}`, functionArn);

    // WHEN
    const step = new LambdaStep('MyLambdaStep', {
      dependsOn: [new CustomStep('TestStep')],
      lambdaFunction: fn,
      displayName: 'MyLambdaStep',
      description: 'MyLambdaStepDescription',
      inputs: { arg1: 'foo', arg2: 5, arg3: param },
      outputs: [{ outputName: 'output1', outputType: StepOutputType.STRING }, { outputName: 'output2', outputType: StepOutputType.BOOLEAN }],
      cacheConfig: { enabled: true, expireAfter: 'PT1H' },
    });
    step.addDependsOn(new CustomStep('SecondTestStep'));

    // THEN
    expect(step.toJson()).toEqual(sdk('lambda'));
  });

  test('Lambda outputs read by another step: test_lambda_step.py test_pipeline_interpolates_lambda_outputs', () => {
    // GIVEN
    const fn = lambda.Function.fromFunctionArn(stack, `Fn${ids++}`, functionArn);
    const custom = new CustomStep('TestStep');
    const first = new LambdaStep('MyLambdaStep1', { dependsOn: [custom], lambdaFunction: fn, inputs: { arg1: 'foo' }, outputs: [{ outputName: 'output1' }] });

    // WHEN
    const second = new LambdaStep('MyLambdaStep2', {
      dependsOn: [custom], lambdaFunction: fn, inputs: { arg1: first.outputParameter('output1') }, outputs: [{ outputName: 'output2' }],
    });
    const json = PipelineDefinition.fromSteps({ parameters: [new ParameterString('MyStr')], steps: [first, second, custom] }).toJson();

    // THEN
    expect(json).toEqual(sdk('lambda-pipeline'));
  });

  test('Callback outputs read by another step: test_callback_step.py test_pipeline_interpolates_callback_outputs', () => {
    // GIVEN a queue whose URL is literal in the definition (fromQueueAttributes with queueUrl)
    const queue = sqs.Queue.fromQueueAttributes(stack, `Queue${ids++}`, {
      queueArn: 'arn:aws:sqs:us-east-2:123456789012:MyQueue',
      queueUrl: 'https://sqs.us-east-2.amazonaws.com/123456789012/MyQueue',
    });
    const custom = new CustomStep('TestStep');
    const first = new CallbackStep('MyCallbackStep1', { dependsOn: [custom], queue, inputs: { arg1: 'foo' }, outputs: [{ outputName: 'output1' }] });

    // WHEN
    const second = new CallbackStep('MyCallbackStep2', {
      dependsOn: [custom], queue, inputs: { arg1: first.outputParameter('output1') }, outputs: [{ outputName: 'output2' }],
    });
    const json = PipelineDefinition.fromSteps({ parameters: [new ParameterString('MyStr')], steps: [first, second, custom] }).toJson();

    // THEN
    expect(json).toEqual(sdk('callback-pipeline'));
  });

  /** What the SDK's quality check test does to the step before comparing: drop the S3 URIs it uploads under a timestamp. */
  function withoutUploadedUris(step: any, keep: string[]): any {
    for (const input of step.Arguments.ProcessingInputs) if (!keep.includes(input.InputName)) delete input.S3Input.S3Uri;
    for (const output of step.Arguments.ProcessingOutputConfig.Outputs) if (!keep.includes(output.OutputName)) delete output.S3Output.S3Uri;
    return step;
  }

  const monitorImage = '159807026194.dkr.ecr.us-west-2.amazonaws.com/sagemaker-model-monitor-analyzer';
  const checkParameters = () => ({
    group: new ParameterString('MyModelPackageGroup', { defaultValue: '' }),
    statistics: new ParameterString('SuppliedBaselineStatisticsUri', { defaultValue: '' }),
    constraints: new ParameterString('SuppliedBaselineConstraintsUri', { defaultValue: '' }),
  });

  test('QualityCheck (data quality): test_quality_check_step.py test_data_quality_check_step, FailOnViolation written', () => {
    // GIVEN
    const p = checkParameters();

    // WHEN
    const step = QualityCheckStep.dataQuality('DataQualityCheckStep', {
      checkJobConfig: { role: dummyRole(), imageUri: monitorImage, instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 60, maxRuntimeInSeconds: 1800 },
      dataQualityCheckConfig: {
        baselineDataset: new ParameterString('BaselineDataset').asString(),
        datasetFormat: DatasetFormat.csv({ header: true }),
        outputS3Uri: 's3://...',
        recordPreprocessorScript: 's3://my_bucket/data_quality/preprocessor.py',
        postAnalyticsProcessorScript: 's3://my_bucket/data_quality/postprocessor.py',
      },
      skipCheck: PipelineExpression.fromBoolean(false),
      failOnViolation: PipelineExpression.fromBoolean(false),
      registerNewBaseline: PipelineExpression.fromBoolean(false),
      modelPackageGroupName: p.group.asString(),
      suppliedBaselineStatistics: p.statistics.asString(),
      suppliedBaselineConstraints: p.constraints.asString(),
      cacheConfig: { enabled: true, expireAfter: 'PT1H' },
      // The SDK test opts in to custom job prefixes (PipelineDefinitionConfig(use_custom_job_prefix=True)).
      additionalArguments: { ProcessingJobName: 'CheckJobPrefix' },
    });

    // THEN
    expect(withoutUploadedUris(step.toJson(), ['baseline_dataset_input', 'quality_check_output'])).toEqual(sdk('quality-check-data'));
    expect(step.calculatedBaselineStatistics).toBeDefined();
  });

  test('QualityCheck (model quality): test_quality_check_step.py test_model_quality_check_step, FailOnViolation defaults to true', () => {
    // GIVEN
    const p = checkParameters();

    // WHEN
    const step = QualityCheckStep.modelQuality('ModelQualityCheckStep', {
      checkJobConfig: { role: dummyRole(), imageUri: monitorImage, volumeSizeInGb: 60, maxRuntimeInSeconds: 1800 },
      modelQualityCheckConfig: {
        baselineDataset: 'baseline_dataset_s3_url',
        datasetFormat: DatasetFormat.csv(),
        problemType: 'BinaryClassification',
        postAnalyticsProcessorScript: 's3://my_bucket/data_quality/postprocessor.py',
        outputS3Uri: 's3://bucket/out',
      },
      modelPackageGroupName: p.group.asString(),
      suppliedBaselineStatistics: p.statistics.asString(),
      suppliedBaselineConstraints: p.constraints.asString(),
    });

    // THEN
    expect(withoutUploadedUris(step.toJson(), [])).toEqual(sdk('quality-check-model'));
  });

  const clarifyImage = '306415355426.dkr.ecr.us-west-2.amazonaws.com/sagemaker-clarify-processing:1.0';
  const clarifyJob = (analysisConfig: string) => ({
    processingResources: { clusterConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 } },
    appSpecification: { imageUri: clarifyImage },
    role: dummyRole(),
    processingInputs: [
      { inputName: 'analysis_config', s3Input: { s3Uri: analysisConfig, localPath: '/opt/ml/processing/input/config' } },
      { inputName: 'dataset', s3Input: { s3Uri: 's3://my_bucket/input', localPath: '/opt/ml/processing/input/data' } },
    ],
    processingOutputConfig: {
      outputs: [{ outputName: 'analysis_result', s3Output: { s3Uri: 's3://my_bucket/output', localPath: '/opt/ml/processing/output' } }],
      kmsKeyId: 'output_kms_key',
    },
  });

  test('ClarifyCheck (data bias): test_clarify_check_step.py test_data_bias_check_step, FailOnViolation written', () => {
    // WHEN
    const step = new ClarifyCheckStep('DataBiasCheckStep', {
      ...clarifyJob('s3://my_bucket/analysis_cfg_output/analysis_config.json'),
      checkType: ClarifyCheckType.DATA_BIAS,
      modelPackageGroupName: new ParameterString('MyModelPackageGroup').asString(),
      failOnViolation: PipelineExpression.fromBoolean(false),
      suppliedBaselineConstraints: 'supplied_baseline_constraints',
      cacheConfig: { enabled: true, expireAfter: 'PT1H' },
      additionalArguments: { ProcessingJobName: 'CheckJobPrefix' },
    });

    // THEN
    expect(step.toJson()).toEqual(sdk('clarify-check-data-bias'));
  });

  test('ClarifyCheck (model bias): test_clarify_check_step.py test_model_bias_check_step', () => {
    const step = new ClarifyCheckStep('ModelBiasCheckStep', {
      ...clarifyJob('s3://my_bucket/output/analysis_config.json'),
      checkType: ClarifyCheckType.MODEL_BIAS,
      modelPackageGroupName: new ParameterString('MyModelPackageGroup').asString(),
      suppliedBaselineConstraints: 'supplied_baseline_constraints',
      modelName: 'model_name',
    });
    expect(step.toJson()).toEqual(sdk('clarify-check-model-bias'));
  });

  test('EMR on a running cluster: test_emr_step.py test_pipeline_interpolates_emr_outputs', () => {
    // GIVEN
    const custom = new CustomStep('TestStep');

    // WHEN
    const first = new EmrStep('emr_step_1', {
      clusterId: 'MyClusterID',
      displayName: 'emr_step_1',
      description: 'MyEMRStepDescription',
      dependsOn: [custom],
      stepConfig: {
        hadoopJarStep: {
          jar: 's3:/script-runner/script-runner_1.jar',
          args: ['--arg_0', 'arg_0_value'],
          mainClass: 'com.my.main',
          properties: [{ key: 'Foo', value: 'Foo_value' }, { key: 'Bar', value: 'Bar_value' }],
        },
      },
    });
    const second = new EmrStep('emr_step_2', {
      clusterId: 'MyClusterID', displayName: 'emr_step_2', description: 'MyEMRStepDescription', dependsOn: [custom],
      stepConfig: { hadoopJarStep: { jar: 's3:/script-runner/script-runner_2.jar' } },
    });
    const json = PipelineDefinition.fromSteps({ parameters: [new ParameterString('MyStr')], steps: [first, second, custom] }).toJson();

    // THEN
    expect(json).toEqual(sdk('emr-cluster-id'));
  });

  test('EMR on a cluster the step creates (ClusterConfig): test_emr_step.py test_emr_step_with_valid_cluster_config', () => {
    // WHEN
    const step = new EmrStep('MyEMRStep', {
      displayName: 'MyEMRStep',
      description: 'MyEMRStepDescription',
      clusterConfig: {
        instances: {
          instanceGroups: [{ name: 'Master Instance Group', instanceRole: 'MASTER', instanceCount: 1, instanceType: 'm1.small', market: 'ON_DEMAND' }],
          instanceCount: 1,
          hadoopVersion: 'MyHadoopVersion',
        },
        amiVersion: '3.8.0',
        additionalInfo: 'MyAdditionalInfo',
      },
      stepConfig: { hadoopJarStep: { jar: 's3:/script-runner/script-runner.jar' } },
      cacheConfig: { enabled: true, expireAfter: 'PT1H' },
    });

    // THEN
    expect(PipelineDefinition.fromSteps({ steps: [step] }).toJson()).toEqual(sdk('emr-cluster-config'));
  });

  test('AutoML: test_automl_step.py test_single_automl_step', () => {
    // WHEN
    const step = new AutoMlStep('MyAutoMLStep', {
      role: dummyRole(),
      autoMlJobConfig: {
        candidateGenerationConfig: { featureSpecificationS3Uri: 's3://bucket/features.json' },
        dataSplitConfig: { validationFraction: 0.3 },
        mode: 'ENSEMBLING',
        completionCriteria: { maxAutoMlJobRuntimeInSeconds: 36000, maxCandidates: 1, maxRuntimePerTrainingJobInSeconds: 3600 },
        securityConfig: {
          enableInterContainerTrafficEncryption: false,
          volumeKmsKeyId: 'volume-kms-key-id-string',
          vpcConfig: { securityGroupIds: ['group'], subnets: ['subnet'] },
        },
      },
      autoMlJobObjective: { metricName: 'F1' },
      inputDataConfig: ['training', 'validation'].map((channelType) => ({
        channelType,
        compressionType: 'Gzip',
        dataSource: { s3DataSource: { s3Uri: channelType === 'training' ? 's3://bucket/data' : 's3://bucket/validation_data' } },
        targetAttributeName: 'target',
        sampleWeightAttributeName: 'sampleWeight',
      })),
      outputDataConfig: { kmsKeyId: 'output-kms-key-id-string', s3OutputPath: 's3://my_other_bucket/' },
      problemType: 'BinaryClassification',
      // The SDK test opts in to custom job prefixes, and passes its tags as Name/Value.
      additionalArguments: { AutoMLJobName: 'AutoMLJo', Tags: [{ Name: 'some-tag', Value: 'value-for-tag' }] },
    });

    // THEN
    expect(step.toJson()).toEqual(sdk('automl'));
  });

  test('Training in a VPC: test_step_collections.py test_estimator_transformer_with_model_repack_with_estimator (the repack training job)', () => {
    // WHEN
    const step = new TrainingStep('EstimatorTransformerStepRepackModel', {
      algorithmSpecification: { trainingInputMode: 'File', trainingImage: '246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3' },
      profilerConfig: { disableProfiler: true },
      outputDataConfig: { s3OutputPath: 's3://my-bucket/' },
      stoppingCondition: { maxRuntimeInSeconds: 86400 },
      resourceConfig: { instanceCount: 1, instanceType: 'ml.m5.large', volumeSizeInGb: 30 },
      role: dummyRole(),
      inputDataConfig: [{ channelName: 'training', dataSource: { s3DataSource: { s3Uri: 's3://my-bucket/model.tar.gz' } } }],
      hyperParameters: {
        inference_script: '"inference.py"', model_archive: '"s3://my-bucket/model.tar.gz"', dependencies: 'null', source_dir: 'null',
        sagemaker_program: '"_repack_script_launcher.sh"', sagemaker_container_log_level: '20', sagemaker_region: '"us-west-2"',
      },
      vpcConfig: { subnets: ['abc', 'def'], securityGroupIds: ['123', '456'] },
      debugHookConfig: { s3OutputPath: 's3://my-bucket/', collectionConfigurations: [] },
    });

    // THEN (the SDK test compares the step's arguments, the generated submit directory aside)
    expect(step.toJson().Arguments).toEqual(sdk('training-vpc'));
  });

  test('Processing NetworkConfig: test_airflow.py test_processing_config (the SDK\'s processing request)', () => {
    // WHEN
    const step = new ProcessingStep('Network', {
      processingResources: { clusterConfig: { instanceType: 'ml.p2.xlarge', instanceCount: 2, volumeSizeInGb: 30 } },
      appSpecification: { imageUri: 'image' },
      role: dummyRole(),
      networkConfig: { enableInterContainerTrafficEncryption: false, enableNetworkIsolation: true, vpcConfig: { securityGroupIds: ['sg1'], subnets: ['subnet1'] } },
    });

    // THEN
    expect(step.toJson().Arguments.NetworkConfig).toEqual(sdk('processing-network').NetworkConfig);
  });

  test('PipelineExperimentConfig.NONE writes null: test_pipeline.py test_pipeline_disable_experiment_config', () => {
    const json = PipelineDefinition.fromSteps({ steps: [new CustomStep('MyStep', 'input')], experimentConfig: PipelineExperimentConfig.NONE }).toJson();
    expect(json).toEqual(sdk('experiment-config-none'));
  });
});

describe(`golden: SDK ${V3} expected outputs rebuilt with the DSL`, () => {
  const role = () => iam.Role.fromRoleArn(stack, `EmrServerless${ids++}`, 'arn:aws:iam::123456789012:role/EMRServerlessRole', { mutable: false });
  const jobDriver = { sparkSubmit: { entryPoint: 's3://bucket/script.py' } };

  test('EMRServerless on an existing application: test_emr_serverless_step.py test_existing_application_step', () => {
    const step = new EmrServerlessStep('test-step', {
      displayName: 'Test Step', description: 'Test Description', jobConfig: { jobDriver, executionRole: role() }, applicationId: 'app-123',
    });
    expect(step.toJson().Arguments).toEqual(sdk('emr-serverless-application-id'));
    expect(step.toJson()).toMatchObject({ Name: 'test-step', Type: 'EMRServerless', DisplayName: 'Test Step', Description: 'Test Description' });
  });

  test('EMRServerless on an application it creates: test_emr_serverless_step.py test_new_application_step', () => {
    const step = new EmrServerlessStep('test-step', {
      displayName: 'Test Step',
      description: 'Test Description',
      jobConfig: { jobDriver, executionRole: role() },
      applicationConfig: { name: 'test-application', releaseLabel: 'emr-6.15.0', type: 'SPARK' },
    });
    expect(step.toJson().Arguments).toEqual(sdk('emr-serverless-application-config'));
  });

  test('MlflowConfig at the top of the definition: test_pipeline_mlflow_config.py test_pipeline_with_mlflow_config', () => {
    // WHEN
    const json = PipelineDefinition.fromSteps({
      steps: [new CustomStep('MyStep', 'input')],
      sdkVersion: SdkVersion.V3,
      mlflowConfig: MlflowConfig.of({
        trackingServerArn: 'arn:aws:sagemaker:us-west-2:123456789012:mlflow-tracking-server/training-test',
        experimentName: 'training-test-experiment',
      }),
    }).toJson();

    // THEN
    expect(json).toEqual(sdk('mlflow-config'));
  });
});

describe('SDK v2 and v3 differences', () => {
  test('without an MLflow config, v3 writes "MlflowConfig": null (sagemaker-mlops v3.20.0 pipeline.py definition()) and v2 writes none', () => {
    // GIVEN
    const steps = () => [new CustomStep('MyStep', 'input')];

    // WHEN
    const v2 = PipelineDefinition.fromSteps({ steps: steps() }).toJson();
    const v3 = PipelineDefinition.fromSteps({ steps: steps(), sdkVersion: SdkVersion.V3 }).toJson();

    // THEN
    expect('MlflowConfig' in v2).toBe(false);
    expect(v3.MlflowConfig).toBeNull();
    expect({ ...v3, MlflowConfig: undefined }).toEqual({ ...v2, MlflowConfig: undefined });
  });

  test('a tuning step inside a condition branch follows the definition\'s SDK version', () => {
    const { step, parameters } = (() => {
      const dataUri = new ParameterString('Data');
      return {
        parameters: [dataUri],
        step: new TuningStep('Tune', {
          hyperParameterTuningJobConfig: { strategy: 'Random', resourceLimits: { maxNumberOfTrainingJobs: 2, maxParallelTrainingJobs: 1 } },
          trainingJobDefinition: {
            role: dummyRole(),
            algorithmSpecification: { trainingInputMode: 'File', trainingImage: 'img' },
            outputDataConfig: { s3OutputPath: 's3://b/o' },
            resourceConfig: { instanceCount: 1, instanceType: 'ml.m5.large', volumeSizeInGb: 10 },
            stoppingCondition: { maxRuntimeInSeconds: 60 },
            inputDataConfig: [{ channelName: 'train', dataSource: { s3DataSource: { s3Uri: dataUri.asString() } } }],
          },
        }),
      };
    })();
    const gate = new ConditionStep('Gate', { conditions: [Condition.equalTo(PipelineExpression.fromNumber(1), PipelineExpression.fromNumber(1))], ifSteps: [step] });
    const json = PipelineDefinition.fromSteps({ steps: [gate], parameters, sdkVersion: SdkVersion.V3 }).toJson();
    const definition = json.Steps[0].Arguments.IfSteps[0].Arguments.TrainingJobDefinition;
    expect(definition.ResourceConfig).toEqual({ InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 });
    expect(definition.HyperParameterTuningResourceConfig).toBeUndefined();
    // channels get the training step's S3 defaults
    expect(definition.InputDataConfig[0].DataSource.S3DataSource).toEqual({ S3Uri: { Get: 'Parameters.Data' }, S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated' });
  });
});
