import * as iam from 'aws-cdk-lib/aws-iam';
import { ClassicModelBuild, MetricComparison } from '../pipeline/classic-model-build';
import { PipelineDefinition } from '../pipeline/definition';

/**
 * Options of the classic model-build pipeline of a project: preprocess, train, evaluate, and
 * register the model for approval when its metric is good enough.
 */
export interface ClassicProjectBuildOptions {
  /**
   * Image of the preprocessing and evaluation jobs (for example a SageMaker scikit-learn image).
   */
  readonly processingImageUri: string;

  /**
   * Image of the training job (for example the SageMaker XGBoost image).
   */
  readonly trainingImageUri: string;

  /**
   * Image the registered model serves with.
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
   * JSON path of the metric in the evaluation report.
   *
   * @default 'regression_metrics.mse.value'
   */
  readonly metricJsonPath?: string;

  /**
   * The threshold the metric must meet for the model to be registered.
   *
   * @default 6
   */
  readonly metricThreshold?: number;

  /**
   * How the metric is compared with the threshold.
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
   * Instance type of the processing jobs.
   *
   * @default 'ml.m5.xlarge'
   */
  readonly processingInstanceType?: string;

  /**
   * Instance type of the training job.
   *
   * @default 'ml.m5.xlarge'
   */
  readonly trainingInstanceType?: string;
}

/**
 * What the project's model-build pipeline needs to know about the project: its job role, data
 * bucket and registry. Given to `ProjectModelBuild` when the project builds its definition.
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
}

/**
 * The model-build pipeline of a project: the classic one, or any definition (for example one the
 * SageMaker Python SDK emitted, through `PipelineDefinition.fromFile`).
 */
export abstract class ProjectModelBuild {
  /**
   * Preprocess → train → evaluate → register when the metric passes, else fail.
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

  /** The prefix whose new objects start a build ('' for none). */
  public abstract readonly inputPrefix: string;

  /** Builds the definition for a project. @internal */
  public abstract _definition(context: ProjectBuildContext): PipelineDefinition;
}

class ClassicBuild extends ProjectModelBuild {
  public readonly inputPrefix: string;

  constructor(private readonly options: ClassicProjectBuildOptions) {
    super();
    this.inputPrefix = options.inputPrefix ?? 'data/';
  }

  public _definition(context: ProjectBuildContext): PipelineDefinition {
    const o = this.options;
    const bucket = context.dataBucketName;
    return new ClassicModelBuild({
      jobRole: context.jobRole,
      modelPackageGroupName: context.modelPackageGroupName,
      processingImageUri: o.processingImageUri,
      trainingImageUri: o.trainingImageUri,
      inferenceImageUri: o.inferenceImageUri,
      dataBucketName: bucket,
      outputPrefix: context.outputPrefix,
      inputDataUri: `s3://${bucket}/${this.inputPrefix}`,
      preprocessScriptUri: `s3://${bucket}/${o.preprocessScriptKey ?? 'code/preprocess.py'}`,
      evaluateScriptUri: `s3://${bucket}/${o.evaluateScriptKey ?? 'code/evaluate.py'}`,
      processingInstanceType: o.processingInstanceType,
      trainingInstanceType: o.trainingInstanceType,
      hyperParameters: o.hyperParameters,
      metricJsonPath: o.metricJsonPath,
      metricThreshold: o.metricThreshold,
      comparison: o.comparison,
    }).definition;
  }
}

class GivenBuild extends ProjectModelBuild {
  constructor(private readonly definition: PipelineDefinition, public readonly inputPrefix: string) {
    super();
  }

  public _definition(_context: ProjectBuildContext): PipelineDefinition {
    return this.definition;
  }
}
