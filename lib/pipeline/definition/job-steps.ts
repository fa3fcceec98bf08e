import { PipelineExpression } from './expression';
import {
  ModelArguments, ProcessingJobArguments, RegisterModelArguments, TrainingJobArguments,
  TransformJobArguments, TuningJobArguments,
} from './job-arguments';
import { renderValue } from './render';
import { requestWith } from './request';
import { JobStepOptions, PipelineStep, PropertyFile } from './step';

/** Step options that are not fields of the job's request. */
const OPTION_KEYS = ['displayName', 'description', 'dependsOn', 'retryPolicies', 'cacheConfig', 'additionalArguments', 'propertyFiles'];

/** Fields of check steps that sit beside their processing job's request. */
const CHECK_KEYS = [
  'checkType', 'modelPackageGroupName', 'skipCheck', 'registerNewBaseline', 'suppliedBaselineStatistics',
  'suppliedBaselineConstraints', 'modelName',
];

/** The typed request fields of step props, without the step's options. */
function argumentsOf(props: any, notArguments: string[] = []): any {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(props)) {
    if (!OPTION_KEYS.includes(k) && !notArguments.includes(k)) out[k] = v;
  }
  return out;
}

/** Fills in the fields the SDK always emits for processing inputs and outputs. */
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

  protected renderBody(): any {
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

  protected renderBody(): any {
    const args = argumentsOf(this.props);
    if (this.props.inputDataConfig) {
      args.inputDataConfig = this.props.inputDataConfig.map((channel) => ({
        ...channel,
        dataSource: {
          s3DataSource: { s3DataType: 'S3Prefix', s3DataDistributionType: 'FullyReplicated', ...stripUndefined(channel.dataSource.s3DataSource) },
        },
      }));
    }
    return { Arguments: requestWith(args, this.props.additionalArguments) };
  }
}

/**
 * Props of a tuning step.
 */
export interface TuningStepProps extends JobStepOptions, TuningJobArguments {}

/**
 * A `Tuning` step: runs a hyperparameter tuning job (`CreateHyperParameterTuningJob`).
 */
export class TuningStep extends PipelineStep {
  constructor(name: string, private readonly props: TuningStepProps) {
    super(name, 'Tuning', props);
  }

  /** The name of the best training job (`BestTrainingJob.TrainingJobName`), as a string. */
  public get bestTrainingJobName(): string {
    return this.property('BestTrainingJob.TrainingJobName').asString();
  }

  /**
   * The S3 URI of the model of the `top`-th best training job (0 is the best), under the
   * training jobs' output path, as the SDK's `get_top_model_s3_uri` builds it.
   */
  public topModelS3Uri(top: number, outputPath: string): string {
    return PipelineExpression.join('/', [
      outputPath,
      this.property(`TrainingJobSummaries[${top}].TrainingJobName`).asString(),
      'output/model.tar.gz',
    ]).asString();
  }

  protected renderBody(): any {
    return requestBody(this.props);
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
  }

  /** Where the results are (`TransformOutput.S3OutputPath`), as a string. */
  public get outputPath(): string {
    return this.property('TransformOutput.S3OutputPath').asString();
  }

  protected renderBody(): any {
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

  protected renderBody(): any {
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

  protected renderBody(): any {
    return requestBody(this.props);
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
 * Options of check steps: what they compare against and where they register baselines.
 */
export interface CheckStepOptions extends JobStepOptions {
  /**
   * The group whose latest approved baselines the check compares against.
   * @default - none
   */
  readonly modelPackageGroupName?: string;
  /**
   * Whether the check is skipped (only the baseline is computed).
   * @default false
   */
  readonly skipCheck?: boolean;
  /**
   * Whether the computed baseline becomes the new baseline.
   * @default false
   */
  readonly registerNewBaseline?: boolean;
  /**
   * Baseline constraints to check against.
   * @default - the group's
   */
  readonly suppliedBaselineConstraints?: string;
}

/**
 * Props of a quality check step.
 */
export interface QualityCheckStepProps extends CheckStepOptions, ProcessingJobArguments {
  /** Data or model quality. */
  readonly checkType: QualityCheckType;
  /**
   * Baseline statistics to check against.
   * @default - the group's
   */
  readonly suppliedBaselineStatistics?: string;
}

/**
 * A `QualityCheck` step: a Model Monitor processing job that computes and checks data or model
 * quality baselines. Its arguments are the processing job's.
 */
export class QualityCheckStep extends PipelineStep {
  constructor(name: string, private readonly props: QualityCheckStepProps) {
    super(name, 'QualityCheck', props);
  }

  protected renderBody(): any {
    const out: Record<string, any> = {
      Arguments: processingRequest(argumentsOf(this.props, CHECK_KEYS), this.props.additionalArguments),
      CheckType: this.props.checkType,
      // The SDK writes these fields even when they are unset, as null.
      ModelPackageGroupName: renderValue(this.props.modelPackageGroupName ?? null),
      SkipCheck: this.props.skipCheck ?? false,
      RegisterNewBaseline: this.props.registerNewBaseline ?? false,
      SuppliedBaselineStatistics: renderValue(this.props.suppliedBaselineStatistics ?? null),
      SuppliedBaselineConstraints: renderValue(this.props.suppliedBaselineConstraints ?? null),
    };
    return out;
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
 * A `ClarifyCheck` step: a SageMaker Clarify processing job that computes and checks bias or
 * explainability baselines. Its arguments are the processing job's.
 */
export class ClarifyCheckStep extends PipelineStep {
  constructor(name: string, private readonly props: ClarifyCheckStepProps) {
    super(name, 'ClarifyCheck', props);
  }

  protected renderBody(): any {
    const out: Record<string, any> = {
      Arguments: processingRequest(argumentsOf(this.props, CHECK_KEYS), this.props.additionalArguments),
      CheckType: this.props.checkType,
      // The SDK writes these fields even when they are unset, as null.
      ModelPackageGroupName: renderValue(this.props.modelPackageGroupName ?? null),
      SkipCheck: this.props.skipCheck ?? false,
      RegisterNewBaseline: this.props.registerNewBaseline ?? false,
      SuppliedBaselineConstraints: renderValue(this.props.suppliedBaselineConstraints ?? null),
    };
    if (this.props.modelName !== undefined) out.ModelName = renderValue(this.props.modelName);
    return out;
  }
}
