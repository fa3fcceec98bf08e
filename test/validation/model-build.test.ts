import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  ClarifyCheckStep, ClarifyCheckType, ClassicModelBuild, ClassicModelBuildProps, DatasetFormat, MetricComparison, ModelBuildPipeline,
  ParameterString, PipelineDefinition, ProcessingStep, QualityCheckStep, TrainingStep, TransformStep, TuningStep,
} from '../../lib/pipeline';
import { ClassicProjectBuildOptions, ModelBuildSource, ProjectModelBuild, SourceRepository } from '../../lib/project';
import { SDK_VERSION } from '../../lib/private/sagemaker-instance-types.generated';

/*
 * Bad input fails at synth with a message that names where it is, the prop, the value and the fix.
 */

const TOOLING = { account: '111111111111', region: 'eu-west-1' };
const SKLEARN = '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const XGBOOST = '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const XGBOOST_US = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const ROLE_ARN = 'arn:aws:iam::111111111111:role/sagemaker-jobs';
const SDK = SDK_VERSION.replace(/\./g, '\\.');

/** Binds a classic project build as a project does: in a construct of the tooling stack. */
function bindClassic(options: Partial<ClassicProjectBuildOptions>, env: { account: string; region: string } | undefined = TOOLING) {
  const stack = new Stack(new App(), 'Churn-Tooling', { env });
  const scope = new Construct(stack, 'ModelBuildDefinition');
  const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', ROLE_ARN, { mutable: false });
  return ProjectModelBuild.classic({ processingImageUri: SKLEARN, trainingImageUri: XGBOOST, ...options })
    .bind(scope, { jobRole, dataBucketName: 'mlops-churn-data-111111111111', modelPackageGroupName: 'churn', outputPrefix: 'model-build' });
}

function classic(more: Partial<ClassicModelBuildProps> = {}, env: { account: string; region: string } | undefined = TOOLING) {
  const stack = new Stack(new App(), 'Build', { env });
  return new ClassicModelBuild({
    jobRole: iam.Role.fromRoleArn(stack, 'JobRole', ROLE_ARN, { mutable: false }),
    modelPackageGroupName: 'churn',
    processingImageUri: SKLEARN,
    trainingImageUri: XGBOOST,
    dataBucketName: 'ml-data',
    inputDataUri: 's3://ml-data/raw/',
    preprocessScriptUri: 's3://ml-data/code/preprocess.py',
    evaluateScriptUri: 's3://ml-data/code/evaluate.py',
    ...more,
  });
}

describe('ProjectModelBuild.classic', () => {
  test('fails on metricThreshold and comparison without metricJsonPath, naming the default metric they would be compared with and the fix', () => {
    // WHEN / THEN
    expect(() => bindClassic({ metricThreshold: 0.8, comparison: MetricComparison.GREATER_THAN_OR_EQUAL_TO }))
      .toThrow(new RegExp('^ProjectModelBuild\\.classic Churn-Tooling/ModelBuildDefinition: metricThreshold 0\\.8 and comparison GreaterThanOrEqualTo '
        + 'need metricJsonPath, the path of your metric in evaluation\\.json \\(for example \'binary_classification_metrics\\.auc\\.value\'\\): '
        + 'without it the condition compares the default metric \'regression_metrics\\.mse\\.value\'$'));
  });

  test('fails on a comparison alone without metricJsonPath', () => {
    expect(() => bindClassic({ comparison: MetricComparison.LESS_THAN_OR_EQUAL_TO }))
      .toThrow(/: comparison LessThanOrEqualTo needs metricJsonPath, the path of your metric in evaluation\.json .*: without it the condition compares the default metric 'regression_metrics\.mse\.value'$/);
  });

  test('keeps the default metric when neither a threshold nor a comparison is given', () => {
    // WHEN
    const { definition } = bindClassic({});

    // THEN
    const gate = definition.toJson().Steps.find((s: any) => s.Type === 'Condition');
    expect(gate.Arguments.Conditions[0].LeftValue['Std:JsonGet'].Path).toBe('regression_metrics.mse.value');
  });

  test('fails on instance types SageMaker does not have for the job, naming each prop and the closest valid types, in one error', () => {
    // WHEN / THEN
    expect(() => bindClassic({ processingInstanceType: 'ml.m5.huge', trainingInstanceType: 'm5.xlarge' }))
      .toThrow(new RegExp('^ProjectModelBuild\\.classic Churn-Tooling/ModelBuildDefinition: '
        + `processingInstanceType: instance type 'ml\\.m5\\.huge' is not one a processing job accepts \\(ProcessingClusterConfig\\.InstanceType in @aws-sdk/client-sagemaker ${SDK}\\); `
        + 'closest: ml\\.m5\\.large, ml\\.m5\\.xlarge, ml\\.m5\\.2xlarge, ml\\.m5\\.4xlarge, ml\\.m5\\.12xlarge; '
        + `trainingInstanceType: instance type 'm5\\.xlarge' is not one a training job accepts \\(ResourceConfig\\.InstanceType in @aws-sdk/client-sagemaker ${SDK}\\); closest: ml\\.m5\\.xlarge$`));
  });

  test('fails on an ECR image of another region than the tooling stack, naming the prop, both regions and the fix', () => {
    expect(() => bindClassic({ trainingImageUri: XGBOOST_US }))
      .toThrow(new RegExp('^ProjectModelBuild\\.classic Churn-Tooling/ModelBuildDefinition: '
        + `trainingImageUri '${XGBOOST_US.replace(/\./g, '\\.')}' is in ECR of us-east-1, not of eu-west-1 where the build's jobs run and its model is registered: `
        + 'SageMaker pulls job and model images only from ECR of its own region, so use the image\'s repository in eu-west-1 '));
  });

  test('collects the metric, instance type and image problems into one error', () => {
    expect(() => bindClassic({ metricThreshold: 0.8, trainingInstanceType: 'ml.m5.huge', inferenceImageUri: XGBOOST_US }))
      .toThrow(/metricThreshold 0\.8 needs metricJsonPath.*; trainingInstanceType: instance type 'ml\.m5\.huge'.*; inferenceImageUri '683313688378\.dkr\.ecr\.us-east-1\.amazonaws\.com\/sagemaker-xgboost:1\.7-1' is in ECR of us-east-1, not of eu-west-1/);
  });

  test('skips what is known only at deploy time: tokens and the region of an environment-agnostic stack', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Agnostic');
    const instanceType = new CfnParameter(stack, 'TrainingInstanceType').valueAsString;
    const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', ROLE_ARN, { mutable: false });

    // WHEN / THEN
    expect(() => ProjectModelBuild.classic({ processingImageUri: SKLEARN, trainingImageUri: XGBOOST_US, trainingInstanceType: instanceType })
      .bind(new Construct(stack, 'ModelBuildDefinition'), { jobRole, dataBucketName: 'data', modelPackageGroupName: 'churn', outputPrefix: 'model-build' }))
      .not.toThrow();
  });
});

describe('ClassicModelBuild', () => {
  test('fails on metricThreshold without metricJsonPath, naming the fix', () => {
    expect(() => classic({ metricThreshold: 0.8 }))
      .toThrow(/^ClassicModelBuild: metricThreshold 0\.8 needs metricJsonPath, the path of your metric in evaluation\.json \(for example 'binary_classification_metrics\.auc\.value'\): without it the condition compares the default metric 'regression_metrics\.mse\.value'$/);
  });

  test('fails on a processing instance type SageMaker does not have, listing the closest', () => {
    expect(() => classic({ processingInstanceType: 'ml.m5.huge' }))
      .toThrow(new RegExp(`^ClassicModelBuild: processingInstanceType: instance type 'ml\\.m5\\.huge' is not one a processing job accepts \\(ProcessingClusterConfig\\.InstanceType in @aws-sdk/client-sagemaker ${SDK}\\); closest: ml\\.m5\\.large, `));
  });

  test('fails on a training instance type of another family that does not exist, suggesting the nearest families', () => {
    expect(() => classic({ trainingInstanceType: 'ml.p9.xlarge' }))
      .toThrow(/^ClassicModelBuild: trainingInstanceType: instance type 'ml\.p9\.xlarge' is not one a training job accepts .*; closest: ml\.p/);
  });

  test('fails on images of another region than the job role\'s stack, each named', () => {
    // GIVEN
    const monitorUs = '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer';

    // WHEN / THEN
    expect(() => classic({ processingImageUri: SKLEARN.replace('eu-west-1', 'eu-central-1'), dataQualityImageUri: monitorUs }))
      .toThrow(/^ClassicModelBuild: processingImageUri '141502667606\.dkr\.ecr\.eu-central-1\.amazonaws\.com\/sagemaker-scikit-learn:1\.2-1-cpu-py3' is in ECR of eu-central-1, not of eu-west-1 .*; dataQualityImageUri '156813124566\.dkr\.ecr\.us-east-1\.amazonaws\.com\/sagemaker-model-monitor-analyzer' is in ECR of us-east-1, not of eu-west-1 /);
  });

  test('accepts images of its region, of other registries and in the dual-stack form', () => {
    expect(() => classic({
      processingImageUri: 'public.ecr.aws/acme/preprocess:1',
      trainingImageUri: '111111111111.dkr-ecr.eu-west-1.on.aws/train:1',
      inferenceImageUri: XGBOOST,
    })).not.toThrow();
    expect(() => classic({ trainingImageUri: '111111111111.dkr-ecr.us-east-1.on.aws/train:1' })).toThrow(/trainingImageUri '111111111111\.dkr-ecr\.us-east-1\.on\.aws\/train:1' is in ECR of us-east-1, not of eu-west-1/);
  });
});

describe('pipeline steps', () => {
  const role = () => iam.Role.fromRoleArn(new Stack(), 'Role', ROLE_ARN, { mutable: false });

  test('fail on a literal instance type their job does not accept, naming the step and the field', () => {
    expect(() => new ProcessingStep('Preprocess', {
      processingResources: { clusterConfig: { instanceType: 'ml.m5.huge', instanceCount: 1, volumeSizeInGb: 30 } },
      appSpecification: { imageUri: SKLEARN },
      role: role(),
    })).toThrow(new RegExp(`^ProcessingStep Preprocess: processingResources\\.clusterConfig\\.instanceType: instance type 'ml\\.m5\\.huge' is not one a processing job accepts \\(ProcessingClusterConfig\\.InstanceType in @aws-sdk/client-sagemaker ${SDK}\\); closest: ml\\.m5\\.large`));
    expect(() => new TrainingStep('Train', {
      algorithmSpecification: { trainingImage: XGBOOST, trainingInputMode: 'File' },
      role: role(),
      outputDataConfig: { s3OutputPath: 's3://b/train' },
      resourceConfig: { instanceType: 'ml.t2.medium', instanceCount: 1, volumeSizeInGb: 30 },
      stoppingCondition: { maxRuntimeInSeconds: 3600 },
    })).toThrow(/^TrainingStep Train: resourceConfig\.instanceType: instance type 'ml\.t2\.medium' is not one a training job accepts \(ResourceConfig\.InstanceType .*\), though it is one for a .*notebook instance.*; closest: /);
    expect(() => new TransformStep('Score', {
      modelName: 'churn',
      transformInput: { dataSource: { s3DataSource: { s3DataType: 'S3Prefix', s3Uri: 's3://b/in' } } },
      transformOutput: { s3OutputPath: 's3://b/out' },
      transformResources: { instanceType: 'c4.4xlarge', instanceCount: 1 },
    })).toThrow(/^TransformStep Score: transformResources\.instanceType: instance type 'c4\.4xlarge' is not one a batch transform job accepts \(TransformResources\.InstanceType .*\); closest: ml\.c4\.4xlarge$/);
  });

  test('a tuning step checks the instance type of its training jobs', () => {
    expect(() => new TuningStep('Tune', {
      hyperParameterTuningJobConfig: {
        strategy: 'Bayesian',
        resourceLimits: { maxNumberOfTrainingJobs: 4, maxParallelTrainingJobs: 2 },
        hyperParameterTuningJobObjective: { type: 'Minimize', metricName: 'validation:rmse' },
      },
      trainingJobDefinition: {
        algorithmSpecification: { trainingInputMode: 'File', trainingImage: XGBOOST },
        role: role(),
        outputDataConfig: { s3OutputPath: 's3://b/tune' },
        resourceConfig: { instanceType: 'ml.m5.xlage', instanceCount: 1, volumeSizeInGb: 30 },
        stoppingCondition: { maxRuntimeInSeconds: 3600 },
      },
    })).toThrow(/^TuningStep Tune: trainingJobDefinition\.resourceConfig\.instanceType: instance type 'ml\.m5\.xlage' is not one a training job accepts .*; closest: .*ml\.m5\.xlarge/);
  });

  test('check steps name the prop they were given', () => {
    expect(() => QualityCheckStep.dataQuality('DataQualityCheck', {
      checkJobConfig: { role: role(), imageUri: '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer', instanceType: 'ml.m5.huge' },
      dataQualityCheckConfig: { baselineDataset: 's3://b/train', datasetFormat: DatasetFormat.csv(), outputS3Uri: 's3://b/dq' },
    })).toThrow(/^QualityCheckStep DataQualityCheck: checkJobConfig\.instanceType: instance type 'ml\.m5\.huge' is not one a processing job accepts/);
    expect(() => new ClarifyCheckStep('Bias', {
      checkType: ClarifyCheckType.DATA_BIAS,
      processingResources: { clusterConfig: { instanceType: 'ml.m5.huge', instanceCount: 1, volumeSizeInGb: 30 } },
      appSpecification: { imageUri: 'clarify:1' },
      role: role(),
    })).toThrow(/^ClarifyCheckStep Bias: processingResources\.clusterConfig\.instanceType: instance type 'ml\.m5\.huge'/);
  });

  test('let pipeline parameters through: they are known at run time only', () => {
    // GIVEN
    const instanceType = new ParameterString('ProcessingInstanceType', { defaultValue: 'ml.m5.xlarge' });

    // WHEN / THEN
    expect(() => new ProcessingStep('Preprocess', {
      processingResources: { clusterConfig: { instanceType: instanceType.asString(), instanceCount: 1, volumeSizeInGb: 30 } },
      appSpecification: { imageUri: SKLEARN },
      role: role(),
    })).not.toThrow();
  });
});

describe('ModelBuildPipeline.onNewData', () => {
  function pipelineAndBucket() {
    const stack = new Stack(new App(), 'Tooling', { env: TOOLING });
    const data = new s3.Bucket(stack, 'Data');
    const pipeline = new ModelBuildPipeline(stack, 'Build', {
      definition: PipelineDefinition.fromSteps({ steps: [new ProcessingStep('Preprocess', {
        processingResources: { clusterConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 } },
        appSpecification: { imageUri: SKLEARN },
        role: iam.Role.fromRoleArn(stack, 'JobRole', ROLE_ARN, { mutable: false }),
      })] }),
    });
    return { pipeline, data };
  }

  test('fails on an EventField among the parameters: EventBridge would pass its path as text, not the new object\'s key', () => {
    // GIVEN
    const { pipeline, data } = pipelineAndBucket();

    // WHEN / THEN
    expect(() => pipeline.onNewData('NewData', { bucket: data, prefix: 'raw/', parameters: { InputData: events.EventField.fromPath('$.detail.object.key') } }))
      .toThrow(new RegExp('^ModelBuildPipeline Tooling/Build onNewData NewData: parameters\\.InputData is the event path \\$\\.detail\\.object\\.key, '
        + 'which EventBridge passes to the pipeline as that text, not the event\'s value: a rule\'s SageMakerPipelineParameters are fixed values '
        + '\\(SageMakerPipelineParameter Name and Value in the EventBridge API\\), so give a fixed value, let the pipeline read the data under the prefix'));
  });

  test('fails on a JSON path written as a parameter value, and on a bad parameter name, together', () => {
    const { pipeline, data } = pipelineAndBucket();
    expect(() => pipeline.onNewData('NewData', { bucket: data, parameters: { 'Input Data': 's3://x', 'Key': '$.detail.object.key' } }))
      .toThrow(/onNewData NewData: pipeline parameter name 'Input Data' is not 1 to 256 letters, digits, - or _; parameters\.Key is the event path \$\.detail\.object\.key/);
  });

  test('passes fixed parameter values as written', () => {
    const { pipeline, data } = pipelineAndBucket();
    expect(() => pipeline.onNewData('NewData', { bucket: data, parameters: { ModelApprovalStatus: 'PendingManualApproval', InputData: 's3://data/raw/' } })).not.toThrow();
  });
});

describe('SourceRepository.codeConnection', () => {
  test('accepts a connection of another region than the tooling stack: connections are global resources', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Tooling', { env: TOOLING });

    // WHEN / THEN (Developer Tools console guide, "Global resources in AWS CodeConnections")
    expect(() => new ModelBuildSource(stack, 'Source', {
      repository: SourceRepository.codeConnection({ connectionArn: 'arn:aws:codeconnections:us-east-1:111111111111:connection/0123abcd-0123-4567-89ab-0123456789ab', owner: 'acme', repository: 'churn' }),
      pipeline: ModelBuildPipeline.fromPipelineName(stack, 'Pipeline', 'churn-build'),
      pipelineRole: iam.Role.fromRoleName(stack, 'PipelineRole', 'churn-build-execution', { mutable: false }),
    })).not.toThrow();
  });
});
