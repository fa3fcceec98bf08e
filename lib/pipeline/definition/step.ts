import { Duration } from 'aws-cdk-lib';
import { PipelineExpression } from './expression';

/**
 * The SageMaker Python SDK major version whose output a definition reproduces where the two
 * differ. The service reads both.
 */
export enum SdkVersion {
  /**
   * SDK v2 (`sagemaker` 2.x, compared with v2.257.6): a tuning job's training job definition
   * carries `HyperParameterTuningResourceConfig`.
   */
  V2 = 'V2',
  /**
   * SDK v3 (`sagemaker-mlops` 3.x, compared with v3.20.0): a tuning job's training job
   * definition carries `ResourceConfig`.
   */
  V3 = 'V3',
}

/**
 * How a step renders: what the definition it belongs to asks of it.
 */
export interface StepRenderOptions {
  /**
   * Whose output to reproduce where SDK v2 and v3 differ.
   * @default SdkVersion.V2
   */
  readonly sdkVersion?: SdkVersion;
}

/**
 * Options every step takes.
 */
export interface StepOptions {
  /**
   * The name shown in SageMaker Studio.
   * @default - the step's name
   */
  readonly displayName?: string;
  /**
   * A description of the step.
   * @default - none
   */
  readonly description?: string;
  /**
   * Steps that must finish before this one starts (`DependsOn`). Data dependencies (a `Get` of
   * another step's property) need not be listed.
   * @default - none
   */
  readonly dependsOn?: PipelineStep[];
}

/**
 * Options of steps that run a SageMaker job and can be cached and retried.
 */
export interface JobStepOptions extends StepOptions {
  /**
   * How the step is retried (`RetryPolicies`).
   * @default - no retry policies: SageMaker's own
   */
  readonly retryPolicies?: RetryPolicy[];
  /**
   * Whether a previous successful run with the same arguments is reused (`CacheConfig`).
   * @default - not cached
   */
  readonly cacheConfig?: CacheConfig;
  /**
   * Raw request fields (PascalCase, as in the SageMaker API) laid over the typed arguments:
   * the escape hatch for fields this library does not type. Values may hold expressions.
   * @default - none
   */
  readonly additionalArguments?: { [key: string]: any };
}

/**
 * Step caching (`CacheConfig`).
 */
export interface CacheConfig {
  /** Whether caching is on. */
  readonly enabled: boolean;
  /**
   * How long a cached result is reused, an ISO 8601 duration such as `P30D` or `10d` as the SDK takes it.
   * @default - no expiry given
   */
  readonly expireAfter?: string;
}

/**
 * An exception a step's retry policy retries on.
 */
export enum RetryExceptionType {
  /** `Step.SERVICE_FAULT` */
  STEP_SERVICE_FAULT = 'Step.SERVICE_FAULT',
  /** `Step.THROTTLING` */
  STEP_THROTTLING = 'Step.THROTTLING',
  /** `SageMaker.JOB_INTERNAL_ERROR` */
  SAGEMAKER_JOB_INTERNAL_ERROR = 'SageMaker.JOB_INTERNAL_ERROR',
  /** `SageMaker.CAPACITY_ERROR` */
  SAGEMAKER_CAPACITY_ERROR = 'SageMaker.CAPACITY_ERROR',
  /** `SageMaker.RESOURCE_LIMIT` */
  SAGEMAKER_RESOURCE_LIMIT = 'SageMaker.RESOURCE_LIMIT',
}

/**
 * Options of a retry policy.
 */
export interface RetryPolicyOptions {
  /** The exceptions retried. */
  readonly exceptionTypes: RetryExceptionType[];
  /**
   * Seconds before the first retry.
   * @default 1
   */
  readonly intervalSeconds?: number;
  /**
   * The factor the interval grows by at each retry.
   * @default 2
   */
  readonly backoffRate?: number;
  /**
   * The number of attempts at most. Give this or `expireAfter`.
   * @default - none
   */
  readonly maxAttempts?: number;
  /**
   * How long retries go on at most (whole minutes). Give this or `maxAttempts`.
   * @default - none
   */
  readonly expireAfter?: Duration;
}

/**
 * A step's retry policy (`RetryPolicies`), as the SDK's `StepRetryPolicy` /
 * `SageMakerJobStepRetryPolicy` serialize it.
 */
export class RetryPolicy {
  /** A retry policy for the given exceptions. */
  public static of(options: RetryPolicyOptions): RetryPolicy {
    return new RetryPolicy(options);
  }

  private constructor(private readonly options: RetryPolicyOptions) {
    const problems: string[] = [];
    if (options.exceptionTypes.length === 0) problems.push('a retry policy needs at least one exception type');
    if ((options.maxAttempts === undefined) === (options.expireAfter === undefined)) problems.push('a retry policy needs exactly one of maxAttempts and expireAfter');
    if (problems.length > 0) throw new Error(problems.join('; '));
  }

  /** The policy's JSON. Typed `any` because jsii has no JSON type. */
  public toJson(): any {
    const out: Record<string, any> = {
      ExceptionType: [...this.options.exceptionTypes],
      IntervalSeconds: this.options.intervalSeconds ?? 1,
      BackoffRate: this.options.backoffRate ?? 2.0,
    };
    if (this.options.maxAttempts !== undefined) out.MaxAttempts = this.options.maxAttempts;
    if (this.options.expireAfter !== undefined) out.ExpireAfterMin = this.options.expireAfter.toMinutes();
    return out;
  }
}

/**
 * A JSON file a processing step writes to one of its outputs, for `Std:JsonGet` (`PropertyFiles`).
 */
export interface PropertyFileProps {
  /** The name expressions read it by (`PropertyFileName`). */
  readonly name: string;
  /** The processing output the file is written to (`OutputName`). */
  readonly outputName: string;
  /** The file's path under that output (`FilePath`). */
  readonly path: string;
}

/**
 * A property file (`PropertyFiles`): a processing step's JSON output that conditions read.
 */
export class PropertyFile {
  constructor(
    /** The property file's name, the step output it is written to and its path in that output. */
    public readonly props: PropertyFileProps,
  ) {}

  /** The property file's name. */
  public get name(): string {
    return this.props.name;
  }

  /** The property file's JSON. Typed `any` because jsii has no JSON type. */
  public toJson(): any {
    return { PropertyFileName: this.props.name, OutputName: this.props.outputName, FilePath: this.props.path };
  }
}

/**
 * A step of a SageMaker pipeline. Subclasses are the step types.
 *
 * To write a step type this library does not have (or a step whose arguments are empty),
 * subclass it in any jsii language: call the constructor with the step's name, its `Type` and
 * its options, and return the step's fields (`Arguments` and any other) from `renderBody`. The
 * common fields (`Name`, `Type`, `DisplayName`, `Description`, `DependsOn`, `CacheConfig`,
 * `RetryPolicies`) are written for you. A `ModelBuildPipeline` derives its role from the
 * rendered JSON, so a step type whose permissions it does not know fails at synth unless you
 * pass a role of your own.
 */
export abstract class PipelineStep {
  /** The step's name, unique in the pipeline (`Name`). */
  public readonly name: string;
  /** The step's type (`Type`), e.g. `Processing`. */
  public readonly stepType: string;
  private readonly options: StepOptions;
  private readonly dependencies: PipelineStep[];

  protected constructor(name: string, stepType: string, options: StepOptions) {
    this.name = name;
    this.stepType = stepType;
    this.options = options;
    this.dependencies = [...(options.dependsOn ?? [])];
  }

  /** Steps that must finish before this one (`DependsOn`). */
  public get dependsOn(): PipelineStep[] {
    return [...this.dependencies];
  }

  /** Adds steps that must finish before this one. */
  public addDependsOn(...steps: PipelineStep[]): void {
    this.dependencies.push(...steps);
  }

  /**
   * A property of the step's result by its path, e.g. `ModelArtifacts.S3ModelArtifacts`
   * (`{ "Get": "Steps.<name>.<path>" }`); prefer the step's typed accessors.
   */
  public property(path: string): PipelineExpression {
    return PipelineExpression.get(`Steps.${this.name}.${path}`);
  }

  /** Steps this one holds (a condition's branches). */
  public get childSteps(): PipelineStep[] {
    return [];
  }

  /**
   * The step's JSON, as the SageMaker Python SDK emits it. Typed `any` because jsii has no JSON type.
   * @param options what the definition asks of the step (the SDK version to reproduce)
   */
  public toJson(options: StepRenderOptions = {}): any {
    const out: Record<string, any> = { Name: this.name, Type: this.stepType };
    Object.assign(out, this.renderBody(options));
    if (this.options.displayName !== undefined) out.DisplayName = this.options.displayName;
    if (this.options.description !== undefined) out.Description = this.options.description;
    if (this.dependencies.length > 0) out.DependsOn = this.dependencies.map((s) => s.name);
    const job = this.options as JobStepOptions;
    if (job.cacheConfig) {
      out.CacheConfig = { Enabled: job.cacheConfig.enabled };
      if (job.cacheConfig.expireAfter !== undefined) out.CacheConfig.ExpireAfter = job.cacheConfig.expireAfter;
    }
    if (job.retryPolicies && job.retryPolicies.length > 0) out.RetryPolicies = job.retryPolicies.map((p) => p.toJson());
    return out;
  }

  /**
   * The step's type-specific fields (`Arguments` and any other), as a JSON object. Values may hold
   * pipeline expressions and CloudFormation tokens.
   * @param options what the definition asks of the step (the SDK version to reproduce)
   */
  protected abstract renderBody(options: StepRenderOptions): any;
}
