import { IConstruct } from 'constructs';
import { registry, sdkPackagesOf } from './service-registry';
import { ServiceEndpoint } from './service-endpoint';

/**
 * The AWS SDK v3 packages a handler may import, and the endpoint each one's calls go to. A package
 * missing here fails `ServiceUsage.ofSource` and the handler scan test: adding a handler that calls
 * a new service fails until its endpoint is known.
 */
const SDK_PACKAGE_ENDPOINTS: { [pkg: string]: ServiceEndpoint } = {
  '@aws-sdk/client-sagemaker': ServiceEndpoint.SAGEMAKER_API,
  '@aws-sdk/client-sagemaker-runtime': ServiceEndpoint.SAGEMAKER_RUNTIME,
  '@aws-sdk/client-sts': ServiceEndpoint.STS,
  '@aws-sdk/client-ssm': ServiceEndpoint.SSM,
  '@aws-sdk/client-codepipeline': ServiceEndpoint.CODEPIPELINE,
  '@aws-sdk/client-sns': ServiceEndpoint.SNS,
  '@aws-sdk/client-sqs': ServiceEndpoint.SQS,
  '@aws-sdk/client-service-catalog': ServiceEndpoint.SERVICE_CATALOG,
  '@aws-sdk/client-cloudwatch-logs': ServiceEndpoint.CLOUDWATCH_LOGS,
  '@aws-sdk/client-cloudwatch': ServiceEndpoint.CLOUDWATCH_MONITORING,
  '@aws-sdk/client-kms': ServiceEndpoint.KMS,
  '@aws-sdk/client-ecr': ServiceEndpoint.ECR_API,
  '@aws-sdk/client-eventbridge': ServiceEndpoint.EVENTBRIDGE,
  '@aws-sdk/client-s3': ServiceEndpoint.S3,
  '@aws-sdk/client-dynamodb': ServiceEndpoint.DYNAMODB,
  '@aws-sdk/lib-dynamodb': ServiceEndpoint.DYNAMODB,
};

/**
 * What each handler under `lambda/<name>/` calls, from the `@aws-sdk/*` packages its sources
 * import (test/network/handler-services.test.ts reads the sources and fails when this disagrees).
 */
const HANDLER_SERVICES: { [handler: string]: ServiceEndpoint[] } = {
  // DynamoDB: the approval handler's idempotency ledger.
  'approval-to-promotion': [ServiceEndpoint.CODEPIPELINE, ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.SSM, ServiceEndpoint.DYNAMODB],
  'drift-to-retraining': [ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.SNS],
  // The SageMaker API: DescribeEndpoint/DescribeEndpointConfig/DescribeModel, that the endpoint serves the package.
  'endpoint-smoke-test': [ServiceEndpoint.CODEPIPELINE, ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.SAGEMAKER_RUNTIME, ServiceEndpoint.SSM, ServiceEndpoint.STS],
  'model-card-status': [ServiceEndpoint.SAGEMAKER_API],
  'record-lineage': [ServiceEndpoint.CODEPIPELINE, ServiceEndpoint.SAGEMAKER_API],
  'resolve-model-package': [ServiceEndpoint.CODEPIPELINE, ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.SSM],
};

/** One construct's declaration that it calls a service from its environment's VPC. */
export interface ServiceUsageDeclaration {
  /** The construct that calls the service. */
  readonly scope: IConstruct;
  /** The service. */
  readonly service: ServiceEndpoint;
  /** Why it calls it, for people reading an error. */
  readonly reason: string;
}

/**
 * Where the platform records which AWS services each construct, its jobs and its handlers call at
 * run time from inside a VPC. A `PlatformNetwork` creates the endpoints of every service declared
 * in its account and region (and in the deployment templates it serves), so a construct that
 * starts calling a new service gets its endpoint, and nothing is reached over the internet.
 */
export class ServiceUsage {
  /**
   * Declares that `scope` calls `services` at run time from the VPC of its stack's environment.
   */
  public static declare(scope: IConstruct, services: ServiceEndpoint[], reason: string): void {
    const declarations = registry(scope);
    for (const service of services) {
      declarations.push({ scope, service, reason });
    }
  }

  /**
   * Every declaration made in the app that holds `scope`.
   */
  public static declarations(scope: IConstruct): ServiceUsageDeclaration[] {
    return [...registry(scope)];
  }

  /**
   * The services a handler of this library calls (the folder name under `lambda/`).
   */
  public static ofHandler(handler: string): ServiceEndpoint[] {
    const services = HANDLER_SERVICES[handler];
    if (!services) {
      throw new Error(`ServiceUsage.ofHandler: no services are recorded for handler '${handler}'; add it to HANDLER_SERVICES in lib/network/service-usage.ts (one of ${Object.keys(HANDLER_SERVICES).join(', ')})`);
    }
    return [...services];
  }

  /** The handlers whose services are recorded. */
  public static handlers(): string[] {
    return Object.keys(HANDLER_SERVICES);
  }

  /**
   * The services a handler's source calls, from the `@aws-sdk/*` packages it imports or requires.
   * Fails on a package whose endpoint is not known.
   */
  public static ofSource(source: string): ServiceEndpoint[] {
    const found: ServiceEndpoint[] = [];
    const unknown: string[] = [];
    for (const pkg of sdkPackagesOf(source)) {
      const service = SDK_PACKAGE_ENDPOINTS[pkg];
      if (!service) unknown.push(pkg);
      else if (!found.includes(service)) found.push(service);
    }
    if (unknown.length > 0) {
      throw new Error(`ServiceUsage.ofSource: no VPC endpoint is known for ${unknown.join(', ')}; map each to its service in SDK_PACKAGE_ENDPOINTS (lib/network/service-usage.ts)`);
    }
    return found;
  }

  /** The endpoint of an AWS SDK v3 package, e.g. `@aws-sdk/client-ssm`, if known. */
  public static ofSdkPackage(pkg: string): ServiceEndpoint | undefined {
    return SDK_PACKAGE_ENDPOINTS[pkg];
  }

  private constructor() {}
}
