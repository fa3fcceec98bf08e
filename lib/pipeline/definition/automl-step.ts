import * as iam from 'aws-cdk-lib/aws-iam';
import { VpcConfig } from './job-arguments';
import { requestWith } from './request';
import { JobStepOptions, PipelineStep, StepRenderOptions } from './step';

/** `S3DataSource` of an AutoML channel. */
export interface AutoMlS3DataSource {
  /** Where the data is. */
  readonly s3Uri: string;
  /**
   * `S3Prefix`, `ManifestFile` or `AugmentedManifestFile`.
   * @default 'S3Prefix' (as the SDK)
   */
  readonly s3DataType?: string;
}

/** `DataSource` of an AutoML channel. */
export interface AutoMlDataSource {
  /** The S3 data. */
  readonly s3DataSource: AutoMlS3DataSource;
}

/** An `AutoMLChannel`. */
export interface AutoMlChannel {
  /** The data. */
  readonly dataSource: AutoMlDataSource;
  /** The column to predict. */
  readonly targetAttributeName: string;
  /**
   * `training` or `validation`.
   * @default - training
   */
  readonly channelType?: string;
  /**
   * `None` or `Gzip`.
   * @default - none
   */
  readonly compressionType?: string;
  /**
   * MIME type of the data.
   * @default - CSV
   */
  readonly contentType?: string;
  /**
   * The column of sample weights.
   * @default - none
   */
  readonly sampleWeightAttributeName?: string;
}

/** `AutoMLOutputDataConfig`. */
export interface AutoMlOutputDataConfig {
  /** Where the artifacts go. */
  readonly s3OutputPath: string;
  /**
   * KMS key of the artifacts.
   * @default - the bucket's default encryption
   */
  readonly kmsKeyId?: string;
}

/** `CompletionCriteria` of an AutoML job. */
export interface AutoMlCompletionCriteria {
  /**
   * Candidates at most.
   * @default - SageMaker's default
   */
  readonly maxCandidates?: number;
  /**
   * Seconds each training job may run.
   * @default - SageMaker's default
   */
  readonly maxRuntimePerTrainingJobInSeconds?: number;
  /**
   * Seconds the whole job may run (`MaxAutoMLJobRuntimeInSeconds`).
   * @default - SageMaker's default
   */
  readonly maxAutoMlJobRuntimeInSeconds?: number;
}

/** `AutoMLSecurityConfig`. */
export interface AutoMlSecurityConfig {
  /**
   * KMS key of the volumes.
   * @default - SageMaker's default encryption
   */
  readonly volumeKmsKeyId?: string;
  /**
   * Whether traffic between instances is encrypted.
   * @default - SageMaker's default (false)
   */
  readonly enableInterContainerTrafficEncryption?: boolean;
  /**
   * The VPC the job's jobs run in.
   * @default - no VPC
   */
  readonly vpcConfig?: VpcConfig;
}

/** `CandidateGenerationConfig` of an AutoML job. */
export interface AutoMlCandidateGenerationConfig {
  /**
   * The features to use, a JSON file in S3.
   * @default - all
   */
  readonly featureSpecificationS3Uri?: string;
}

/** `DataSplitConfig` of an AutoML job. */
export interface AutoMlDataSplitConfig {
  /**
   * Fraction of the data held out for validation.
   * @default - SageMaker's default (0.2)
   */
  readonly validationFraction?: number;
}

/** `AutoMLJobConfig`. */
export interface AutoMlJobConfig {
  /**
   * When the job stops.
   * @default - SageMaker's defaults
   */
  readonly completionCriteria?: AutoMlCompletionCriteria;
  /**
   * Security settings.
   * @default - none
   */
  readonly securityConfig?: AutoMlSecurityConfig;
  /**
   * How candidates are generated.
   * @default - none
   */
  readonly candidateGenerationConfig?: AutoMlCandidateGenerationConfig;
  /**
   * How data is split.
   * @default - SageMaker's default
   */
  readonly dataSplitConfig?: AutoMlDataSplitConfig;
  /**
   * `ENSEMBLING`; AutoML steps of a pipeline support only ensembling (SDK `AutoMLStep`).
   * @default 'ENSEMBLING'
   */
  readonly mode?: string;
}

/** `AutoMLJobObjective`. */
export interface AutoMlJobObjective {
  /** The metric, e.g. `F1`. */
  readonly metricName: string;
}

/** Arguments of an AutoML job (`CreateAutoMLJob`). */
export interface AutoMlJobArguments {
  /** The training and validation data. */
  readonly inputDataConfig: AutoMlChannel[];
  /** Where artifacts go. */
  readonly outputDataConfig: AutoMlOutputDataConfig;
  /** The role the job runs as (`RoleArn`). */
  readonly role: iam.IRole;
  /**
   * How the job runs (`AutoMLJobConfig`).
   * @default - ensembling with SageMaker's defaults
   */
  readonly autoMlJobConfig?: AutoMlJobConfig;
  /**
   * `BinaryClassification`, `MulticlassClassification` or `Regression`.
   * @default - inferred by SageMaker
   */
  readonly problemType?: string;
  /**
   * The objective (`AutoMLJobObjective`).
   * @default - SageMaker's default for the problem type
   */
  readonly autoMlJobObjective?: AutoMlJobObjective;
}

/**
 * Props of an AutoML step.
 */
export interface AutoMlStepProps extends JobStepOptions, AutoMlJobArguments {}

/**
 * An `AutoML` step: runs a SageMaker Autopilot job (`CreateAutoMLJob`) in ensembling mode, the
 * only mode the SDK's `AutoMLStep` accepts. The best candidate is read through
 * `step.property('BestCandidate...')`.
 */
export class AutoMlStep extends PipelineStep {
  constructor(name: string, private readonly props: AutoMlStepProps) {
    super(name, 'AutoML', props);
    const mode = props.autoMlJobConfig?.mode;
    if (mode !== undefined && mode !== 'ENSEMBLING') {
      throw new Error(`AutoMlStep ${name}: mode '${mode}' is not supported in a pipeline; the SDK's AutoMLStep runs ENSEMBLING only`);
    }
  }

  /** The S3 URI of the best candidate's model insights report. */
  public get modelInsightsJsonReportPath(): string {
    return this.property('BestCandidateProperties.ModelInsightsJsonReportPath').asString();
  }

  /** The S3 URI of the best candidate's explainability report. */
  public get explainabilityJsonReportPath(): string {
    return this.property('BestCandidateProperties.ExplainabilityJsonReportPath').asString();
  }

  protected renderBody(_options: StepRenderOptions): any {
    const p = this.props;
    const args: Record<string, any> = {
      autoMlJobConfig: { ...p.autoMlJobConfig, mode: p.autoMlJobConfig?.mode ?? 'ENSEMBLING' },
      autoMlJobObjective: p.autoMlJobObjective,
      inputDataConfig: p.inputDataConfig.map((c) => ({
        ...c,
        dataSource: { s3DataSource: { s3DataType: c.dataSource.s3DataSource.s3DataType ?? 'S3Prefix', s3Uri: c.dataSource.s3DataSource.s3Uri } },
      })),
      outputDataConfig: p.outputDataConfig,
      problemType: p.problemType,
      role: p.role,
    };
    return { Arguments: requestWith(args, p.additionalArguments) };
  }
}
