import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  ExecutionVariable, ModelStep, ParameterFloat, ParameterInteger, ParameterString, PipelineDefinition,
  PipelineExpression, ProcessingStep, PropertyFile, RegisterModelStep, TrainingStep, TransformStep,
} from '../../../lib/pipeline/definition';

// The SDK-emitted definitions of ../shared/reference/pipeline-definitions, copied here so the
// tests do not depend on a folder outside the repository.
const FIXTURES = path.join(__dirname, '..', 'fixtures');
const ABALONE = path.join(FIXTURES, 'abalone-preprocess-skrishnakumar027.pipeline_definition.json');
const DYNAMIC = path.join(FIXTURES, 'dynamic-sagemaker-pipelines-framework.pipeline_definition.json');

function sdkJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function importedRole(arn: string): iam.IRole {
  const stack = new Stack(new App());
  return iam.Role.fromRoleArn(stack, 'Role', arn, { mutable: false });
}

/** The output path the SDK builds for a processing output: s3://<bucket>/<prefix>/<execution id>/<step>/output/<name>. */
function sdkOutputUri(bucket: string, prefix: string, step: string, output: string): string {
  return PipelineExpression.join('/', ['s3:/', bucket, prefix, ExecutionVariable.PIPELINE_EXECUTION_ID.asString(), step, 'output', output]).asString();
}

function abaloneWithDsl(): PipelineDefinition {
  const processingInstanceType = new ParameterString('ProcessingInstanceType', { defaultValue: 'ml.m5.xlarge' });
  const processingInstanceCount = new ParameterInteger('ProcessingInstanceCount', { defaultValue: 1 });
  const trainingInstanceType = new ParameterString('TrainingInstanceType', { defaultValue: 'ml.m5.xlarge' });
  const modelApprovalStatus = new ParameterString('ModelApprovalStatus', { defaultValue: 'PendingManualApproval' });
  const inputData = new ParameterString('InputData', { defaultValue: 's3://dep-poc-sagemaker-bucket/sagemaker_pipeline_1/abalone-dataset.csv' });
  const batchData = new ParameterString('BatchData', { defaultValue: 's3://dep-poc-sagemaker-bucket/sagemaker_pipeline_1/abalone-dataset-batch' });
  const mseThreshold = new ParameterFloat('MseThreshold', { defaultValue: 6.0 });
  const bucket = 'sagemaker-us-east-2-390831823934';

  const process = new ProcessingStep('AbaloneProcess', {
    processingResources: {
      clusterConfig: { instanceType: processingInstanceType.asString(), instanceCount: processingInstanceCount.asNumber(), volumeSizeInGb: 30 },
    },
    appSpecification: {
      imageUri: '257758044811.dkr.ecr.us-east-2.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3',
      containerEntrypoint: ['python3', '/opt/ml/processing/input/code/preprocessing.py'],
    },
    role: importedRole('arn:aws:iam::390831823934:role/team-role-dep-aiml-sagemaker-execution'),
    processingInputs: [
      { inputName: 'input-1', s3Input: { s3Uri: inputData.asString(), localPath: 'pipleline_1_dev/input' } },
      {
        inputName: 'code',
        s3Input: { s3Uri: `s3://${bucket}/AbaloneProcess-98d8b6b1dccd8292681bf1f954b79e40/input/code/preprocessing.py`, localPath: '/opt/ml/processing/input/code' },
      },
    ],
    processingOutputConfig: {
      outputs: ['train', 'validation', 'test'].map((name) => ({
        outputName: name,
        s3Output: { s3Uri: sdkOutputUri(bucket, 'krishna-test-preprocess-v1', 'AbaloneProcess', name), localPath: `pipleline_1_dev/${name}` },
      })),
    },
  });

  return PipelineDefinition.fromSteps({
    parameters: [processingInstanceType, processingInstanceCount, trainingInstanceType, modelApprovalStatus, inputData, batchData, mseThreshold],
    steps: [process],
  });
}

function dynamicWithDsl(): PipelineDefinition {
  const role = importedRole('arn:aws:iam::327206644775:role/service-role/AmazonSageMaker-ExecutionRole-20221003T003950');
  const bucket = 'sagemaker-us-east-1-327206644775';
  const code = (hash: string, file: string) => `s3://${bucket}/calhousing-test/code/${hash}/${file}`;
  const cache = { enabled: true, expireAfter: '10d' };
  const noCache = { enabled: false, expireAfter: '10d' };
  const network = { enableNetworkIsolation: false, enableInterContainerTrafficEncryption: true };
  const sklearn = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
  const runproc = ['/bin/bash', '/opt/ml/processing/input/entrypoint/runproc.sh'];
  const description = 'Default Model Package Description. Please add custom descriptioon in your conf.yaml file';
  const sdkHyperParameters = (hash: string, program: string) => ({
    sagemaker_submit_directory: `"${code(hash, 'sourcedir.tar.gz')}"`,
    sagemaker_program: `"${program}"`,
    sagemaker_container_log_level: '20',
    sagemaker_region: '"us-east-1"',
  });
  const inferenceEnvironment = (program: string) => ({
    SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code', SAGEMAKER_PROGRAM: program, SAGEMAKER_REQUIREMENTS: 'requirements.txt',
  });
  const pipelineArnMetadata = { PIPELINE_ARN: ExecutionVariable.PIPELINE_EXECUTION_ARN.asString() };

  const falconPreprocess = new ProcessingStep('falcon-text-summarization-preprocess', {
    processingResources: { clusterConfig: { instanceType: 'ml.m5.2xlarge', instanceCount: 1, volumeSizeInGb: 32 } },
    appSpecification: { imageUri: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.0.0-cpu-py310-ubuntu20.04-sagemaker', containerEntrypoint: runproc },
    role,
    processingInputs: [
      { inputName: 'code', s3Input: { s3Uri: code('10162a72a70ea73cfc521c8d9a940a1e', 'sourcedir.tar.gz'), localPath: '/opt/ml/processing/input/code/' } },
      { inputName: 'entrypoint', s3Input: { s3Uri: code('b99be1bf860d1dd9ef0da2f5e99d6005', 'runproc.sh'), localPath: '/opt/ml/processing/input/entrypoint' } },
    ],
    processingOutputConfig: {
      outputs: ['training', 'testing'].map((name) => ({
        outputName: name,
        s3Output: { s3Uri: sdkOutputUri(bucket, 'calhousing-test', 'falcon-text-summarization-preprocess', name), localPath: `/opt/ml/processing/output/${name}` },
      })),
    },
    networkConfig: network,
    stoppingCondition: { maxRuntimeInSeconds: 3000 },
    cacheConfig: cache,
  });

  const falconTuning = new TrainingStep('falcon-text-summarization-tuning', {
    algorithmSpecification: { trainingInputMode: 'File', trainingImage: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.0.0-cpu-py310-ubuntu20.04-sagemaker' },
    outputDataConfig: { s3OutputPath: `s3://${bucket}/` },
    stoppingCondition: { maxRuntimeInSeconds: 86400 },
    resourceConfig: { volumeSizeInGb: 1024, instanceCount: 1, instanceType: 'ml.g5.12xlarge' },
    role,
    inputDataConfig: ['training', 'testing'].map((name) => ({
      dataSource: { s3DataSource: { s3Uri: falconPreprocess.outputS3Uri(name) } },
      inputMode: 'File',
      channelName: `falcon-text-summarization-preprocess-${name}`,
    })),
    hyperParameters: sdkHyperParameters('3fbcabc20b3e5c7a4186176db6d9b74a', 'training.py'),
    debugHookConfig: { s3OutputPath: `s3://${bucket}/`, collectionConfigurations: [] },
    profilerConfig: { s3OutputPath: `s3://${bucket}/`, disableProfiler: false },
    dependsOn: [falconPreprocess],
    cacheConfig: cache,
  });

  const falconRegister = new RegisterModelStep('falcon-text-summarization-register-RegisterModel', {
    modelPackageGroupName: 'test-falcon40b-finetuneable',
    modelPackageDescription: description,
    customerMetadataProperties: pipelineArnMetadata,
    inferenceSpecification: {
      containers: [{
        image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04',
        environment: inferenceEnvironment('transform.inference'),
        modelDataUrl: falconTuning.modelArtifacts,
      }],
      supportedContentTypes: ['application/json'],
      supportedResponseMimeTypes: ['application/json'],
      supportedRealtimeInferenceInstanceTypes: ['ml.m5.2xlarge'],
      supportedTransformInstanceTypes: ['ml.m5.2xlarge'],
    },
    modelApprovalStatus: 'PendingManualApproval',
    skipModelValidation: 'None',
    dependsOn: [falconTuning],
  });

  const preprocess = new ProcessingStep('calhousing-Preprocessing', {
    processingResources: { clusterConfig: { instanceType: 'ml.m5.2xlarge', instanceCount: 1, volumeSizeInGb: 32 } },
    appSpecification: { imageUri: sklearn, containerEntrypoint: runproc },
    role,
    processingInputs: [
      { inputName: 'raw_data', s3Input: { s3Uri: `s3://${bucket}/tf2-california-housing-pipelines/traindata`, localPath: '/opt/ml/processing/input/raw_data' } },
      { inputName: 'code', s3Input: { s3Uri: code('601361f018d558aff5f6d5e5aa268a99', 'sourcedir.tar.gz'), localPath: '/opt/ml/processing/input/code/' } },
      { inputName: 'entrypoint', s3Input: { s3Uri: code('906d832cb8d78a79db7aca5f0e90b4df', 'runproc.sh'), localPath: '/opt/ml/processing/input/entrypoint' } },
    ],
    processingOutputConfig: {
      outputs: [{ outputName: 'train', s3Output: { s3Uri: sdkOutputUri(bucket, 'calhousing-test', 'calhousing-Preprocessing', 'train'), localPath: '/opt/ml/processing/output/train' } }],
    },
    networkConfig: network,
    stoppingCondition: { maxRuntimeInSeconds: 3000 },
    cacheConfig: cache,
  });

  const train = new TrainingStep('calhousing-Training', {
    algorithmSpecification: { trainingInputMode: 'File', trainingImage: '763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-training:2.11.0-cpu-py39' },
    outputDataConfig: { s3OutputPath: `s3://${bucket}/` },
    stoppingCondition: { maxRuntimeInSeconds: 3000 },
    resourceConfig: { volumeSizeInGb: 32, instanceCount: 1, instanceType: 'ml.m5.2xlarge' },
    role,
    inputDataConfig: [{
      dataSource: { s3DataSource: { s3Uri: preprocess.outputS3Uri('train') } },
      inputMode: 'File',
      channelName: 'calhousing-Preprocessing-train',
    }],
    hyperParameters: sdkHyperParameters('2b2bed1653f6e5820c3ed4eac9f4c094', 'train.py'),
    debugHookConfig: { s3OutputPath: `s3://${bucket}/`, collectionConfigurations: [] },
    profilerConfig: { s3OutputPath: `s3://${bucket}/`, disableProfiler: false },
    dependsOn: [preprocess],
    cacheConfig: cache,
  });

  const tensorflowInference = '763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-inference:2.11.0-cpu';
  const createModel = new ModelStep('calhousing-CreateModel-CreateModel', {
    executionRole: role,
    primaryContainer: { image: tensorflowInference, environment: inferenceEnvironment('inference'), modelDataUrl: train.modelArtifacts },
    dependsOn: [train],
  });

  const transform = new TransformStep('calhousing-Transform', {
    modelName: createModel.modelName,
    transformInput: {
      dataSource: { s3DataSource: { s3DataType: 'S3Prefix', s3Uri: PipelineExpression.join('/', [preprocess.outputS3Uri('train'), 'test/x_test.csv']).asString() } },
      contentType: 'text/csv',
    },
    transformOutput: {
      s3OutputPath: PipelineExpression.join('/', ['s3:/', bucket, 'calhousing-test', ExecutionVariable.PIPELINE_EXECUTION_ID.asString(), 'calhousing-Transform']).asString(),
      accept: 'text/csv',
    },
    transformResources: { instanceCount: 1, instanceType: 'ml.m5.2xlarge' },
    dependsOn: [createModel],
    cacheConfig: noCache,
  });

  const metricsOutput = `s3://${bucket}/sklearn-2023-10-20-01-19-23-238/output/model_evaluation_metrics`;
  const metrics = new ProcessingStep('calhousing-Metrics', {
    processingResources: { clusterConfig: { instanceType: 'ml.m5.2xlarge', instanceCount: 1, volumeSizeInGb: 50 } },
    appSpecification: { imageUri: sklearn, containerEntrypoint: runproc },
    role,
    processingInputs: [
      { inputName: 'calhousing-Preprocessing-input', s3Input: { s3Uri: preprocess.outputS3Uri('train'), localPath: '/opt/ml/processing/input/calhousing-Preprocessing-train' } },
      { inputName: 'calhousing-Transform-input', s3Input: { s3Uri: transform.outputPath, localPath: '/opt/ml/processing/input/calhousing-Transform-train' } },
      { inputName: 'code', s3Input: { s3Uri: code('f650f30a4e4548c8e803ea6d1a6df415', 'sourcedir.tar.gz'), localPath: '/opt/ml/processing/input/code/' } },
      { inputName: 'entrypoint', s3Input: { s3Uri: code('3fb09322e97ad9af120c0c082586efcb', 'runproc.sh'), localPath: '/opt/ml/processing/input/entrypoint' } },
    ],
    processingOutputConfig: {
      outputs: [{ outputName: 'model_evaluation_metrics', s3Output: { s3Uri: metricsOutput, localPath: '/opt/ml/processing/output/' } }],
    },
    networkConfig: network,
    stoppingCondition: { maxRuntimeInSeconds: 3600 },
    dependsOn: [transform],
    cacheConfig: noCache,
    propertyFiles: [new PropertyFile({ name: 'EvaluationReport', outputName: 'model_evaluation_metrics', path: 'model_evaluation_metrics.json' })],
  });

  const register = new RegisterModelStep('calhousing-Register-RegisterModel', {
    modelPackageGroupName: 'test-calhousing',
    modelPackageDescription: description,
    modelMetrics: {
      modelQuality: { statistics: { contentType: 'application/json', s3Uri: `${metricsOutput}model_evaluation_metrics.json` } },
      bias: {},
      explainability: {},
    },
    customerMetadataProperties: pipelineArnMetadata,
    inferenceSpecification: {
      containers: [{ image: tensorflowInference, environment: inferenceEnvironment('inference'), modelDataUrl: train.modelArtifacts }],
      supportedContentTypes: ['application/json'],
      supportedResponseMimeTypes: ['application/json'],
      supportedRealtimeInferenceInstanceTypes: ['ml.m5.2xlarge'],
      supportedTransformInstanceTypes: ['ml.m5.2xlarge'],
    },
    modelApprovalStatus: 'PendingManualApproval',
    skipModelValidation: 'None',
    dependsOn: [metrics],
  });

  return PipelineDefinition.fromSteps({
    steps: [falconPreprocess, falconTuning, falconRegister, preprocess, train, createModel, transform, metrics, register],
  });
}

describe('definitions emitted by the SageMaker Python SDK', () => {
  test.each([
    ['abalone preprocessing (typed parameters, Std:Join outputs)', ABALONE, abaloneWithDsl],
    ['dynamic framework (processing, training, register, model, transform, property files)', DYNAMIC, dynamicWithDsl],
  ])('the DSL rebuilds %s exactly', (_name, file, build) => {
    // GIVEN
    const expected = sdkJson(file);

    // WHEN
    const actual = build().toJson();

    // THEN: equal as parsed JSON, key order aside
    expect(actual).toEqual(expected);
  });

  test.each([
    ['abalone', ABALONE],
    ['dynamic framework', DYNAMIC],
  ])('fromFile imports the %s definition unchanged and valid', (_name, file) => {
    // WHEN
    const definition = PipelineDefinition.fromFile(file);

    // THEN
    expect(definition.validate()).toEqual([]);
    expect(definition.toJson()).toEqual(sdkJson(file));
  });

  test('fromJson gives back what the DSL emitted', () => {
    // GIVEN
    const built = dynamicWithDsl().toJson();

    // WHEN
    const imported = PipelineDefinition.fromJson(JSON.stringify(built));

    // THEN
    expect(imported.toJson()).toEqual(built);
    expect(imported.stepTypes).toEqual(['Model', 'Processing', 'RegisterModel', 'Training', 'Transform']);
  });
});
