import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * Options of real-time inference on instances.
 */
export interface RealTimeInferenceOptions {
  /**
   * The instance type, such as `ml.m5.large`: one of the SageMaker API's
   * `ProductionVariantInstanceType`s (the endpoint checks it). Instances run (and are billed)
   * around the clock.
   */
  readonly instanceType: string;

  /**
   * How many instances the variant starts with (autoscaling may change it later).
   *
   * @default 1
   */
  readonly initialInstanceCount?: number;
}

/**
 * Options of serverless inference.
 */
export interface ServerlessInferenceOptions {
  /**
   * Memory of each worker, in MB: 1024, 2048, 3072, 4096, 5120 or 6144.
   *
   * @default 2048
   */
  readonly memorySizeInMb?: number;

  /**
   * How many invocations may run at once (1 to 200).
   *
   * @default 5
   */
  readonly maxConcurrency?: number;

  /**
   * Provisioned concurrency kept warm (billed while idle), at most `maxConcurrency`.
   *
   * @default - none: cold starts possible
   */
  readonly provisionedConcurrency?: number;
}

/**
 * Options of asynchronous inference: requests are queued, results written to S3 and announced
 * on SNS topics.
 */
export interface AsynchronousInferenceOptions {
  /**
   * The instance type, such as `ml.m5.large`: one of the SageMaker API's
   * `ProductionVariantInstanceType`s (the endpoint checks it).
   */
  readonly instanceType: string;

  /**
   * How many instances the variant starts with.
   *
   * @default 1
   */
  readonly initialInstanceCount?: number;

  /**
   * How many requests each instance works on at once.
   *
   * @default - SageMaker picks a value for the container
   */
  readonly maxConcurrentInvocationsPerInstance?: number;

  /**
   * Where results and failures are written, under `outputPrefix`.
   *
   * @default - a new bucket encrypted with the endpoint's key
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * Key prefix of results (`<prefix>/output`) and failures (`<prefix>/failures`) in the bucket.
   *
   * @default 'async-inference'
   */
  readonly outputPrefix?: string;

  /**
   * Whether SageMaker announces each result and failure on SNS topics.
   *
   * @default true
   */
  readonly notifications?: boolean;

  /**
   * The topic told of each successful inference (when `notifications`).
   *
   * @default - a new topic encrypted with the endpoint's key
   */
  readonly successTopic?: sns.ITopic;

  /**
   * The topic told of each failed inference (when `notifications`).
   *
   * @default - a new topic encrypted with the endpoint's key
   */
  readonly errorTopic?: sns.ITopic;
}

/**
 * How an endpoint serves: real-time on instances, serverless, or asynchronous.
 */
export class EndpointInference {
  /**
   * Real-time inference on instances that run around the clock.
   */
  public static realTime(options: RealTimeInferenceOptions): EndpointInference {
    return new EndpointInference('REAL_TIME', options.instanceType, options.initialInstanceCount ?? 1, undefined, undefined);
  }

  /**
   * Serverless inference: billed per request, no instances. SageMaker does not support data
   * capture, VPC, network isolation, shadow variants, a storage KMS key or rolling deployments
   * on serverless endpoints.
   */
  public static serverless(options: ServerlessInferenceOptions = {}): EndpointInference {
    return new EndpointInference('SERVERLESS', undefined, undefined, options, undefined);
  }

  /**
   * Asynchronous inference on instances: requests are queued, up to 1 GB each, and results are
   * written to S3.
   */
  public static asynchronous(options: AsynchronousInferenceOptions): EndpointInference {
    return new EndpointInference('ASYNC', options.instanceType, options.initialInstanceCount ?? 1, undefined, options);
  }

  /**
   * `REAL_TIME`, `SERVERLESS` or `ASYNC`.
   */
  public readonly kind: string;

  /**
   * The instance type, for real-time and asynchronous inference.
   */
  public readonly instanceType?: string;

  /**
   * The initial instance count, for real-time and asynchronous inference.
   */
  public readonly initialInstanceCount?: number;

  /**
   * The serverless options, for serverless inference.
   */
  public readonly serverlessOptions?: ServerlessInferenceOptions;

  /**
   * The asynchronous options, for asynchronous inference.
   */
  public readonly asynchronousOptions?: AsynchronousInferenceOptions;

  private constructor(
    kind: string,
    instanceType: string | undefined,
    initialInstanceCount: number | undefined,
    serverless: ServerlessInferenceOptions | undefined,
    asynchronous: AsynchronousInferenceOptions | undefined,
  ) {
    this.kind = kind;
    this.instanceType = instanceType;
    this.initialInstanceCount = initialInstanceCount;
    this.serverlessOptions = serverless;
    this.asynchronousOptions = asynchronous;
  }

  /**
   * Whether the endpoint runs on instances (real-time or asynchronous), not serverless.
   */
  public get onInstances(): boolean {
    return this.kind !== 'SERVERLESS';
  }
}
