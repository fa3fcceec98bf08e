import * as iam from 'aws-cdk-lib/aws-iam';
import { Token } from 'aws-cdk-lib';
import { PipelineExpression } from './expression';
import {
  Channel, ModelArguments, NumericParameterRange, ProcessingJobArguments, ProcessingNetworkConfig, RegisterModelArguments, TrainingJobArguments,
  TransformJobArguments, TuningJobArguments,
} from './job-arguments';
import { modelCardRequest } from './model-card';
import { pythonJsonDumps, renderValue } from './render';
import { requestWith, toRequest } from './request';
import { JobStepOptions, PipelineStep, PropertyFile, SdkVersion, StepRenderOptions } from './step';
import { checkInstanceType, InstanceTypeKind } from '../../private/sagemaker-instance-types';

/** Step options that are not fields of the job's request. */
const OPTION_KEYS = ['displayName', 'description', 'dependsOn', 'retryPolicies', 'cacheConfig', 'additionalArguments', 'propertyFiles'];

/** Fields of check steps that sit beside their processing job's request. */
const CHECK_KEYS = [
  'checkType', 'modelPackageGroupName', 'skipCheck', 'failOnViolation', 'registerNewBaseline', 'suppliedBaselineStatistics',
  'suppliedBaselineConstraints', 'modelName',
];

/**
 * Fails when a literal instance type of a step is not one the SageMaker API accepts for its job.
 * Pipeline parameters, expressions and other tokens pass: they are known at run time only.
 */
function checkStepInstanceTypes(step: string, name: string, types: Array<[field: string, kind: InstanceTypeKind, value: unknown]>): void {
  const problems = types.flatMap(([field, kind, value]) => {
    const problem = typeof value === 'string' ? checkInstanceType(kind, value) : undefined;
    return problem ? [`${field}: ${problem}`] : [];
  });
  if (problems.length > 0) throw new Error(`${step} ${name}: ${problems.join('; ')}`);
}

/** The typed request fields of step props, without the step's options. */
function argumentsOf(props: any, notArguments: string[] = []): any {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(props)) {
    if (!OPTION_KEYS.includes(k) && !notArguments.includes(k)) out[k] = v;
  }
  return out;
}

/** `{ Arguments }` of a job step whose request is its props as they are, plus the escape hatch. */
function requestBody(props: JobStepOptions): any {
  return { Arguments: requestWith(argumentsOf(props), props.additionalArguments) };
}

function processingRequest(props: ProcessingJobArguments, additionalArguments?: { [key: string]: any }): any {
  const args = argumentsOf(props);
  if (props.processingInputs) {
    args.processingInputs = props.processingInputs.map((input) => ({
      inputName: input.inputName,
      appManaged: input.appManaged ?? false,
      s3Input: {
        s3DataType: 'S3Prefix', s3InputMode: 'File', s3DataDistributionType: 'FullyReplicated', s3CompressionType: 'None',
        ...stripUndefined(input.s3Input),
      },
    }));
  }
  if (props.processingOutputConfig) {
    args.processingOutputConfig = {
      ...props.processingOutputConfig,
      outputs: props.processingOutputConfig.outputs.map((output) => ({
        outputName: output.outputName,
        appManaged: output.appManaged ?? false,
        s3Output: { s3UploadMode: 'EndOfJob', ...stripUndefined(output.s3Output) },
      })),
    };
  }
  return requestWith(args, additionalArguments);
}

function stripUndefined(value: any): any {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/**
 * Training channels with the S3 defaults the SDK writes for a `TrainingInput` (`S3DataType`
 * `S3Prefix`, `S3DataDistributionType` `FullyReplicated`), for training and tuning steps alike.
 */
function channelsWithDefaults(channels?: Channel[]): any[] | undefined {
  return channels?.map((channel) => ({
    ...channel,
    dataSource: {
      s3DataSource: { s3DataType: 'S3Prefix', s3DataDistributionType: 'FullyReplicated', ...stripUndefined(channel.dataSource.s3DataSource) },
    },
  }));
}

/**
 * Props of a processing step.
 */
export interface ProcessingStepProps extends JobStepOptions, ProcessingJobArguments {
  /**
   * JSON files the job writes that conditions read with `Std:JsonGet` (`PropertyFiles`).
   * @default - none
   */
  readonly propertyFiles?: PropertyFile[];
}

/**
 * A `Processing` step: runs a SageMaker processing job (`CreateProcessingJob`).
 */
export class ProcessingStep extends PipelineStep {
  /** The property files the step declares. */
  public readonly propertyFiles: PropertyFile[];

  constructor(name: string, private readonly props: ProcessingStepProps) {
    super(name, 'Processing', props);
    checkStepInstanceTypes('ProcessingStep', name, [['processingResources.clusterConfig.instanceType', 'processing', props.processingResources?.clusterConfig?.instanceType]]);
    this.propertyFiles = props.propertyFiles ?? [];
  }

  /** The S3 URI of one of the job's outputs (`ProcessingOutputConfig.Outputs['<name>'].S3Output.S3Uri`), as a string. */
  public outputS3Uri(outputName: string): string {
    return this.property(`ProcessingOutputConfig.Outputs['${outputName}'].S3Output.S3Uri`).asString();
  }

  /** The processing job's name. */
  public get processingJobName(): string {
    return this.property('ProcessingJobName').asString();
  }

  /** `Std:JsonGet` of a value in one of the step's property files. */
  public jsonGet(propertyFile: PropertyFile, jsonPath: string): PipelineExpression {
    return PipelineExpression.jsonGet({ stepName: this.name, propertyFileName: propertyFile.name, jsonPath });
  }

  protected renderBody(_options: StepRenderOptions): any {
    const out: Record<string, any> = { Arguments: processingRequest(this.props, this.props.additionalArguments) };
    if (this.propertyFiles.length > 0) out.PropertyFiles = this.propertyFiles.map((f) => f.toJson());
    return out;
  }
}

/**
 * Props of a training step.
 */
export interface TrainingStepProps extends JobStepOptions, TrainingJobArguments {}

/**
 * A `Training` step: runs a SageMaker training job (`CreateTrainingJob`).
 */
export class TrainingStep extends PipelineStep {
  constructor(name: string, private readonly props: TrainingStepProps) {
    super(name, 'Training', props);
    checkStepInstanceTypes('TrainingStep', name, [['resourceConfig.instanceType', 'training', props.resourceConfig?.instanceType]]);
  }

  /** Where the trained model is (`ModelArtifacts.S3ModelArtifacts`), as a string. */
  public get modelArtifacts(): string {
    return this.property('ModelArtifacts.S3ModelArtifacts').asString();
  }

  /** The training job's name. */
  public get trainingJobName(): string {
    return this.property('TrainingJobName').asString();
  }

  /** The training job's ARN. */
  public get trainingJobArn(): string {
    return this.property('TrainingJobArn').asString();
  }

  /** The final value of a metric (`FinalMetricDataList['<name>'].Value`). */
  public finalMetricValue(metricName: string): PipelineExpression {
    return this.property(`FinalMetricDataList['${metricName}'].Value`);
  }

  protected renderBody(_options: StepRenderOptions): any {
    const args = argumentsOf(this.props);
    if (this.props.inputDataConfig) args.inputDataConfig = channelsWithDefaults(this.props.inputDataConfig);
    return { Arguments: requestWith(args, this.props.additionalArguments) };
  }
}

/**
 * Props of a tuning step.
 */
export interface TuningStepProps extends JobStepOptions, TuningJobArguments {}

/**
 * A `Tuning` step: runs a hyperparameter tuning job (`CreateHyperParameterTuningJob`).
 *
 * The training job definition's resources render as `HyperParameterTuningResourceConfig`, as SDK
 * v2 writes them, or as `ResourceConfig` for a definition of `SdkVersion.V3`; the service takes
 * both (botocore HyperParameterTrainingJobDefinition has both members). Channels get the same S3
 * defaults as a training step's.
 */
export class TuningStep extends PipelineStep {
  constructor(name: string, private readonly props: TuningStepProps) {
    super(name, 'Tuning', props);
    const def = props.trainingJobDefinition;
    checkStepInstanceTypes('TuningStep', name, [['trainingJobDefinition.resourceConfig.instanceType', 'training', def.resourceConfig?.instanceType]]);
    if (def.enableManagedSpotTraining && def.stoppingCondition.maxWaitTimeInSeconds === undefined) {
      throw new Error(`TuningStep ${name}: enableManagedSpotTraining needs stoppingCondition.maxWaitTimeInSeconds (how long to wait for spot capacity, at least maxRuntimeInSeconds); give it`);
    }
  }

  /** The name of the best training job (`BestTrainingJob.TrainingJobName`), as a string. */
  public get bestTrainingJobName(): string {
    return this.property('BestTrainingJob.TrainingJobName').asString();
  }

  /**
   * The S3 URI of the model of the `top`-th best training job (0 is the best), under the
   * training jobs' output path, as the SDK's `get_top_model_s3_uri(top, bucket, prefix)` builds
   * it: a literal `s3://bucket/prefix` is written `"s3:/", "bucket", "prefix"`.
   */
  public topModelS3Uri(top: number, outputPath: string): string {
    const m = Token.isUnresolved(outputPath) ? null : /^s3:\/\/([^/]+)\/?(.*?)\/?$/.exec(outputPath);
    const head = m ? ['s3:/', m[1], ...(m[2] ? [m[2]] : [])] : [outputPath];
    return PipelineExpression.join('/', [
      ...head,
      this.property(`TrainingJobSummaries[${top}].TrainingJobName`).asString(),
      'output/model.tar.gz',
    ]).asString();
  }

  protected renderBody(options: StepRenderOptions): any {
    const { additionalFields, resourceConfig, inputDataConfig, ...rest } = this.props.trainingJobDefinition;
    const definition = toRequest({ ...rest, inputDataConfig: channelsWithDefaults(inputDataConfig) });
    const resourceKey = (options.sdkVersion ?? SdkVersion.V2) === SdkVersion.V3 ? 'ResourceConfig' : 'HyperParameterTuningResourceConfig';
    definition[resourceKey] = toRequest(resourceConfig);
    for (const [k, v] of Object.entries(additionalFields ?? {})) definition[k] = renderValue(v);
    const args = argumentsOf(this.props, ['trainingJobDefinition']);
    // The SDK's tuner always writes the early stopping type and all three range lists, and a
    // scaling type on numeric ranges (tuner.py, HyperparameterTuner._prepare_parameter_ranges).
    const config = this.props.hyperParameterTuningJobConfig;
    const ranges = config.parameterRanges;
    const numeric = (list?: NumericParameterRange[]) => (list ?? []).map((r) => ({ ...r, scalingType: r.scalingType ?? 'Auto' }));
    args.hyperParameterTuningJobConfig = {
      ...config,
      trainingJobEarlyStoppingType: config.trainingJobEarlyStoppingType ?? 'Off',
      parameterRanges: ranges && {
        continuousParameterRanges: numeric(ranges.continuousParameterRanges),
        categoricalParameterRanges: ranges.categoricalParameterRanges ?? [],
        integerParameterRanges: numeric(ranges.integerParameterRanges),
      },
    };
    const request = toRequest(args);
    request.TrainingJobDefinition = definition;
    for (const [k, v] of Object.entries(this.props.additionalArguments ?? {})) request[k] = renderValue(v);
    return { Arguments: request };
  }
}

/**
 * Props of a transform step.
 */
export interface TransformStepProps extends JobStepOptions, TransformJobArguments {}

/**
 * A `Transform` step: runs a batch transform job (`CreateTransformJob`).
 */
export class TransformStep extends PipelineStep {
  constructor(name: string, private readonly props: TransformStepProps) {
    super(name, 'Transform', props);
    checkStepInstanceTypes('TransformStep', name, [['transformResources.instanceType', 'transform', props.transformResources?.instanceType]]);
  }

  /** Where the results are (`TransformOutput.S3OutputPath`), as a string. */
  public get outputPath(): string {
    return this.property('TransformOutput.S3OutputPath').asString();
  }

  protected renderBody(_options: StepRenderOptions): any {
    return requestBody(this.props);
  }
}

/**
 * Props of a model step.
 */
export interface ModelStepProps extends JobStepOptions, ModelArguments {}

/**
 * A `Model` step: creates a SageMaker model (`CreateModel`), e.g. for a transform step.
 */
export class ModelStep extends PipelineStep {
  constructor(name: string, private readonly props: ModelStepProps) {
    super(name, 'Model', props);
  }

  /** The model's name (`ModelName`), as a string. */
  public get modelName(): string {
    return this.property('ModelName').asString();
  }

  protected renderBody(_options: StepRenderOptions): any {
    return requestBody(this.props);
  }
}

/**
 * Props of a register-model step.
 */
export interface RegisterModelStepProps extends JobStepOptions, RegisterModelArguments {}

/**
 * A `RegisterModel` step: registers a model package version into a group (`CreateModelPackage`).
 */
export class RegisterModelStep extends PipelineStep {
  constructor(name: string, private readonly props: RegisterModelStepProps) {
    super(name, 'RegisterModel', props);
  }

  /** The new model package's ARN (`ModelPackageArn`), as a string. */
  public get modelPackageArn(): string {
    return this.property('ModelPackageArn').asString();
  }

  protected renderBody(_options: StepRenderOptions): any {
    const args = argumentsOf(this.props, ['modelCard']);
    const request = requestWith(args, this.props.additionalArguments);
    if (this.props.modelCard && this.props.additionalArguments?.ModelCard === undefined) {
      request.ModelCard = renderValue(modelCardRequest(this.props.modelCard));
    }
    return { Arguments: request };
  }
}

/**
 * What a quality check step checks.
 */
export enum QualityCheckType {
  /** `DATA_QUALITY` */
  DATA_QUALITY = 'DATA_QUALITY',
  /** `MODEL_QUALITY` */
  MODEL_QUALITY = 'MODEL_QUALITY',
}

/**
 * What a Clarify check step checks.
 */
export enum ClarifyCheckType {
  /** `DATA_BIAS` */
  DATA_BIAS = 'DATA_BIAS',
  /** `MODEL_BIAS` */
  MODEL_BIAS = 'MODEL_BIAS',
  /** `MODEL_EXPLAINABILITY` */
  MODEL_EXPLAINABILITY = 'MODEL_EXPLAINABILITY',
}


/**
 * Options of check steps: what they compare against, whether a violation fails the step, and
 * whether the new baseline becomes the one to check against
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-quality-clarify-baseline-lifecycle.html).
 *
 * The flags are expressions so that they can be pipeline parameters, as in the SDK's examples
 * (`ParameterBoolean('SkipDataQualityCheck')`); give literals with `PipelineExpression.fromBoolean()`.
 */
export interface CheckStepOptions extends JobStepOptions {
  /**
   * The group whose latest approved model's drift-check baselines the check compares against
   * (`ModelPackageGroupName`). The SDK writes null when there is none.
   * @default - none
   */
  readonly modelPackageGroupName?: string;
  /**
   * Whether the drift check is skipped: the baseline is still calculated (`SkipCheck`).
   * @default - false (as the SDK)
   */
  readonly skipCheck?: PipelineExpression;
  /**
   * Whether a violation fails the step (`FailOnViolation`).
   * @default - true (as the SDK)
   */
  readonly failOnViolation?: PipelineExpression;
  /**
   * Whether the calculated baseline becomes `BaselineUsedForDriftCheck*` (`RegisterNewBaseline`).
   * @default - false (as the SDK)
   */
  readonly registerNewBaseline?: PipelineExpression;
  /**
   * Baseline constraints to check against, prior to the group's (`SuppliedBaselineConstraints`).
   * @default - the group's
   */
  readonly suppliedBaselineConstraints?: string;
}

/** The step-level fields every check step writes, as the SDK does (unset ones as null). */
function checkFields(props: CheckStepOptions): Record<string, any> {
  return {
    ModelPackageGroupName: renderValue(props.modelPackageGroupName ?? null),
    SkipCheck: props.skipCheck?.toJson() ?? false,
    FailOnViolation: props.failOnViolation?.toJson() ?? true,
    RegisterNewBaseline: props.registerNewBaseline?.toJson() ?? false,
  };
}

/**
 * Props of a quality check step whose baselining job you write yourself.
 */
export interface QualityCheckStepProps extends CheckStepOptions, ProcessingJobArguments {
  /** Data or model quality. */
  readonly checkType: QualityCheckType;
  /**
   * Baseline statistics to check against, prior to the group's (`SuppliedBaselineStatistics`).
   * @default - the group's
   */
  readonly suppliedBaselineStatistics?: string;
}

/** The resources and role of a check step's processing job, as the SDK's `CheckJobConfig`. */
export interface CheckJobConfig {
  /** The role the job runs as. */
  readonly role: iam.IRole;
  /**
   * The job's image: Model Monitor's `sagemaker-model-monitor-analyzer` for quality checks,
   * Clarify's `sagemaker-clarify-processing` for Clarify checks, in the pipeline's region.
   */
  readonly imageUri: string;
  /**
   * Instance type.
   * @default 'ml.m5.xlarge' (as the SDK)
   */
  readonly instanceType?: string;
  /**
   * Number of instances.
   * @default 1 (as the SDK)
   */
  readonly instanceCount?: number;
  /**
   * Volume size in GB.
   * @default 30 (as the SDK)
   */
  readonly volumeSizeInGb?: number;
  /**
   * KMS key of the volume.
   * @default - SageMaker's default encryption
   */
  readonly volumeKmsKeyId?: string;
  /**
   * KMS key of the outputs.
   * @default - the bucket's default encryption
   */
  readonly outputKmsKeyId?: string;
  /**
   * Run-time limit in seconds.
   * @default - SageMaker's default
   */
  readonly maxRuntimeInSeconds?: number;
  /**
   * Environment variables besides the ones the check sets.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Network settings, e.g. the VPC the job runs in.
   * @default - none
   */
  readonly networkConfig?: ProcessingNetworkConfig;
}

/** Options of a CSV dataset. */
export interface CsvDatasetOptions {
  /**
   * Whether the files have a header row.
   * @default true (as the SDK)
   */
  readonly header?: boolean;
  /**
   * Where the output columns are, `START` or `END`.
   * @default 'START' (as the SDK)
   */
  readonly outputColumnsPosition?: string;
}

/** The format of a check's baseline dataset, as the SDK's `DatasetFormat` writes it. */
export class DatasetFormat {
  /** CSV files. */
  public static csv(options: CsvDatasetOptions = {}): DatasetFormat {
    return new DatasetFormat({ csv: { header: options.header ?? true, output_columns_position: options.outputColumnsPosition ?? 'START' } });
  }

  /** JSON files, one object per line when `lines` (the default). */
  public static json(lines: boolean = true): DatasetFormat {
    return new DatasetFormat({ json: { lines } });
  }

  /** SageMaker data-capture JSON. */
  public static sageMakerCaptureJson(): DatasetFormat {
    return new DatasetFormat({ sagemakerCaptureJson: {} });
  }

  private constructor(private readonly format: any) {}

  /** The format as the job's `dataset_format` variable holds it (Python's `json.dumps`). */
  public toEnvironmentValue(): string {
    return pythonJsonDumps(this.format);
  }
}

/** What a data quality check baselines, as the SDK's `DataQualityCheckConfig`. */
export interface DataQualityCheckConfig {
  /** The dataset's S3 URI, e.g. a processing step's output. */
  readonly baselineDataset: string;
  /** The dataset's format. */
  readonly datasetFormat: DatasetFormat;
  /**
   * Where the statistics and constraints are written. (The SDK defaults to a path in its
   * session's bucket; a definition built here has no session.)
   */
  readonly outputS3Uri: string;
  /**
   * A record preprocessor script in S3.
   * @default - none
   */
  readonly recordPreprocessorScript?: string;
  /**
   * A post-analytics processor script in S3.
   * @default - none
   */
  readonly postAnalyticsProcessorScript?: string;
}

/** What a model quality check baselines, as the SDK's `ModelQualityCheckConfig`. */
export interface ModelQualityCheckConfig {
  /** The dataset (predictions and ground truth) S3 URI, e.g. a transform step's output. */
  readonly baselineDataset: string;
  /** The dataset's format. */
  readonly datasetFormat: DatasetFormat;
  /** Where the statistics and constraints are written. */
  readonly outputS3Uri: string;
  /** `Regression`, `BinaryClassification` or `MulticlassClassification`. */
  readonly problemType: string;
  /**
   * Index or JSONPath of the predicted label.
   * @default - none
   */
  readonly inferenceAttribute?: string;
  /**
   * Index or JSONPath of the probability.
   * @default - none
   */
  readonly probabilityAttribute?: string;
  /**
   * Index or JSONPath of the ground truth.
   * @default - none
   */
  readonly groundTruthAttribute?: string;
  /**
   * Threshold of probabilities for binary labels.
   * @default - none
   */
  readonly probabilityThresholdAttribute?: string;
  /**
   * A post-analytics processor script in S3.
   * @default - none
   */
  readonly postAnalyticsProcessorScript?: string;
}

/** Options of quality check steps built from a check config. */
export interface QualityCheckFromConfigOptions extends CheckStepOptions {
  /** The processing job's resources and role. */
  readonly checkJobConfig: CheckJobConfig;
  /**
   * Baseline statistics to check against, prior to the group's (`SuppliedBaselineStatistics`).
   * @default - the group's
   */
  readonly suppliedBaselineStatistics?: string;
}

/** Props of a data quality check step. */
export interface DataQualityCheckStepProps extends QualityCheckFromConfigOptions {
  /** What is baselined. */
  readonly dataQualityCheckConfig: DataQualityCheckConfig;
}

/** Props of a model quality check step. */
export interface ModelQualityCheckStepProps extends QualityCheckFromConfigOptions {
  /** What is baselined. */
  readonly modelQualityCheckConfig: ModelQualityCheckConfig;
}

// Container paths and names the SDK's QualityCheckStep uses (workflow/quality_check_step.py).
const CHECK_BASE = '/opt/ml/processing';
const DATASET_INPUT = 'baseline_dataset_input';
const RECORD_PREPROCESSOR_INPUT = 'record_preprocessor_script_input';
const POST_ANALYTICS_INPUT = 'post_analytics_processor_script_input';

function scriptName(uri: string, prop: string): string {
  if (Token.isUnresolved(uri)) {
    throw new Error(`${prop} ${uri} must be a literal S3 URI: the job is told the script's file name at synth, as the SDK does`);
  }
  return uri.split('/').pop()!;
}

/** The baselining processing job of a quality check, as the SDK builds it from its configs. */
function qualityCheckJob(job: CheckJobConfig, dataset: string, format: DatasetFormat, outputS3Uri: string, scripts: {
  recordPreprocessor?: string; postAnalytics?: string;
}, extraEnvironment: { [k: string]: string | undefined }): ProcessingJobArguments {
  const input = (name: string, s3Uri: string) => ({ inputName: name, s3Input: { s3Uri, localPath: `${CHECK_BASE}/input/${name}` } });
  const environment: { [k: string]: string } = { ...(job.environment ?? {}) };
  environment.output_path = `${CHECK_BASE}/output`;
  // Only monitoring schedules publish CloudWatch metrics; a baselining job does not (SDK).
  environment.publish_cloudwatch_metrics = 'Disabled';
  environment.dataset_format = format.toEnvironmentValue();
  if (scripts.recordPreprocessor) environment.record_preprocessor_script = `${CHECK_BASE}/input/${RECORD_PREPROCESSOR_INPUT}/${scriptName(scripts.recordPreprocessor, 'recordPreprocessorScript')}`;
  if (scripts.postAnalytics) environment.post_analytics_processor_script = `${CHECK_BASE}/input/${POST_ANALYTICS_INPUT}/${scriptName(scripts.postAnalytics, 'postAnalyticsProcessorScript')}`;
  environment.dataset_source = `${CHECK_BASE}/input/${DATASET_INPUT}`;
  for (const [k, v] of Object.entries(extraEnvironment)) if (v !== undefined) environment[k] = v;
  return {
    processingResources: {
      clusterConfig: {
        instanceType: job.instanceType ?? 'ml.m5.xlarge',
        instanceCount: job.instanceCount ?? 1,
        volumeSizeInGb: job.volumeSizeInGb ?? 30,
        volumeKmsKeyId: job.volumeKmsKeyId,
      },
    },
    appSpecification: { imageUri: job.imageUri },
    role: job.role,
    processingInputs: [
      input(DATASET_INPUT, dataset),
      ...(scripts.postAnalytics ? [input(POST_ANALYTICS_INPUT, scripts.postAnalytics)] : []),
      ...(scripts.recordPreprocessor ? [input(RECORD_PREPROCESSOR_INPUT, scripts.recordPreprocessor)] : []),
    ],
    processingOutputConfig: {
      outputs: [{ outputName: 'quality_check_output', s3Output: { s3Uri: outputS3Uri, localPath: `${CHECK_BASE}/output` } }],
      kmsKeyId: job.outputKmsKeyId,
    },
    environment,
    networkConfig: job.networkConfig,
    stoppingCondition: job.maxRuntimeInSeconds !== undefined ? { maxRuntimeInSeconds: job.maxRuntimeInSeconds } : undefined,
  };
}

/**
 * A `QualityCheck` step: a Model Monitor processing job that calculates data or model quality
 * baselines (statistics and constraints) and checks them against the group's latest approved
 * ones. Build it from a check config (`dataQuality`, `modelQuality`), as the SDK's
 * `QualityCheckStep` does, or write its processing job yourself (`new QualityCheckStep`).
 */
export class QualityCheckStep extends PipelineStep {
  /**
   * A data quality check: baselines a dataset as the SDK's `DataQualityCheckConfig` does (the
   * `sagemaker-model-monitor-analyzer` job's inputs, output and environment).
   */
  public static dataQuality(name: string, props: DataQualityCheckStepProps): QualityCheckStep {
    checkStepInstanceTypes('QualityCheckStep', name, [['checkJobConfig.instanceType', 'processing', props.checkJobConfig.instanceType]]);
    const config = props.dataQualityCheckConfig;
    const { checkJobConfig, dataQualityCheckConfig, ...options } = props;
    return new QualityCheckStep(name, {
      ...options,
      ...qualityCheckJob(checkJobConfig, config.baselineDataset, config.datasetFormat, config.outputS3Uri, {
        recordPreprocessor: config.recordPreprocessorScript, postAnalytics: config.postAnalyticsProcessorScript,
      }, {}),
      checkType: QualityCheckType.DATA_QUALITY,
    });
  }

  /**
   * A model quality check: baselines predictions against ground truth as the SDK's
   * `ModelQualityCheckConfig` does.
   */
  public static modelQuality(name: string, props: ModelQualityCheckStepProps): QualityCheckStep {
    checkStepInstanceTypes('QualityCheckStep', name, [['checkJobConfig.instanceType', 'processing', props.checkJobConfig.instanceType]]);
    const config = props.modelQualityCheckConfig;
    const { checkJobConfig, modelQualityCheckConfig, ...options } = props;
    return new QualityCheckStep(name, {
      ...options,
      ...qualityCheckJob(checkJobConfig, config.baselineDataset, config.datasetFormat, config.outputS3Uri, {
        postAnalytics: config.postAnalyticsProcessorScript,
      }, {
        analysis_type: 'MODEL_QUALITY',
        problem_type: config.problemType,
        inference_attribute: config.inferenceAttribute,
        probability_attribute: config.probabilityAttribute,
        ground_truth_attribute: config.groundTruthAttribute,
        probability_threshold_attribute: config.probabilityThresholdAttribute,
      }),
      checkType: QualityCheckType.MODEL_QUALITY,
    });
  }

  constructor(name: string, private readonly props: QualityCheckStepProps) {
    super(name, 'QualityCheck', props);
    checkStepInstanceTypes('QualityCheckStep', name, [['processingResources.clusterConfig.instanceType', 'processing', props.processingResources?.clusterConfig?.instanceType]]);
  }

  /** The statistics the job calculated (`CalculatedBaselineStatistics`), an S3 URI. */
  public get calculatedBaselineStatistics(): string {
    return this.property('CalculatedBaselineStatistics').asString();
  }

  /** The constraints the job calculated (`CalculatedBaselineConstraints`), an S3 URI. */
  public get calculatedBaselineConstraints(): string {
    return this.property('CalculatedBaselineConstraints').asString();
  }

  /**
   * The statistics to register as drift-check baseline (`BaselineUsedForDriftCheckStatistics`):
   * the calculated ones when `registerNewBaseline` holds, else the previous ones.
   */
  public get baselineUsedForDriftCheckStatistics(): string {
    return this.property('BaselineUsedForDriftCheckStatistics').asString();
  }

  /** The constraints to register as drift-check baseline (`BaselineUsedForDriftCheckConstraints`). */
  public get baselineUsedForDriftCheckConstraints(): string {
    return this.property('BaselineUsedForDriftCheckConstraints').asString();
  }

  protected renderBody(_options: StepRenderOptions): any {
    return {
      Arguments: processingRequest(argumentsOf(this.props, CHECK_KEYS), this.props.additionalArguments),
      CheckType: this.props.checkType,
      ...checkFields(this.props),
      SuppliedBaselineStatistics: renderValue(this.props.suppliedBaselineStatistics ?? null),
      SuppliedBaselineConstraints: renderValue(this.props.suppliedBaselineConstraints ?? null),
    };
  }
}

/**
 * Props of a Clarify check step.
 */
export interface ClarifyCheckStepProps extends CheckStepOptions, ProcessingJobArguments {
  /** Data bias, model bias or explainability. */
  readonly checkType: ClarifyCheckType;
  /**
   * The model a model bias or explainability check runs against (e.g. a model step's `modelName`).
   * @default - none (data bias checks need none)
   */
  readonly modelName?: string;
}

/**
 * A `ClarifyCheck` step: a SageMaker Clarify processing job that calculates and checks bias or
 * explainability baselines. Its arguments are the processing job's (its analysis config is an
 * input you write to S3).
 */
export class ClarifyCheckStep extends PipelineStep {
  constructor(name: string, private readonly props: ClarifyCheckStepProps) {
    super(name, 'ClarifyCheck', props);
    checkStepInstanceTypes('ClarifyCheckStep', name, [['processingResources.clusterConfig.instanceType', 'processing', props.processingResources?.clusterConfig?.instanceType]]);
  }

  /** The constraints the job calculated (`CalculatedBaselineConstraints`), an S3 URI. */
  public get calculatedBaselineConstraints(): string {
    return this.property('CalculatedBaselineConstraints').asString();
  }

  /** The constraints to register as drift-check baseline (`BaselineUsedForDriftCheckConstraints`). */
  public get baselineUsedForDriftCheckConstraints(): string {
    return this.property('BaselineUsedForDriftCheckConstraints').asString();
  }

  protected renderBody(_options: StepRenderOptions): any {
    const out: Record<string, any> = {
      Arguments: processingRequest(argumentsOf(this.props, CHECK_KEYS), this.props.additionalArguments),
      CheckType: this.props.checkType,
      ...checkFields(this.props),
      SuppliedBaselineConstraints: renderValue(this.props.suppliedBaselineConstraints ?? null),
    };
    if (this.props.modelName !== undefined) out.ModelName = renderValue(this.props.modelName);
    return out;
  }
}
