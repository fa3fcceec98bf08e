import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelPackageCard } from './model-card';

// Typed arguments after the SageMaker API request shapes. Field names are the API's in camelCase
// (`volumeSizeInGb` is `VolumeSizeInGB`); strings and numbers may hold pipeline expressions
// (`parameter.asString()`, `step.outputS3Uri('train')`). Fields not typed here go through a
// step's `additionalArguments`.

/** `StoppingCondition` of a job. */
export interface StoppingCondition {
  /**
   * Seconds the job may run.
   * @default - SageMaker's default (1 day for processing and training)
   */
  readonly maxRuntimeInSeconds?: number;
  /**
   * Seconds a managed spot training job may wait, including run time.
   * @default - no spot waiting time
   */
  readonly maxWaitTimeInSeconds?: number;
}

/**
 * `VpcConfig`: the subnets and security groups a job, model or AutoML job runs in. Ids may be
 * CloudFormation tokens (`vpc.privateSubnets[0].subnetId`) or pipeline expressions
 * (`parameter.asString()`); a `ModelBuildPipeline` gives the job roles the EC2 network-interface
 * permissions for the subnets it can name at synth (see `JobNetworkPolicy`).
 */
export interface VpcConfig {
  /** Security group ids (`SecurityGroupIds`). */
  readonly securityGroupIds: string[];
  /** Subnet ids (`Subnets`). */
  readonly subnets: string[];
}

/** `NetworkConfig` of a processing job. */
export interface ProcessingNetworkConfig {
  /**
   * Whether the container has no network access.
   * @default - false (SageMaker's default)
   */
  readonly enableNetworkIsolation?: boolean;
  /**
   * Whether traffic between instances is encrypted.
   * @default - false (SageMaker's default)
   */
  readonly enableInterContainerTrafficEncryption?: boolean;
  /**
   * The VPC the job runs in.
   * @default - no VPC
   */
  readonly vpcConfig?: VpcConfig;
}

/** `ProcessingResources.ClusterConfig`. */
export interface ProcessingClusterConfig {
  /** Instance type, e.g. `ml.m5.xlarge`. */
  readonly instanceType: string;
  /** Number of instances. */
  readonly instanceCount: number;
  /** Size of each instance's ML storage volume in GB (`VolumeSizeInGB`). */
  readonly volumeSizeInGb: number;
  /**
   * KMS key for the storage volume.
   * @default - SageMaker's default encryption
   */
  readonly volumeKmsKeyId?: string;
}

/** `ProcessingResources`. */
export interface ProcessingResources {
  /** The processing cluster. */
  readonly clusterConfig: ProcessingClusterConfig;
}

/** `AppSpecification` of a processing job. */
export interface AppSpecification {
  /** The container image. */
  readonly imageUri: string;
  /**
   * The container's entrypoint.
   * @default - the image's
   */
  readonly containerEntrypoint?: string[];
  /**
   * Arguments to the container.
   * @default - none
   */
  readonly containerArguments?: string[];
}

/** `ProcessingInput.S3Input`. */
export interface ProcessingS3Input {
  /** Where the input is read from. */
  readonly s3Uri: string;
  /** Where the container sees it. */
  readonly localPath: string;
  /**
   * `S3Prefix` or `ManifestFile`.
   * @default 'S3Prefix' (as the SDK)
   */
  readonly s3DataType?: string;
  /**
   * `File` or `Pipe`.
   * @default 'File' (as the SDK)
   */
  readonly s3InputMode?: string;
  /**
   * `FullyReplicated` or `ShardedByS3Key`.
   * @default 'FullyReplicated' (as the SDK)
   */
  readonly s3DataDistributionType?: string;
  /**
   * `None` or `Gzip`.
   * @default 'None' (as the SDK)
   */
  readonly s3CompressionType?: string;
}

/** A `ProcessingInputs` entry. */
export interface ProcessingInput {
  /** The input's name. */
  readonly inputName: string;
  /** The S3 input. */
  readonly s3Input: ProcessingS3Input;
  /**
   * Whether the input is app managed.
   * @default false (as the SDK)
   */
  readonly appManaged?: boolean;
}

/** `ProcessingOutput.S3Output`. */
export interface ProcessingS3Output {
  /** Where the output is written. */
  readonly s3Uri: string;
  /** Where the container writes it. */
  readonly localPath: string;
  /**
   * `Continuous` or `EndOfJob`.
   * @default 'EndOfJob' (as the SDK)
   */
  readonly s3UploadMode?: string;
}

/** A `ProcessingOutputConfig.Outputs` entry. */
export interface ProcessingOutput {
  /** The output's name. */
  readonly outputName: string;
  /** The S3 output. */
  readonly s3Output: ProcessingS3Output;
  /**
   * Whether the output is app managed.
   * @default false (as the SDK)
   */
  readonly appManaged?: boolean;
}

/** `ProcessingOutputConfig`. */
export interface ProcessingOutputConfig {
  /** The outputs. */
  readonly outputs: ProcessingOutput[];
  /**
   * KMS key the outputs are encrypted with.
   * @default - the bucket's default encryption
   */
  readonly kmsKeyId?: string;
}

/** Arguments of a processing job (`CreateProcessingJob`), also run by check steps. */
export interface ProcessingJobArguments {
  /** The cluster. */
  readonly processingResources: ProcessingResources;
  /** The container. */
  readonly appSpecification: AppSpecification;
  /** The role the job runs as (`RoleArn`). */
  readonly role: iam.IRole;
  /**
   * Inputs.
   * @default - none
   */
  readonly processingInputs?: ProcessingInput[];
  /**
   * Outputs.
   * @default - none
   */
  readonly processingOutputConfig?: ProcessingOutputConfig;
  /**
   * Environment variables of the container.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Network settings.
   * @default - none
   */
  readonly networkConfig?: ProcessingNetworkConfig;
  /**
   * Run-time limit.
   * @default - SageMaker's default
   */
  readonly stoppingCondition?: StoppingCondition;
}

/** `MetricDefinition`. */
export interface MetricDefinition {
  /** The metric's name. */
  readonly name: string;
  /** The regular expression that finds it in the logs. */
  readonly regex: string;
}

/** `AlgorithmSpecification` of a training job. */
export interface AlgorithmSpecification {
  /** `File`, `Pipe` or `FastFile`. */
  readonly trainingInputMode: string;
  /**
   * The training image.
   * @default - none: give `algorithmName`
   */
  readonly trainingImage?: string;
  /**
   * A SageMaker algorithm resource.
   * @default - none: give `trainingImage`
   */
  readonly algorithmName?: string;
  /**
   * Metrics read from the logs.
   * @default - none
   */
  readonly metricDefinitions?: MetricDefinition[];
  /**
   * Whether metrics are published as time series.
   * @default - SageMaker's default
   */
  readonly enableSageMakerMetricsTimeSeries?: boolean;
  /**
   * The container's entrypoint.
   * @default - the image's
   */
  readonly containerEntrypoint?: string[];
  /**
   * Arguments to the container.
   * @default - none
   */
  readonly containerArguments?: string[];
}

/** `OutputDataConfig`. */
export interface OutputDataConfig {
  /** Where model artifacts go. */
  readonly s3OutputPath: string;
  /**
   * KMS key for the artifacts.
   * @default - the bucket's default encryption
   */
  readonly kmsKeyId?: string;
}

/** `ResourceConfig` of a training job. */
export interface ResourceConfig {
  /** Instance type. */
  readonly instanceType: string;
  /** Number of instances. */
  readonly instanceCount: number;
  /** Volume size in GB (`VolumeSizeInGB`). */
  readonly volumeSizeInGb: number;
  /**
   * KMS key for the volume.
   * @default - SageMaker's default encryption
   */
  readonly volumeKmsKeyId?: string;
  /**
   * Seconds a warm pool keeps instances.
   * @default - no warm pool
   */
  readonly keepAlivePeriodInSeconds?: number;
}

/** `S3DataSource` of a training channel. */
export interface TrainingS3DataSource {
  /** Where the data is. */
  readonly s3Uri: string;
  /**
   * `S3Prefix`, `ManifestFile` or `AugmentedManifestFile`.
   * @default 'S3Prefix' (as the SDK)
   */
  readonly s3DataType?: string;
  /**
   * `FullyReplicated` or `ShardedByS3Key`.
   * @default 'FullyReplicated' (as the SDK)
   */
  readonly s3DataDistributionType?: string;
  /**
   * Attribute names of an augmented manifest.
   * @default - none
   */
  readonly attributeNames?: string[];
}

/** `DataSource` of a training channel. */
export interface TrainingDataSource {
  /** The S3 data. */
  readonly s3DataSource: TrainingS3DataSource;
}

/** A training `Channel`. */
export interface Channel {
  /** The channel's name. */
  readonly channelName: string;
  /** The data. */
  readonly dataSource: TrainingDataSource;
  /**
   * `File`, `Pipe` or `FastFile`.
   * @default - the algorithm's training input mode
   */
  readonly inputMode?: string;
  /**
   * MIME type of the data.
   * @default - none
   */
  readonly contentType?: string;
  /**
   * `None` or `Gzip`.
   * @default - none
   */
  readonly compressionType?: string;
  /**
   * `None` or `RecordIO`.
   * @default - none
   */
  readonly recordWrapperType?: string;
}

/** `CheckpointConfig`. */
export interface CheckpointConfig {
  /** Where checkpoints go. */
  readonly s3Uri: string;
  /**
   * Where the container writes them.
   * @default - /opt/ml/checkpoints
   */
  readonly localPath?: string;
}

/** A Debugger `CollectionConfiguration`. */
export interface CollectionConfiguration {
  /**
   * The collection's name.
   * @default - none
   */
  readonly collectionName?: string;
  /**
   * Its parameters.
   * @default - none
   */
  readonly collectionParameters?: { [name: string]: string };
}

/** `DebugHookConfig`. */
export interface DebugHookConfig {
  /** Where tensors go. */
  readonly s3OutputPath: string;
  /**
   * Where the container writes them.
   * @default - none
   */
  readonly localPath?: string;
  /**
   * Hook parameters.
   * @default - none
   */
  readonly hookParameters?: { [name: string]: string };
  /**
   * Collections to save.
   * @default - none
   */
  readonly collectionConfigurations?: CollectionConfiguration[];
}

/** `ProfilerConfig`. */
export interface ProfilerConfig {
  /**
   * Where profiling data goes.
   * @default - none
   */
  readonly s3OutputPath?: string;
  /**
   * Whether profiling is off.
   * @default - SageMaker's default
   */
  readonly disableProfiler?: boolean;
  /**
   * Interval of system monitoring.
   * @default - SageMaker's default
   */
  readonly profilingIntervalInMilliseconds?: number;
  /**
   * Profiling parameters.
   * @default - none
   */
  readonly profilingParameters?: { [name: string]: string };
}

/** `RetryStrategy` of a training job. */
export interface TrainingRetryStrategy {
  /** Attempts at most. */
  readonly maximumRetryAttempts: number;
}

/**
 * What a training job and a tuning job's training job definition share: the fields of
 * `CreateTrainingJob` both requests take under the same names.
 */
export interface TrainingJobSpecification {
  /** The algorithm. */
  readonly algorithmSpecification: AlgorithmSpecification;
  /** The role the job runs as (`RoleArn`). */
  readonly role: iam.IRole;
  /** Where artifacts go. */
  readonly outputDataConfig: OutputDataConfig;
  /** The instances. */
  readonly resourceConfig: ResourceConfig;
  /** Run-time limits. */
  readonly stoppingCondition: StoppingCondition;
  /**
   * Input channels.
   * @default - none
   */
  readonly inputDataConfig?: Channel[];
  /**
   * Environment variables.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * The VPC the job runs in.
   * @default - no VPC
   */
  readonly vpcConfig?: VpcConfig;
  /**
   * Whether the container has no network access.
   * @default - SageMaker's default (false)
   */
  readonly enableNetworkIsolation?: boolean;
  /**
   * Whether traffic between instances is encrypted.
   * @default - SageMaker's default (false)
   */
  readonly enableInterContainerTrafficEncryption?: boolean;
}

/** Arguments of a training job (`CreateTrainingJob`). */
export interface TrainingJobArguments extends TrainingJobSpecification {
  /**
   * Hyperparameters (string values, as the API takes them).
   * @default - none
   */
  readonly hyperParameters?: { [name: string]: string };
  /**
   * Whether spot instances are used.
   * @default - SageMaker's default (false)
   */
  readonly enableManagedSpotTraining?: boolean;
  /**
   * Checkpoints.
   * @default - none
   */
  readonly checkpointConfig?: CheckpointConfig;
  /**
   * Debugger hook.
   * @default - none
   */
  readonly debugHookConfig?: DebugHookConfig;
  /**
   * Profiler.
   * @default - none
   */
  readonly profilerConfig?: ProfilerConfig;
  /**
   * Retries of the job by SageMaker.
   * @default - none
   */
  readonly retryStrategy?: TrainingRetryStrategy;
}

/** `HyperParameterTuningJobObjective`. */
export interface TuningObjective {
  /** `Minimize` or `Maximize`. */
  readonly type: string;
  /** The metric. */
  readonly metricName: string;
}

/** `ResourceLimits` of a tuning job. */
export interface TuningResourceLimits {
  /** Training jobs at most. */
  readonly maxNumberOfTrainingJobs: number;
  /** Training jobs in parallel at most. */
  readonly maxParallelTrainingJobs: number;
}

/** An integer or continuous parameter range. */
export interface NumericParameterRange {
  /** The hyperparameter. */
  readonly name: string;
  /** Lowest value, as a string. */
  readonly minValue: string;
  /** Highest value, as a string. */
  readonly maxValue: string;
  /**
   * `Auto`, `Linear`, `Logarithmic` or `ReverseLogarithmic`.
   * @default 'Auto' (written, as the SDK does)
   */
  readonly scalingType?: string;
}

/** A categorical parameter range. */
export interface CategoricalParameterRange {
  /** The hyperparameter. */
  readonly name: string;
  /** Its values. */
  readonly values: string[];
}

/** `ParameterRanges`. */
export interface ParameterRanges {
  /**
   * Integer ranges.
   * @default - none
   */
  readonly integerParameterRanges?: NumericParameterRange[];
  /**
   * Continuous ranges.
   * @default - none
   */
  readonly continuousParameterRanges?: NumericParameterRange[];
  /**
   * Categorical ranges.
   * @default - none
   */
  readonly categoricalParameterRanges?: CategoricalParameterRange[];
}

/** `HyperParameterTuningJobConfig`. */
export interface HyperParameterTuningJobConfig {
  /** `Bayesian`, `Random`, `Hyperband` or `Grid`. */
  readonly strategy: string;
  /** Limits. */
  readonly resourceLimits: TuningResourceLimits;
  /**
   * The objective.
   * @default - none
   */
  readonly hyperParameterTuningJobObjective?: TuningObjective;
  /**
   * The ranges searched; the three lists are always written (empty when not given), as the SDK does.
   * @default - none
   */
  readonly parameterRanges?: ParameterRanges;
  /**
   * `Off` or `Auto`.
   * @default 'Off' (written, as the SDK does)
   */
  readonly trainingJobEarlyStoppingType?: string;
}

/** `TrainingJobDefinition` of a tuning job. */
export interface TuningTrainingJobDefinition extends TrainingJobSpecification {
  /**
   * Fixed hyperparameters.
   * @default - none
   */
  readonly staticHyperParameters?: { [name: string]: string };
  /**
   * Whether the training jobs run on spot instances; give `stoppingCondition.maxWaitTimeInSeconds`
   * with it (CreateHyperParameterTuningJob requires it for spot training).
   * @default - SageMaker's default (false)
   */
  readonly enableManagedSpotTraining?: boolean;
  /**
   * Checkpoints of the training jobs (used by spot training to resume).
   * @default - none
   */
  readonly checkpointConfig?: CheckpointConfig;
  /**
   * Retries of each training job by SageMaker.
   * @default - none
   */
  readonly retryStrategy?: TrainingRetryStrategy;
  /**
   * Raw fields of `HyperParameterTrainingJobDefinition` (PascalCase) laid over the typed ones:
   * the escape hatch of the nested request, which the step's `additionalArguments` cannot reach.
   * Values may hold expressions (e.g. `EnableManagedSpotTraining` from a boolean parameter).
   * @default - none
   */
  readonly additionalFields?: { [key: string]: any };
}

/** A parent of a warm-started tuning job. */
export interface ParentTuningJob {
  /** The parent tuning job's name (`HyperParameterTuningJobName`). */
  readonly hyperParameterTuningJobName: string;
}

/** `WarmStartConfig` of a tuning job. */
export interface WarmStartConfig {
  /** `IdenticalDataAndAlgorithm` or `TransferLearning`. */
  readonly warmStartType: string;
  /** The tuning jobs it starts from. */
  readonly parentHyperParameterTuningJobs: ParentTuningJob[];
}

/** Arguments of a tuning job (`CreateHyperParameterTuningJob`). */
export interface TuningJobArguments {
  /** How tuning runs. */
  readonly hyperParameterTuningJobConfig: HyperParameterTuningJobConfig;
  /** The training jobs it runs. */
  readonly trainingJobDefinition: TuningTrainingJobDefinition;
  /**
   * Tuning jobs whose results this one starts from.
   * @default - a cold start
   */
  readonly warmStartConfig?: WarmStartConfig;
}

/** `S3DataSource` of a transform input. */
export interface TransformS3DataSource {
  /** `S3Prefix`, `ManifestFile` or `AugmentedManifestFile`. */
  readonly s3DataType: string;
  /** Where the data is. */
  readonly s3Uri: string;
}

/** `DataSource` of a transform input. */
export interface TransformDataSource {
  /** The S3 data. */
  readonly s3DataSource: TransformS3DataSource;
}

/** `TransformInput`. */
export interface TransformInput {
  /** The data. */
  readonly dataSource: TransformDataSource;
  /**
   * MIME type of the data.
   * @default - none
   */
  readonly contentType?: string;
  /**
   * `None` or `Gzip`.
   * @default - none
   */
  readonly compressionType?: string;
  /**
   * `None`, `Line`, `RecordIO` or `TFRecord`.
   * @default - none
   */
  readonly splitType?: string;
}

/** `TransformOutput`. */
export interface TransformOutput {
  /** Where results go. */
  readonly s3OutputPath: string;
  /**
   * MIME type of the results.
   * @default - none
   */
  readonly accept?: string;
  /**
   * `None` or `Line`.
   * @default - none
   */
  readonly assembleWith?: string;
  /**
   * KMS key for results.
   * @default - the bucket's default encryption
   */
  readonly kmsKeyId?: string;
}

/** `TransformResources`. */
export interface TransformResources {
  /** Instance type. */
  readonly instanceType: string;
  /** Number of instances. */
  readonly instanceCount: number;
  /**
   * KMS key for the volume.
   * @default - SageMaker's default encryption
   */
  readonly volumeKmsKeyId?: string;
}

/** `DataProcessing` of a transform job. */
export interface DataProcessing {
  /**
   * JSONPath of the input passed to the model.
   * @default - all
   */
  readonly inputFilter?: string;
  /**
   * JSONPath of the output kept.
   * @default - all
   */
  readonly outputFilter?: string;
  /**
   * `Input` or `None`.
   * @default - None
   */
  readonly joinSource?: string;
}

/** Arguments of a batch transform job (`CreateTransformJob`). */
export interface TransformJobArguments {
  /** The model (e.g. a model step's `modelName`). */
  readonly modelName: string;
  /** The input. */
  readonly transformInput: TransformInput;
  /** The output. */
  readonly transformOutput: TransformOutput;
  /** The instances. */
  readonly transformResources: TransformResources;
  /**
   * Parallel requests per instance.
   * @default - SageMaker's default
   */
  readonly maxConcurrentTransforms?: number;
  /**
   * Largest payload in MB (`MaxPayloadInMB`).
   * @default - SageMaker's default
   */
  readonly maxPayloadInMb?: number;
  /**
   * `MultiRecord` or `SingleRecord`.
   * @default - SageMaker's default
   */
  readonly batchStrategy?: string;
  /**
   * Environment variables.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Input and output filtering.
   * @default - none
   */
  readonly dataProcessing?: DataProcessing;
}

/** A `ContainerDefinition` of a model. */
export interface ContainerDefinition {
  /**
   * The inference image.
   * @default - none: give `modelPackageName`
   */
  readonly image?: string;
  /**
   * The model artifacts (e.g. a training step's `modelArtifacts`).
   * @default - none
   */
  readonly modelDataUrl?: string;
  /**
   * Environment variables.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * `SingleModel` or `MultiModel`.
   * @default - SingleModel
   */
  readonly mode?: string;
  /**
   * A model package to deploy.
   * @default - none
   */
  readonly modelPackageName?: string;
  /**
   * The container's host name.
   * @default - none
   */
  readonly containerHostname?: string;
}

/** Arguments of `CreateModel`. */
export interface ModelArguments {
  /** The role the model runs as (`ExecutionRoleArn`). */
  readonly executionRole: iam.IRole;
  /**
   * The container.
   * @default - none: give `containers`
   */
  readonly primaryContainer?: ContainerDefinition;
  /**
   * An inference pipeline of containers.
   * @default - none: give `primaryContainer`
   */
  readonly containers?: ContainerDefinition[];
  /**
   * The VPC.
   * @default - no VPC
   */
  readonly vpcConfig?: VpcConfig;
  /**
   * Whether the container has no network access.
   * @default - SageMaker's default (false)
   */
  readonly enableNetworkIsolation?: boolean;
}

/** A `ModelPackageContainerDefinition`. */
export interface ModelPackageContainer {
  /** The inference image. */
  readonly image: string;
  /**
   * The model artifacts.
   * @default - none
   */
  readonly modelDataUrl?: string;
  /**
   * Environment variables.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * The ML framework.
   * @default - none
   */
  readonly framework?: string;
  /**
   * Its version.
   * @default - none
   */
  readonly frameworkVersion?: string;
  /**
   * A model like this one, for recommendations.
   * @default - none
   */
  readonly nearestModelName?: string;
}

/** `InferenceSpecification`. */
export interface InferenceSpecification {
  /** The containers. */
  readonly containers: ModelPackageContainer[];
  /** Request MIME types. */
  readonly supportedContentTypes: string[];
  /** Response MIME types (`SupportedResponseMIMETypes`). */
  readonly supportedResponseMimeTypes: string[];
  /**
   * Real-time instance types.
   * @default - none
   */
  readonly supportedRealtimeInferenceInstanceTypes?: string[];
  /**
   * Batch transform instance types.
   * @default - none
   */
  readonly supportedTransformInstanceTypes?: string[];
}

/** `MetricsSource`: a metrics file in S3. */
export interface MetricsSource {
  /** MIME type. */
  readonly contentType: string;
  /** Where the file is. */
  readonly s3Uri: string;
  /**
   * Digest of the file.
   * @default - none
   */
  readonly contentDigest?: string;
}

/** Statistics and constraints. */
export interface QualityMetrics {
  /**
   * Statistics.
   * @default - none
   */
  readonly statistics?: MetricsSource;
  /**
   * Constraints.
   * @default - none
   */
  readonly constraints?: MetricsSource;
}

/** `Bias` metrics. */
export interface BiasMetrics {
  /**
   * The bias report.
   * @default - none
   */
  readonly report?: MetricsSource;
  /**
   * Pre-training report.
   * @default - none
   */
  readonly preTrainingReport?: MetricsSource;
  /**
   * Post-training report.
   * @default - none
   */
  readonly postTrainingReport?: MetricsSource;
}

/** `Explainability` metrics. */
export interface ExplainabilityMetrics {
  /**
   * The report.
   * @default - none
   */
  readonly report?: MetricsSource;
}

/** `ModelMetrics`. */
export interface ModelMetrics {
  /**
   * Model quality.
   * @default - none
   */
  readonly modelQuality?: QualityMetrics;
  /**
   * Model data quality.
   * @default - none
   */
  readonly modelDataQuality?: QualityMetrics;
  /**
   * Bias (the SDK emits `{}` when it has none).
   * @default - none
   */
  readonly bias?: BiasMetrics;
  /**
   * Explainability (the SDK emits `{}` when it has none).
   * @default - none
   */
  readonly explainability?: ExplainabilityMetrics;
}

/** `MetadataProperties`. */
export interface MetadataProperties {
  /**
   * Commit id.
   * @default - none
   */
  readonly commitId?: string;
  /**
   * Repository.
   * @default - none
   */
  readonly repository?: string;
  /**
   * Who generated it.
   * @default - none
   */
  readonly generatedBy?: string;
  /**
   * Project id.
   * @default - none
   */
  readonly projectId?: string;
}

/** `FileSource`: a file in S3 that drift-check baselines name. */
export interface FileSource {
  /** Where the file is. */
  readonly s3Uri: string;
  /**
   * MIME type.
   * @default - none
   */
  readonly contentType?: string;
  /**
   * Digest of the file.
   * @default - none
   */
  readonly contentDigest?: string;
}

/** `DriftCheckBias`. */
export interface DriftCheckBias {
  /**
   * The bias config file.
   * @default - none
   */
  readonly configFile?: FileSource;
  /**
   * Pre-training constraints.
   * @default - none
   */
  readonly preTrainingConstraints?: MetricsSource;
  /**
   * Post-training constraints.
   * @default - none
   */
  readonly postTrainingConstraints?: MetricsSource;
}

/** `DriftCheckExplainability`. */
export interface DriftCheckExplainability {
  /**
   * Constraints.
   * @default - none
   */
  readonly constraints?: MetricsSource;
  /**
   * The explainability config file.
   * @default - none
   */
  readonly configFile?: FileSource;
}

/**
 * `DriftCheckBaselines`: the baselines Model Monitor and later check steps compare against
 * (e.g. a quality check step's `baselineUsedForDriftCheckStatistics`).
 */
export interface DriftCheckBaselines {
  /**
   * Bias baselines.
   * @default - none
   */
  readonly bias?: DriftCheckBias;
  /**
   * Explainability baselines.
   * @default - none
   */
  readonly explainability?: DriftCheckExplainability;
  /**
   * Model quality statistics and constraints.
   * @default - none
   */
  readonly modelQuality?: QualityMetrics;
  /**
   * Data quality statistics and constraints.
   * @default - none
   */
  readonly modelDataQuality?: QualityMetrics;
}

/** A `Tag` of a job or model package. */
export interface Tag {
  /** The key. */
  readonly key: string;
  /** The value. */
  readonly value: string;
}

/** Arguments of `CreateModelPackage` (a RegisterModel step). */
export interface RegisterModelArguments {
  /** The group the package is registered into (e.g. `group.modelPackageGroupName`). */
  readonly modelPackageGroupName: string;
  /** How the model is served. */
  readonly inferenceSpecification: InferenceSpecification;
  /**
   * `PendingManualApproval`, `Approved` or `Rejected`.
   * @default - SageMaker's default (PendingManualApproval)
   */
  readonly modelApprovalStatus?: string;
  /**
   * A description.
   * @default - none
   */
  readonly modelPackageDescription?: string;
  /**
   * Metrics of the model.
   * @default - none
   */
  readonly modelMetrics?: ModelMetrics;
  /**
   * Metadata to keep with the package.
   * @default - none
   */
  readonly customerMetadataProperties?: { [name: string]: string };
  /**
   * `None` or `All`.
   * @default - SageMaker's default
   */
  readonly skipModelValidation?: string;
  /**
   * ML domain, e.g. `COMPUTER_VISION`.
   * @default - none
   */
  readonly domain?: string;
  /**
   * ML task, e.g. `REGRESSION`.
   * @default - none
   */
  readonly task?: string;
  /**
   * A sample payload in S3.
   * @default - none
   */
  readonly samplePayloadUrl?: string;
  /**
   * Lineage metadata.
   * @default - none
   */
  readonly metadataProperties?: MetadataProperties;
  /**
   * Baselines Model Monitor and later check steps compare against (`DriftCheckBaselines`).
   * @default - none
   */
  readonly driftCheckBaselines?: DriftCheckBaselines;
  /**
   * Tags of the model package.
   * @default - none
   */
  readonly tags?: Tag[];
  /**
   * The package's model card (`ModelCard`): intended uses, risk rating, training details and
   * evaluation metrics, which may come from the pipeline's own outputs.
   * @default - no model card
   */
  readonly modelCard?: ModelPackageCard;
}
