import * as iam from 'aws-cdk-lib/aws-iam';
import { Condition } from './definition/condition';
import { ConditionStep, FailStep } from './definition/control-steps';
import { ExecutionVariable, PipelineExpression } from './definition/expression';
import { ProcessingStep, RegisterModelStep, TrainingStep } from './definition/job-steps';
import { ParameterFloat, ParameterInteger, ParameterString, PipelineParameter } from './definition/parameter';
import { PipelineDefinition } from './definition/pipeline-definition';
import { PropertyFile } from './definition/step';

/**
 * How the evaluation metric must compare with the threshold for the model to be registered.
 */
export enum MetricComparison {
  /** metric <= threshold, for errors (mse, rmse...). */
  LESS_THAN_OR_EQUAL_TO = 'LessThanOrEqualTo',
  /** metric >= threshold, for scores (accuracy, auc, f1...). */
  GREATER_THAN_OR_EQUAL_TO = 'GreaterThanOrEqualTo',
}

/**
 * Props of the classic model-build definition.
 */
export interface ClassicModelBuildProps {
  /** The role the processing and training jobs and the model run as. */
  readonly jobRole: iam.IRole;
  /** The model package group the model is registered into (e.g. `group.modelPackageGroupName`). */
  readonly modelPackageGroupName: string;
  /** The image of the preprocessing and evaluation jobs (e.g. SageMaker scikit-learn). */
  readonly processingImageUri: string;
  /** The training image (e.g. SageMaker XGBoost). */
  readonly trainingImageUri: string;
  /**
   * The inference image of the registered model.
   * @default - the training image
   */
  readonly inferenceImageUri?: string;
  /** The bucket the jobs write to, under `<outputPrefix>/<execution id>/<step>/`. */
  readonly dataBucketName: string;
  /**
   * The key prefix of the jobs' outputs.
   * @default 'model-build'
   */
  readonly outputPrefix?: string;
  /** The raw data's S3 URI: the default of the `InputData` parameter. */
  readonly inputDataUri: string;
  /** The preprocessing script in S3; it reads `/opt/ml/processing/input` and writes `train`, `validation`, `test` under `/opt/ml/processing/`. */
  readonly preprocessScriptUri: string;
  /** The evaluation script in S3; it reads `/opt/ml/processing/model` and `/opt/ml/processing/test` and writes `/opt/ml/processing/evaluation/evaluation.json`. */
  readonly evaluateScriptUri: string;
  /**
   * Default instance type of the processing jobs (`ProcessingInstanceType` parameter).
   * @default 'ml.m5.xlarge'
   */
  readonly processingInstanceType?: string;
  /**
   * Default instance type of training (`TrainingInstanceType` parameter).
   * @default 'ml.m5.xlarge'
   */
  readonly trainingInstanceType?: string;
  /**
   * Hyperparameters of training.
   * @default - none
   */
  readonly hyperParameters?: { [name: string]: string };
  /**
   * The path of the metric in `evaluation.json`.
   * @default 'regression_metrics.mse.value'
   */
  readonly metricJsonPath?: string;
  /**
   * Default threshold of the metric (`MetricThreshold` parameter).
   * @default 6
   */
  readonly metricThreshold?: number;
  /**
   * How the metric must compare with the threshold.
   * @default MetricComparison.LESS_THAN_OR_EQUAL_TO
   */
  readonly comparison?: MetricComparison;
}

/**
 * The classic model-build pipeline: preprocess → train → evaluate (writing a property file) →
 * a condition on the evaluation metric → register the model (PendingManualApproval by default)
 * or fail. Each step is a public property, so it can be reused or changed; `definition` goes to
 * a `ModelBuildPipeline`.
 *
 * Parameters: `InputData`, `ProcessingInstanceType`, `ProcessingInstanceCount`,
 * `TrainingInstanceType`, `ModelApprovalStatus`, `MetricThreshold`.
 */
export class ClassicModelBuild {
  /** The definition. */
  public readonly definition: PipelineDefinition;
  /** The pipeline's parameters. */
  public readonly parameters: PipelineParameter[];
  /** Preprocessing: splits the data into train, validation and test. */
  public readonly preprocessStep: ProcessingStep;
  /** Training. */
  public readonly trainStep: TrainingStep;
  /** Evaluation: writes `evaluation.json`, the `EvaluationReport` property file. */
  public readonly evaluateStep: ProcessingStep;
  /** The condition on the metric. */
  public readonly conditionStep: ConditionStep;
  /** Registration into the model package group. */
  public readonly registerStep: RegisterModelStep;
  /** The failure when the metric misses the threshold. */
  public readonly failStep: FailStep;
  /** The evaluation report property file. */
  public readonly evaluationReport: PropertyFile;

  constructor(props: ClassicModelBuildProps) {
    const inputData = new ParameterString('InputData', { defaultValue: props.inputDataUri });
    const processingInstanceType = new ParameterString('ProcessingInstanceType', { defaultValue: props.processingInstanceType ?? 'ml.m5.xlarge' });
    const processingInstanceCount = new ParameterInteger('ProcessingInstanceCount', { defaultValue: 1 });
    const trainingInstanceType = new ParameterString('TrainingInstanceType', { defaultValue: props.trainingInstanceType ?? 'ml.m5.xlarge' });
    const approvalStatus = new ParameterString('ModelApprovalStatus', {
      defaultValue: 'PendingManualApproval',
      enumValues: ['PendingManualApproval', 'Approved'],
    });
    const threshold = new ParameterFloat('MetricThreshold', { defaultValue: props.metricThreshold ?? 6 });
    this.parameters = [inputData, processingInstanceType, processingInstanceCount, trainingInstanceType, approvalStatus, threshold];

    const prefix = props.outputPrefix ?? 'model-build';
    const outputUri = (step: string, ...rest: string[]) => PipelineExpression.join('/', [
      's3:/', props.dataBucketName, prefix, ExecutionVariable.PIPELINE_EXECUTION_ID.asString(), step, ...rest,
    ]).asString();
    const cluster = {
      clusterConfig: { instanceType: processingInstanceType.asString(), instanceCount: processingInstanceCount.asNumber(), volumeSizeInGb: 30 },
    };
    const script = (uri: string) => `/opt/ml/processing/input/code/${uri.split('/').pop()}`;

    this.preprocessStep = new ProcessingStep('Preprocess', {
      processingResources: cluster,
      appSpecification: { imageUri: props.processingImageUri, containerEntrypoint: ['python3', script(props.preprocessScriptUri)] },
      role: props.jobRole,
      processingInputs: [
        { inputName: 'input', s3Input: { s3Uri: inputData.asString(), localPath: '/opt/ml/processing/input' } },
        { inputName: 'code', s3Input: { s3Uri: props.preprocessScriptUri, localPath: '/opt/ml/processing/input/code' } },
      ],
      processingOutputConfig: {
        outputs: ['train', 'validation', 'test'].map((name) => ({
          outputName: name,
          s3Output: { s3Uri: outputUri('Preprocess', 'output', name), localPath: `/opt/ml/processing/${name}` },
        })),
      },
      stoppingCondition: { maxRuntimeInSeconds: 3600 },
    });

    this.trainStep = new TrainingStep('Train', {
      algorithmSpecification: { trainingImage: props.trainingImageUri, trainingInputMode: 'File' },
      role: props.jobRole,
      outputDataConfig: { s3OutputPath: outputUri('Train', 'output') },
      resourceConfig: { instanceType: trainingInstanceType.asString(), instanceCount: 1, volumeSizeInGb: 30 },
      stoppingCondition: { maxRuntimeInSeconds: 86400 },
      inputDataConfig: ['train', 'validation'].map((name) => ({
        channelName: name,
        contentType: 'text/csv',
        dataSource: { s3DataSource: { s3Uri: this.preprocessStep.outputS3Uri(name) } },
      })),
      hyperParameters: props.hyperParameters,
    });

    this.evaluationReport = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
    this.evaluateStep = new ProcessingStep('Evaluate', {
      processingResources: cluster,
      appSpecification: { imageUri: props.processingImageUri, containerEntrypoint: ['python3', script(props.evaluateScriptUri)] },
      role: props.jobRole,
      processingInputs: [
        { inputName: 'model', s3Input: { s3Uri: this.trainStep.modelArtifacts, localPath: '/opt/ml/processing/model' } },
        { inputName: 'test', s3Input: { s3Uri: this.preprocessStep.outputS3Uri('test'), localPath: '/opt/ml/processing/test' } },
        { inputName: 'code', s3Input: { s3Uri: props.evaluateScriptUri, localPath: '/opt/ml/processing/input/code' } },
      ],
      processingOutputConfig: {
        outputs: [{ outputName: 'evaluation', s3Output: { s3Uri: outputUri('Evaluate', 'output', 'evaluation'), localPath: '/opt/ml/processing/evaluation' } }],
      },
      stoppingCondition: { maxRuntimeInSeconds: 3600 },
      propertyFiles: [this.evaluationReport],
    });

    this.registerStep = new RegisterModelStep('RegisterModel', {
      modelPackageGroupName: props.modelPackageGroupName,
      modelApprovalStatus: approvalStatus.asString(),
      inferenceSpecification: {
        containers: [{ image: props.inferenceImageUri ?? props.trainingImageUri, modelDataUrl: this.trainStep.modelArtifacts }],
        supportedContentTypes: ['text/csv'],
        supportedResponseMimeTypes: ['text/csv'],
      },
      modelMetrics: {
        modelQuality: {
          statistics: {
            contentType: 'application/json',
            s3Uri: PipelineExpression.join('/', [this.evaluateStep.outputS3Uri('evaluation'), 'evaluation.json']).asString(),
          },
        },
      },
      customerMetadataProperties: { PipelineExecutionArn: ExecutionVariable.PIPELINE_EXECUTION_ARN.asString() },
    });

    const metricPath = props.metricJsonPath ?? 'regression_metrics.mse.value';
    const metric = this.evaluateStep.jsonGet(this.evaluationReport, metricPath);
    const comparison = props.comparison ?? MetricComparison.LESS_THAN_OR_EQUAL_TO;
    this.failStep = new FailStep('MetricMissedThreshold', {
      errorMessage: PipelineExpression.join(' ', [
        `Evaluation metric ${metricPath} is not ${comparison === MetricComparison.LESS_THAN_OR_EQUAL_TO ? '<=' : '>='}`,
        threshold.asString(),
      ]).asString(),
    });
    this.conditionStep = new ConditionStep('CheckEvaluation', {
      conditions: [comparison === MetricComparison.LESS_THAN_OR_EQUAL_TO
        ? Condition.lessThanOrEqualTo(metric, threshold)
        : Condition.greaterThanOrEqualTo(metric, threshold)],
      ifSteps: [this.registerStep],
      elseSteps: [this.failStep],
    });

    this.definition = PipelineDefinition.fromSteps({
      parameters: this.parameters,
      steps: [this.preprocessStep, this.trainStep, this.evaluateStep, this.conditionStep],
    });
  }
}
