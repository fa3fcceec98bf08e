/**
 * How a VPC reaches an AWS service privately.
 */
export enum EndpointType {
  /** An interface endpoint (AWS PrivateLink): network interfaces in the VPC's subnets, billed per AZ and hour. */
  INTERFACE = 'Interface',
  /** A gateway endpoint: a route in the subnets' route tables, free of charge (S3 and DynamoDB only). */
  GATEWAY = 'Gateway',
}

/**
 * Properties of a service endpoint that the library does not list.
 */
export interface ServiceEndpointOptions {
  /**
   * What the endpoint is for, shown in the endpoint's tags and in errors.
   *
   * @default - the service name
   */
  readonly description?: string;

  /**
   * Whether the endpoint policy may also limit requests to resources of the platform's accounts
   * (`aws:ResourceAccount` / `aws:ResourceOrgID`). Only set it for a service whose every action
   * the platform calls carries a resource (IAM lists the actions without the key in the
   * documentation of `aws:ResourceAccount`).
   *
   * @default false
   */
  readonly resourcePerimeter?: boolean;
}

/**
 * An AWS service that something of the platform calls at run time from inside a VPC, and the VPC
 * endpoint that reaches it without an internet path (`com.amazonaws.<region>.<serviceName>`).
 *
 * Constructs declare the services they, their jobs and their handlers call (see `ServiceUsage`);
 * a `PlatformNetwork` creates one endpoint for each service declared in its environment.
 */
export class ServiceEndpoint {
  /** The SageMaker API (`sagemaker.api`): handlers and custom resources describing packages and starting pipelines, Studio, Clarify shadow endpoints. */
  public static readonly SAGEMAKER_API = new ServiceEndpoint('sagemaker.api', EndpointType.INTERFACE, 'SageMaker API');
  /** SageMaker Runtime (`sagemaker.runtime`): invoking endpoints (the smoke test, Studio notebooks, Clarify analyses). */
  public static readonly SAGEMAKER_RUNTIME = new ServiceEndpoint('sagemaker.runtime', EndpointType.INTERFACE, 'SageMaker Runtime');
  /** AWS STS (`sts`): assuming roles of other platform accounts (the smoke test), the SageMaker Python SDK in Studio. */
  public static readonly STS = new ServiceEndpoint('sts', EndpointType.INTERFACE, 'AWS STS');
  /** Systems Manager (`ssm`): parameters the handlers read and write (the approved package, the smoke test's request). */
  public static readonly SSM = new ServiceEndpoint('ssm', EndpointType.INTERFACE, 'Systems Manager');
  /** CodePipeline (`codepipeline`): starting promotions, reporting job results. */
  public static readonly CODEPIPELINE = new ServiceEndpoint('codepipeline', EndpointType.INTERFACE, 'CodePipeline');
  /** Amazon SNS (`sns`): notifications the handlers publish. */
  public static readonly SNS = new ServiceEndpoint('sns', EndpointType.INTERFACE, 'Amazon SNS');
  /** Amazon SQS (`sqs`): queues a handler's code calls (dead letters are sent by Lambda itself, not through the VPC). */
  public static readonly SQS = new ServiceEndpoint('sqs', EndpointType.INTERFACE, 'Amazon SQS');
  /** Service Catalog (`servicecatalog`): SageMaker projects in Studio, portfolio shares. */
  public static readonly SERVICE_CATALOG = new ServiceEndpoint('servicecatalog', EndpointType.INTERFACE, 'Service Catalog');
  /** CloudWatch Logs (`logs`): CodeBuild's build logs, Studio reading job logs. */
  public static readonly CLOUDWATCH_LOGS = new ServiceEndpoint('logs', EndpointType.INTERFACE, 'CloudWatch Logs');
  /** CloudWatch metrics (`monitoring`): code that publishes or reads metrics itself. */
  public static readonly CLOUDWATCH_MONITORING = new ServiceEndpoint('monitoring', EndpointType.INTERFACE, 'CloudWatch');
  /** AWS KMS (`kms`): code that encrypts or decrypts itself (server-side encryption by S3, SQS, SNS, Lambda or SageMaker does not go through the VPC). */
  public static readonly KMS = new ServiceEndpoint('kms', EndpointType.INTERFACE, 'AWS KMS');
  /** The ECR API (`ecr.api`): code in the VPC that pulls images itself (SageMaker pulls job and model images on its own). */
  public static readonly ECR_API = new ServiceEndpoint('ecr.api', EndpointType.INTERFACE, 'ECR API');
  /** The ECR registry (`ecr.dkr`), with `ECR_API`. */
  public static readonly ECR_DOCKER = new ServiceEndpoint('ecr.dkr', EndpointType.INTERFACE, 'ECR registry');
  /** EventBridge (`events`): code that puts events itself (rule targets and bus-to-bus forwarding do not go through the VPC). */
  public static readonly EVENTBRIDGE = new ServiceEndpoint('events', EndpointType.INTERFACE, 'EventBridge');
  /** Amazon S3 (`s3`), a gateway endpoint: every SageMaker job, model and monitor in a VPC reads and writes S3 through it. */
  public static readonly S3 = new ServiceEndpoint('s3', EndpointType.GATEWAY, 'Amazon S3', true);
  /** DynamoDB (`dynamodb`), a gateway endpoint: the approval handler's idempotency records. */
  public static readonly DYNAMODB = new ServiceEndpoint('dynamodb', EndpointType.GATEWAY, 'DynamoDB', true);
  /**
   * SageMaker managed MLflow (`aws.sagemaker.<region>.experiments`): jobs that log to a tracking
   * server from a VPC (SageMaker Developer Guide, "Connecting to an MLflow tracking server through
   * an Interface VPC Endpoint"; the service name as aws-cdk-lib's `SAGEMAKER_EXPERIMENTS`).
   */
  public static readonly SAGEMAKER_MLFLOW = new ServiceEndpoint('experiments', EndpointType.INTERFACE, 'SageMaker MLflow', false, 'aws.sagemaker');

  /** Every service the library knows, in a stable order. */
  public static all(): ServiceEndpoint[] {
    return [
      ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.SAGEMAKER_RUNTIME, ServiceEndpoint.STS, ServiceEndpoint.SSM,
      ServiceEndpoint.CODEPIPELINE, ServiceEndpoint.SNS, ServiceEndpoint.SQS, ServiceEndpoint.SERVICE_CATALOG,
      ServiceEndpoint.CLOUDWATCH_LOGS, ServiceEndpoint.CLOUDWATCH_MONITORING, ServiceEndpoint.KMS, ServiceEndpoint.ECR_API,
      ServiceEndpoint.ECR_DOCKER, ServiceEndpoint.EVENTBRIDGE, ServiceEndpoint.S3, ServiceEndpoint.DYNAMODB,
      ServiceEndpoint.SAGEMAKER_MLFLOW,
    ];
  }

  /**
   * An interface endpoint the library does not list, by its service name without the
   * `com.amazonaws.<region>.` prefix, e.g. `'secretsmanager'`.
   */
  public static interfaceEndpoint(serviceName: string, options: ServiceEndpointOptions = {}): ServiceEndpoint {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(serviceName)) {
      throw new Error(`ServiceEndpoint.interfaceEndpoint: serviceName must be an endpoint service name without the com.amazonaws.<region>. prefix, such as 'secretsmanager', got '${serviceName}'`);
    }
    const known = ServiceEndpoint.all().find((s) => s.serviceName === serviceName);
    if (known) return known;
    return new ServiceEndpoint(serviceName, EndpointType.INTERFACE, options.description ?? serviceName, options.resourcePerimeter ?? false);
  }

  /**
   * The endpoint's full service name in a region, e.g. `com.amazonaws.eu-west-1.sagemaker.api`.
   */
  public fullServiceName(region: string): string {
    return `${this.servicePrefix}.${region}.${this.serviceName}`;
  }

  /** The endpoint service name without the `com.amazonaws.<region>.` prefix, e.g. `sagemaker.api`. */
  public readonly serviceName: string;
  /** Interface or gateway. */
  public readonly type: EndpointType;
  /** What the service is, for people. */
  public readonly description: string;
  /** Whether the endpoint policy also limits the resources reached to the platform's accounts. */
  public readonly resourcePerimeter: boolean;
  /** The prefix of the full service name, before the region: `com.amazonaws` for most services. */
  public readonly servicePrefix: string;

  private constructor(serviceName: string, type: EndpointType, description: string, resourcePerimeter = false, servicePrefix = 'com.amazonaws') {
    this.servicePrefix = servicePrefix;
    this.serviceName = serviceName;
    this.type = type;
    this.description = description;
    this.resourcePerimeter = resourcePerimeter;
  }
}
