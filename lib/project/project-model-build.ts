import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { IWorkloadNetwork } from '../network/workload-network';
import { ClassicModelBuild, ClassicModelCardOptions, MetricComparison } from '../pipeline/classic-model-build';
import { PipelineDefinition } from '../pipeline/definition';

/**
 * Options of the classic model-build pipeline of a project: preprocess, train, evaluate, and
 * register the model for approval when its metric is good enough.
 */
export interface ClassicProjectBuildOptions {
  /**
   * Image of the preprocessing and evaluation jobs (for example a SageMaker scikit-learn image).
   * An ECR image must be in the tooling region: SageMaker pulls no image across regions.
   */
  readonly processingImageUri: string;

  /**
   * Image of the training job (for example the SageMaker XGBoost image), in ECR of the tooling
   * region.
   */
  readonly trainingImageUri: string;

  /**
   * Image the registered model serves with, in ECR of the tooling region.
   *
   * @default - the training image
   */
  readonly inferenceImageUri?: string;

  /**
   * Key, in the project's data bucket, of the preprocessing script.
   *
   * @default 'code/preprocess.py'
   */
  readonly preprocessScriptKey?: string;

  /**
   * Key, in the project's data bucket, of the evaluation script. It writes
   * `evaluation.json` with the metric.
   *
   * @default 'code/evaluate.py'
   */
  readonly evaluateScriptKey?: string;

  /**
   * Prefix of the training data in the project's data bucket. New objects under it start a
   * build.
   *
   * @default 'data/'
   */
  readonly inputPrefix?: string;

  /**
   * JSON path of the metric in the evaluation report. Give it whenever you give
   * `metricThreshold` or `comparison`: without it they would be compared with the default metric.
   *
   * @default 'regression_metrics.mse.value' (only when neither `metricThreshold` nor `comparison` is given)
   */
  readonly metricJsonPath?: string;

  /**
   * The threshold the metric must meet for the model to be registered. Needs `metricJsonPath`.
   *
   * @default 6
   */
  readonly metricThreshold?: number;

  /**
   * How the metric is compared with the threshold. Needs `metricJsonPath`.
   *
   * @default MetricComparison.LESS_THAN_OR_EQUAL_TO
   */
  readonly comparison?: MetricComparison;

  /**
   * Hyperparameters of the training job.
   *
   * @default - none
   */
  readonly hyperParameters?: { [name: string]: string };

  /**
   * Instance type of the processing jobs and the data quality check, one of the SageMaker API's
   * `ProcessingInstanceType`s.
   *
   * @default 'ml.m5.xlarge'
   */
  readonly processingInstanceType?: string;

  /**
   * Instance type of the training job, one of the SageMaker API's `TrainingInstanceType`s.
   *
   * @default 'ml.m5.xlarge'
   */
  readonly trainingInstanceType?: string;

  /**
   * What the model card registered with each package says beyond what the build computes
   * (training job, data, evaluation metrics): intended uses, risk rating, creator. Its status is
   * `PendingReview` until a reviewer decides; the project's `governance.modelCardStatus` then
   * sets it to `Approved` or `Archived`.
   *
   * @default - a card with the build's training details and evaluation metrics, risk rating unknown
   */
  readonly modelCard?: ClassicModelCardOptions;

  /**
   * The Model Monitor image of the data quality check (`sagemaker-model-monitor-analyzer`).
   *
   * @default - the first-party image of the tooling region, as the SageMaker Python SDK resolves it
   */
  readonly dataQualityImageUri?: string;
}

/**
 * What the project's model-build pipeline needs to know about the project: its job role, data
 * bucket and registry. Given to `ProjectModelBuild.bind()` when the project builds its definition.
 */
export interface ProjectBuildContext {
  /** The role SageMaker jobs of the build run as. */
  readonly jobRole: iam.IRole;
  /** The project's data bucket (training data, code, model artifacts). */
  readonly dataBucketName: string;
  /** The registry's group name. */
  readonly modelPackageGroupName: string;
  /** The prefix under which the build writes its outputs (model artifacts, reports). */
  readonly outputPrefix: string;
  /**
   * The network the build's jobs run in (the platform's tooling network in private mode): put
   * every job of the definition in it (`VpcConfig` / `NetworkConfig.VpcConfig`). The job role has
   * its network-interface permissions already.
   * @default - no VPC (the platform is not private)
   */
  readonly network?: IWorkloadNetwork;
  /**
   * Environment variables the build's jobs get from the project, such as `MLFLOW_TRACKING_URI`
   * of the project's MLflow tracking server.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
}

/**
 * What a `ProjectModelBuild` gives the project: the pipeline definition and what starts it.
 */
export interface ProjectModelBuildConfig {
  /**
   * The definition of the project's SageMaker pipeline.
   */
  readonly definition: PipelineDefinition;

  /**
   * Prefix, in the project's data bucket, of the data whose arrival starts a build.
   *
   * @default - no build starts on new data
   */
  readonly inputPrefix?: string;

  /**
   * Where in the data bucket the build writes trained model artifacts (S3 key patterns, `*`
   * matching anything): the only objects the staging and production endpoints may read from the
   * tooling account.
   *
   * @default - every key under the build's output prefix (`<outputPrefix>/*`)
   */
  readonly modelArtifactKeyPatterns?: string[];

  /**
   * Where in the data bucket the build writes the baselines its packages register for drift
   * checks: the only other objects production (its monitors) may read.
   *
   * @default - every key under the build's output prefix (`<outputPrefix>/*`)
   */
  readonly baselineKeyPatterns?: string[];
}

/**
 * The model-build pipeline of a project: the classic one, any definition (for example one the
 * SageMaker Python SDK emitted, through `PipelineDefinition.fromFile`), or a build of your own.
 *
 * To write your own, in any jsii language, subclass it and implement `bind()`: the project calls
 * it once, with the project's job role, data bucket and registry, and deploys the definition it
 * returns.
 *
 * @exampleMetadata fixture=project
 * @example
 * // A build of your own: the SDK's JSON of each project, started by new features.
 * class SdkExportBuild extends ProjectModelBuild {
 *   public bind(_scope: Construct, context: ProjectBuildContext): ProjectModelBuildConfig {
 *     return {
 *       definition: PipelineDefinition.fromFile(`pipelines/${context.modelPackageGroupName}.json`),
 *       inputPrefix: 'features/',
 *     };
 *   }
 * }
 *
 * new MlopsProject(app, 'Churn', {
 *   platform,
 *   projectName: 'churn',
 *   smokeTest: { payload: '42,1,0,12,79.5,1' },
 *   modelBuild: new SdkExportBuild(),
 * });
 */
export abstract class ProjectModelBuild {
  /**
   * Preprocess → train → evaluate → register when the metric passes, else fail. The options are
   * checked when the project binds the build (the images against the tooling region).
   */
  public static classic(options: ClassicProjectBuildOptions): ProjectModelBuild {
    return new ClassicBuild(options);
  }

  /**
   * A definition of your own (built with the DSL, or `PipelineDefinition.fromFile` of the
   * SageMaker Python SDK's JSON). Its jobs need a role that reads and writes the project's data
   * bucket: the project's `jobRole`, or one of your own given to the pipeline.
   *
   * @param definition the pipeline definition
   * @param inputPrefix prefix of the data whose arrival starts a build, or no trigger when empty
   */
  public static fromDefinition(definition: PipelineDefinition, inputPrefix: string = 'data/'): ProjectModelBuild {
    return new GivenBuild(definition, inputPrefix);
  }

  /**
   * Gives the project its pipeline definition. Called once per project, when the project is
   * constructed.
   *
   * @param scope a construct of the project's tooling stack, for what the build needs beside the
   * pipeline (assets, functions of `LambdaStep`s)
   * @param context the project's job role, data bucket, registry and output prefix
   */
  public abstract bind(scope: Construct, context: ProjectBuildContext): ProjectModelBuildConfig;
}

class ClassicBuild extends ProjectModelBuild {
  constructor(private readonly options: ClassicProjectBuildOptions) {
    super();
  }

  public bind(scope: Construct, context: ProjectBuildContext): ProjectModelBuildConfig {
    const o = this.options;
    // Checked here, where the tooling region is known, and named as the user wrote it (the
    // options are ClassicModelBuild's, by the same names).
    const problems = ClassicModelBuild._problems(o, Stack.of(scope));
    if (problems.length > 0) throw new Error(`ProjectModelBuild.classic ${scope.node.path}: ${problems.join('; ')}`);
    const bucket = context.dataBucketName;
    const inputPrefix = o.inputPrefix ?? 'data/';
    const definition = new ClassicModelBuild({
      jobRole: context.jobRole,
      modelPackageGroupName: context.modelPackageGroupName,
      processingImageUri: o.processingImageUri,
      trainingImageUri: o.trainingImageUri,
      inferenceImageUri: o.inferenceImageUri,
      dataBucketName: bucket,
      outputPrefix: context.outputPrefix,
      inputDataUri: `s3://${bucket}/${inputPrefix}`,
      preprocessScriptUri: `s3://${bucket}/${o.preprocessScriptKey ?? 'code/preprocess.py'}`,
      evaluateScriptUri: `s3://${bucket}/${o.evaluateScriptKey ?? 'code/evaluate.py'}`,
      processingInstanceType: o.processingInstanceType,
      trainingInstanceType: o.trainingInstanceType,
      hyperParameters: o.hyperParameters,
      metricJsonPath: o.metricJsonPath,
      metricThreshold: o.metricThreshold,
      comparison: o.comparison,
      dataQualityImageUri: o.dataQualityImageUri,
      network: context.network,
      environment: context.environment,
      // Every package carries a card: the build's training details and evaluation metrics.
      modelCard: o.modelCard ?? {},
    }).definition;
    // Only the trained model and the check's baselines leave the tooling account; the splits of
    // the training data and the evaluation reports stay (ClassicModelBuild's output layout:
    // <prefix>/<execution id>/<step>/...).
    const out = context.outputPrefix;
    return {
      definition,
      inputPrefix,
      modelArtifactKeyPatterns: [`${out}/*/Train/output/*`],
      baselineKeyPatterns: [`${out}/*/DataQualityCheck/*`],
    };
  }
}

class GivenBuild extends ProjectModelBuild {
  constructor(private readonly definition: PipelineDefinition, private readonly inputPrefix: string) {
    super();
  }

  public bind(_scope: Construct, _context: ProjectBuildContext): ProjectModelBuildConfig {
    return { definition: this.definition, inputPrefix: this.inputPrefix };
  }
}
