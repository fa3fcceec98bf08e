import { Duration, IResource, Lazy, Names, Resource, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CfnEndpoint, CfnEndpointConfig, CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeploymentStrategy } from './deployment-strategy';
import { EndpointInference } from './endpoint-inference';
import { waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { checkInstanceType } from '../private/sagemaker-instance-types';
import { createSecureBucket } from '../private/secure-bucket';
import { hasInstanceStorage } from './instance-storage';
import { ServiceEndpoint } from '../network/service-endpoint';
import { ServiceUsage } from '../network/service-usage';
import { IWorkloadNetwork, NetworkInterfaceUser } from '../network/workload-network';
import { grantModelPackageAccess, waitForRolePolicies, waiveRoleWildcards } from './model-package-access';

/**
 * A SageMaker endpoint that serves a model.
 */
export interface IModelEndpoint extends IResource {
  /**
   * The name of the endpoint.
   *
   * @attribute
   */
  readonly endpointName: string;

  /**
   * The ARN of the endpoint.
   *
   * @attribute
   */
  readonly endpointArn: string;

  /**
   * The name of the production variant that serves the model.
   */
  readonly variantName: string;

  /**
   * Grants invoking the endpoint (real-time, streaming and asynchronous).
   */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;

  /**
   * A metric of the endpoint's variant in the `AWS/SageMaker` namespace.
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * The number of requests sent to the variant (not published for asynchronous endpoints).
   *
   * @default - sum over 5 minutes
   */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * The share of requests the model answered with a 5xx error (0 to 1).
   *
   * @default - average over 5 minutes
   */
  metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * The share of requests answered with a 4xx error (0 to 1).
   *
   * @default - average over 5 minutes
   */
  metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * How long the model took to answer, in microseconds.
   *
   * @default - average over 5 minutes
   */
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * An endpoint defined outside this construct library.
 */
export interface ModelEndpointAttributes {
  /**
   * The name of the endpoint.
   */
  readonly endpointName: string;

  /**
   * The name of the variant whose metrics to read.
   *
   * @default 'AllTraffic'
   */
  readonly variantName?: string;
}

abstract class ModelEndpointBase extends Resource implements IModelEndpoint {
  public abstract readonly endpointName: string;
  public abstract readonly endpointArn: string;
  public abstract readonly variantName: string;

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointAsync', 'sagemaker:InvokeEndpointWithResponseStream'],
      resourceArns: [this.endpointArn],
    });
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.variantName },
      ...props,
    }).attachTo(this);
  }

  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  public metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  public metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation4XXErrors', { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }
}

/**
 * What of an endpoint's requests and responses SageMaker captures to S3 (Model Monitor reads it).
 */
export interface DataCaptureOptions {
  /**
   * Whether to capture at all.
   *
   * @default - true for real-time inference, false for asynchronous; serverless endpoints cannot capture
   */
  readonly enabled?: boolean;

  /**
   * The share of requests captured, in percent (1 to 100). Captured data is stored, and billed, in S3.
   *
   * @default 100
   */
  readonly samplingPercentage?: number;

  /**
   * Whether requests are captured.
   *
   * @default true
   */
  readonly captureRequests?: boolean;

  /**
   * Whether responses are captured.
   *
   * @default true
   */
  readonly captureResponses?: boolean;

  /**
   * The bucket captured data is written to, under `prefix`. SageMaker encrypts it with the
   * endpoint's `encryptionKey`.
   *
   * @default - a new bucket encrypted with the endpoint's key
   */
  readonly bucket?: s3.IBucket;

  /**
   * The key prefix of captured data in the bucket.
   *
   * @default 'data-capture'
   */
  readonly prefix?: string;

  /**
   * Content types captured as CSV.
   *
   * @default - SageMaker's default (base64 unless JSON or CSV is recognised)
   */
  readonly csvContentTypes?: string[];

  /**
   * Content types captured as JSON.
   *
   * @default - SageMaker's default
   */
  readonly jsonContentTypes?: string[];
}

/**
 * How the production variant's instance count follows its load.
 */
export interface EndpointAutoScalingOptions {
  /**
   * The fewest instances (at least 1 for real-time; 0 allowed for asynchronous inference).
   */
  readonly minCapacity: number;

  /**
   * The most instances.
   */
  readonly maxCapacity: number;

  /**
   * Real-time: the invocations per instance per minute to keep each instance at.
   * Asynchronous: the queued requests per instance (`ApproximateBacklogSizePerInstance`).
   *
   * @default - 100 invocations per instance for real-time, a backlog of 5 for asynchronous
   */
  readonly targetValue?: number;

  /**
   * How long after a scale-in another scale-in may start.
   *
   * @default Duration.minutes(5)
   */
  readonly scaleInCooldown?: Duration;

  /**
   * How long after a scale-out another scale-out may start.
   *
   * @default Duration.minutes(1)
   */
  readonly scaleOutCooldown?: Duration;
}

/**
 * How a shadow variant runs, whatever model package it serves.
 */
export interface ShadowOptions {
  /**
   * The name of the shadow variant.
   *
   * @default 'Shadow'
   */
  readonly variantName?: string;

  /**
   * The shadow variant's instance type.
   *
   * @default - the production variant's instance type
   */
  readonly instanceType?: string;

  /**
   * The shadow variant's instance count.
   *
   * @default - the production variant's initial instance count
   */
  readonly initialInstanceCount?: number;

  /**
   * The share of production requests copied to the shadow variant, in percent (1 to 100).
   *
   * @default 100
   */
  readonly samplingPercentage?: number;
}

/**
 * A shadow variant: a second model package that receives a copy of the production traffic; its
 * answers are captured, never returned to callers.
 */
export interface ShadowVariantOptions extends ShadowOptions {
  /**
   * The ARN of the model package under test. May be a token (a CloudFormation parameter).
   */
  readonly modelPackageArn: string;
}

/**
 * Everything of a `ModelEndpoint` but the model package: what differs between stages.
 */
export interface ModelEndpointOptions {
  /**
   * How the endpoint serves.
   *
   * @default EndpointInference.realTime({ instanceType: 'ml.m5.large' }): one instance, billed around the clock
   */
  readonly inference?: EndpointInference;

  /**
   * The endpoint's name (up to 63 letters, digits and hyphens).
   *
   * @default - derived from the construct path, fixed at synth so alarms can name it
   */
  readonly endpointName?: string;

  /**
   * The production variant's name. Deployment guardrails need it to stay the same across updates.
   *
   * @default 'AllTraffic'
   */
  readonly variantName?: string;

  /**
   * Data capture (requests and responses to S3, for Model Monitor).
   *
   * @default - on for real-time inference, capturing every request and response
   */
  readonly dataCapture?: DataCaptureOptions;

  /**
   * Autoscaling of the production variant.
   *
   * @default - no autoscaling: the variant keeps its initial instance count
   */
  readonly autoScaling?: EndpointAutoScalingOptions;

  /**
   * How a new model package replaces the served one when the template is updated. Deployment
   * guardrails exist for real-time and asynchronous endpoints only: a serverless endpoint takes
   * none, and SageMaker updates it as it does without one.
   *
   * @default - DeploymentStrategy.allAtOnce() (blue/green, 5 minutes of baking with the rollback
   * alarms watched) on instances; none for serverless
   */
  readonly deploymentStrategy?: DeploymentStrategy;

  /**
   * Whether to create the default rollback alarms: the variant's 5xx error rate, and the model
   * latency of the new fleet (the endpoint configuration being deployed).
   *
   * @default - true on instances; false for serverless (no deployment guardrails to roll back)
   */
  readonly defaultRollbackAlarms?: boolean;

  /**
   * The 5xx error rate, in percent of requests over a minute, at which the default error alarm
   * goes off.
   *
   * @default 1
   */
  readonly rollbackErrorRatePercent?: number;

  /**
   * The average model latency over a minute at which the default latency alarm goes off.
   *
   * @default Duration.seconds(1)
   */
  readonly rollbackLatencyThreshold?: Duration;

  /**
   * A topic told when a rollback alarm goes off or recovers.
   *
   * @default - no notification: the alarms only drive rollbacks
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * A shadow variant receiving a copy of the traffic (real-time inference only).
   *
   * @default - no shadow variant
   */
  readonly shadow?: ShadowVariantOptions;

  /**
   * The key encrypting the instances' storage volumes, captured data, asynchronous results and
   * topics, and the container logs. SageMaker accepts no storage key for serverless endpoints or
   * for instance types with local NVMe storage (encrypted by the instance hardware); it is then
   * used for everything else.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The execution role SageMaker assumes to fetch the model and run the container.
   *
   * @default - a new role granted only what this endpoint needs
   */
  readonly role?: iam.IRole;

  /**
   * The containers' log group, `/aws/sagemaker/Endpoints/<endpoint name>` (SageMaker's fixed
   * name), created elsewhere: by an `EndpointHosting` that outlives the deployments, so that a
   * template deployed again after a delete does not fail on a log group that is still there.
   *
   * @default - a new log group of that name, encrypted with `encryptionKey`, kept one year
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * The bucket holding the model package's artifacts (`model.tar.gz`), granted read. Cross-account
   * buckets must also admit this account in their bucket policy.
   *
   * @default - no S3 read is granted: the model cannot load artifacts from a private bucket
   */
  readonly modelArtifactsBucket?: s3.IBucket;

  /**
   * The key encrypting the model artifacts, granted decrypt.
   *
   * @default - no KMS decrypt is granted beyond `modelArtifactsBucket`'s own key
   */
  readonly modelArtifactsKey?: kms.IKey;

  /**
   * The ECR repositories of the model package's inference images, granted pull.
   *
   * @default - pull from any repository in the model package's account and region
   */
  readonly imageRepositories?: ecr.IRepository[];

  /**
   * The VPC the model containers run in (not for serverless endpoints).
   *
   * @default - no VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The network the model containers run in (instead of `vpc`): a `PlatformNetwork`, or in a
   * deployment template a `DeployTimeNetwork` resolved in the account and region it is deployed
   * to. The role gets the network-interface permissions SageMaker documents, scoped to its
   * subnets, and S3 (the model artifacts) is declared for the network's endpoints. Not for
   * serverless endpoints.
   *
   * @default - `vpc` if given, else no VPC
   */
  readonly network?: IWorkloadNetwork;

  /**
   * The subnets of `vpc` the containers use.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of the containers in `vpc`.
   *
   * @default - a new security group allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Whether the containers run without any network access (SageMaker still loads the artifacts).
   * Serverless endpoints do not support it.
   *
   * @default - true on instances, false for serverless
   */
  readonly networkIsolation?: boolean;

  /**
   * Environment variables of the model container, added to the model package's own.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };
}

/**
 * Properties of a `ModelEndpoint`.
 */
export interface ModelEndpointProps extends ModelEndpointOptions {
  /**
   * The ARN of the model package served. May be a token, such as a CloudFormation parameter,
   * so one template serves every approved version. The package may live in another account
   * (the tooling account's registry) if its group's resource policy admits this account.
   */
  readonly modelPackageArn: string;
}

/**
 * A SageMaker endpoint serving an approved model package, guarded when it is updated.
 *
 * It creates a model from the package (a token is fine, so a CloudFormation parameter can carry
 * it), an endpoint configuration and the endpoint, with data capture into a KMS-encrypted bucket,
 * optional autoscaling and a shadow variant, and a deployment strategy (blue/green all at once,
 * canary, linear, or rolling) that SageMaker rolls back when a rollback alarm goes off. A new
 * package ARN replaces the model and the endpoint configuration and updates the endpoint in place
 * with that strategy.
 *
 * Costs: instances bill around the clock (serverless bills per request); blue/green deployments
 * run two fleets while they last.
 */
export class ModelEndpoint extends ModelEndpointBase {
  /**
   * An endpoint defined elsewhere, by name.
   */
  public static fromEndpointName(scope: Construct, id: string, endpointName: string): IModelEndpoint {
    return ModelEndpoint.fromEndpointAttributes(scope, id, { endpointName });
  }

  /**
   * An endpoint defined elsewhere.
   */
  public static fromEndpointAttributes(scope: Construct, id: string, attrs: ModelEndpointAttributes): IModelEndpoint {
    class Import extends ModelEndpointBase {
      public readonly endpointName = attrs.endpointName;
      public readonly variantName = attrs.variantName ?? 'AllTraffic';
      public readonly endpointArn = endpointArnFor(this, attrs.endpointName);
    }
    return new Import(scope, id);
  }

  public readonly endpointName: string;
  public readonly endpointArn: string;
  public readonly variantName: string;

  /** The inference kind this endpoint serves with. */
  public readonly inference: EndpointInference;

  /** The model package served. */
  public readonly modelPackageArn: string;

  /** The endpoint. */
  public readonly resource: CfnEndpoint;

  /** The model created from the package. */
  public readonly model: CfnModel;

  /** The endpoint configuration. */
  public readonly endpointConfig: CfnEndpointConfig;

  /** The execution role of the model (and of the shadow model). */
  public readonly role: iam.IRole;

  /** The key of storage volumes, captured data, asynchronous results, topics and logs. */
  public readonly encryptionKey: kms.IKey;

  /** The log group of the containers, `/aws/sagemaker/Endpoints/<name>`. */
  public readonly logGroup: logs.ILogGroup;

  /** The bucket of captured data, when data capture is on. */
  public readonly dataCaptureBucket?: s3.IBucket;

  /** Whether the endpoint captures requests and responses (Model Monitor reads nothing else). */
  public readonly dataCaptureEnabled: boolean;

  /** The S3 URI of captured data (`s3://bucket/prefix`), when data capture is on: Model Monitor reads it. */
  public readonly dataCaptureS3Uri?: string;

  /** The bucket of asynchronous results and failures. */
  public readonly asyncOutputBucket?: s3.IBucket;

  /** The S3 URI of asynchronous results. */
  public readonly asyncOutputS3Uri?: string;

  /** The S3 URI of asynchronous failures. */
  public readonly asyncFailureS3Uri?: string;

  /** The topic of successful asynchronous inferences. */
  public readonly successTopic?: sns.ITopic;

  /** The topic of failed asynchronous inferences. */
  public readonly errorTopic?: sns.ITopic;

  /** The autoscaling target of the production variant, when autoscaling is on. */
  public readonly scalableTarget?: appscaling.ScalableTarget;

  /** The shadow model, when there is a shadow variant. */
  public readonly shadowModel?: CfnModel;

  /** The shadow variant's name, when there is one. */
  public readonly shadowVariantName?: string;

  /** The security groups of the containers, when in a VPC. */
  public readonly securityGroups?: ec2.ISecurityGroup[];
  /** The network the model containers run in, when given one as `network`. */
  public readonly network?: IWorkloadNetwork;

  /** The default 5xx error-rate rollback alarm, unless turned off. */
  public readonly errorRateAlarm?: cloudwatch.Alarm;

  /** The default new-fleet latency rollback alarm, unless turned off. */
  public readonly latencyAlarm?: cloudwatch.Alarm;

  /** The deployment strategy; none for serverless endpoints. */
  public readonly deploymentStrategy?: DeploymentStrategy;

  private readonly extraRollbackAlarms: cloudwatch.IAlarm[] = [];

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.inference = props.inference ?? EndpointInference.realTime({ instanceType: 'ml.m5.large' });
    this.modelPackageArn = props.modelPackageArn;
    this.variantName = props.variantName ?? 'AllTraffic';
    const inference = this.inference;
    const serverless = inference.kind === 'SERVERLESS';
    this.deploymentStrategy = props.deploymentStrategy ?? (serverless ? undefined : DeploymentStrategy.allAtOnce());
    const asynchronous = inference.kind === 'ASYNC';
    const captureEnabled = props.dataCapture?.enabled ?? inference.kind === 'REAL_TIME';
    const networkIsolation = props.networkIsolation ?? !serverless;

    validate(this, props, captureEnabled, networkIsolation);
    this.dataCaptureEnabled = captureEnabled;

    this.endpointName = props.endpointName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' });
    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', `Encrypts the storage, captured data and logs of the ${this.node.path} endpoint`);

    this.role = props.role ?? new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        // "Use aws:SourceAccount if you want to allow any resource in that account" (SageMaker
        // Developer Guide, security-confused-deputy-prevention).
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Execution role of the ${this.node.path} SageMaker endpoint`,
    });

    // SageMaker creates the log group on first write, unencrypted and kept forever; creating it
    // first gives it a key and a retention.
    if (props.logGroup) {
      this.logGroup = props.logGroup;
    } else {
      this.logGroup = new logs.LogGroup(this, 'Logs', {
        logGroupName: `/aws/sagemaker/Endpoints/${this.endpointName}`,
        encryptionKey: this.encryptionKey,
        retention: logs.RetentionDays.ONE_YEAR,
      });
      this.encryptionKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
        },
      }));
    }

    // VPC
    let vpcConfig: CfnModel.VpcConfigProperty | undefined;
    let networkGrant: iam.Grant | undefined;
    if (props.network) {
      this.network = props.network;
      vpcConfig = { subnets: props.network.subnetIds, securityGroupIds: props.network.securityGroupIds };
      networkGrant = props.network.grantNetworkInterfaces(this.role, NetworkInterfaceUser.SAGEMAKER);
      ServiceUsage.declare(this, [ServiceEndpoint.S3], `the models of endpoint ${this.node.path} load their artifacts from S3`);
    } else if (props.vpc) {
      this.securityGroups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: `Model containers of the ${this.node.path} endpoint`,
        allowAllOutbound: true,
      })];
      vpcConfig = {
        subnets: props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
        securityGroupIds: this.securityGroups.map((sg) => sg.securityGroupId),
      };
    }

    this.model = this.createModel('Model', props.modelPackageArn, props, networkIsolation, vpcConfig);
    if (props.shadow) {
      this.shadowModel = this.createModel('ShadowModel', props.shadow.modelPackageArn, props, networkIsolation, vpcConfig);
      this.shadowVariantName = props.shadow.variantName ?? 'Shadow';
    }
    // SageMaker creates the model's network interfaces with its role: the grant comes first.
    for (const model of [this.model, this.shadowModel]) if (model && networkGrant) networkGrant.applyBefore(model);
    this.grantModelAccess(props, props.vpc !== undefined);

    // Data capture
    let dataCaptureConfig: CfnEndpointConfig.DataCaptureConfigProperty | undefined;
    if (captureEnabled) {
      const capture = props.dataCapture ?? {};
      const prefix = trimSlashes(capture.prefix ?? 'data-capture');
      this.dataCaptureBucket = capture.bucket ?? createSecureBucket(this, 'DataCapture', { encryptionKey: this.encryptionKey });
      this.dataCaptureS3Uri = `s3://${this.dataCaptureBucket.bucketName}/${prefix}`;
      this.dataCaptureBucket.grantPut(this.role, `${prefix}/*`);
      this.encryptionKey.grantEncrypt(this.role);
      const captureOptions: CfnEndpointConfig.CaptureOptionProperty[] = [];
      if (capture.captureRequests ?? true) captureOptions.push({ captureMode: 'Input' });
      if (capture.captureResponses ?? true) captureOptions.push({ captureMode: 'Output' });
      dataCaptureConfig = {
        enableCapture: true,
        initialSamplingPercentage: capture.samplingPercentage ?? 100,
        destinationS3Uri: this.dataCaptureS3Uri,
        kmsKeyId: this.encryptionKey.keyArn,
        captureOptions,
        captureContentTypeHeader: capture.csvContentTypes || capture.jsonContentTypes
          ? { csvContentTypes: capture.csvContentTypes, jsonContentTypes: capture.jsonContentTypes }
          : undefined,
      };
    }

    // Asynchronous inference
    let asyncInferenceConfig: CfnEndpointConfig.AsyncInferenceConfigProperty | undefined;
    if (asynchronous) {
      const a = inference.asynchronousOptions!;
      const prefix = trimSlashes(a.outputPrefix ?? 'async-inference');
      this.asyncOutputBucket = a.outputBucket ?? createSecureBucket(this, 'AsyncOutput', { encryptionKey: this.encryptionKey });
      this.asyncOutputS3Uri = `s3://${this.asyncOutputBucket.bucketName}/${prefix}/output`;
      this.asyncFailureS3Uri = `s3://${this.asyncOutputBucket.bucketName}/${prefix}/failures`;
      this.asyncOutputBucket.grantPut(this.role, `${prefix}/*`);
      this.encryptionKey.grantEncrypt(this.role);
      if (a.notifications ?? true) {
        this.successTopic = a.successTopic ?? new sns.Topic(this, 'SuccessTopic', { masterKey: this.encryptionKey, enforceSSL: true });
        this.errorTopic = a.errorTopic ?? new sns.Topic(this, 'ErrorTopic', { masterKey: this.encryptionKey, enforceSSL: true });
        this.successTopic.grantPublish(this.role);
        this.errorTopic.grantPublish(this.role);
        this.encryptionKey.grantEncryptDecrypt(this.role);
      }
      asyncInferenceConfig = {
        clientConfig: a.maxConcurrentInvocationsPerInstance !== undefined
          ? { maxConcurrentInvocationsPerInstance: a.maxConcurrentInvocationsPerInstance }
          : undefined,
        outputConfig: {
          s3OutputPath: this.asyncOutputS3Uri,
          s3FailurePath: this.asyncFailureS3Uri,
          kmsKeyId: this.encryptionKey.keyArn,
          notificationConfig: this.successTopic && this.errorTopic
            ? { successTopic: this.successTopic.topicArn, errorTopic: this.errorTopic.topicArn }
            : undefined,
        },
      };
    }

    // Endpoint configuration: no fixed name, so a new package replaces it and the endpoint is
    // updated in place with the deployment strategy.
    const storageKey = serverless || hasInstanceStorage(inference.instanceType) ? undefined : this.encryptionKey.keyArn;
    this.endpointConfig = new CfnEndpointConfig(this, 'Config', {
      productionVariants: [this.variant(this.variantName, this.model, inference.instanceType, inference.initialInstanceCount, 1)],
      shadowProductionVariants: props.shadow
        ? [this.variant(this.shadowVariantName!, this.shadowModel!,
          props.shadow.instanceType ?? inference.instanceType,
          props.shadow.initialInstanceCount ?? inference.initialInstanceCount,
          (props.shadow.samplingPercentage ?? 100) / 100)]
        : undefined,
      dataCaptureConfig,
      asyncInferenceConfig,
      kmsKeyId: storageKey,
    });
    if (!storageKey) {
      waive(this.endpointConfig, {
        rules: ['NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured', 'HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured', 'PCI.DSS.321-SageMakerEndpointConfigurationKMSKeyConfigured'],
        reason: serverless
          ? 'serverless endpoints have no storage volumes and SageMaker rejects a KmsKeyId for them'
          : 'this instance type has local NVMe storage, encrypted by the instance hardware; SageMaker rejects a KmsKeyId for it',
      });
    }

    // Rollback alarms name the endpoint, so its name is fixed at synth (no cycle endpoint <-> alarm).
    if (props.defaultRollbackAlarms ?? !serverless) {
      this.errorRateAlarm = new cloudwatch.Alarm(this, 'ErrorRateAlarm', {
        alarmDescription: `5xx error rate of the ${this.variantName} variant of ${this.endpointName} above ${props.rollbackErrorRatePercent ?? 1}%: rolls a deployment back`,
        metric: this.metricInvocation5XXErrors({ period: Duration.minutes(1) }),
        threshold: (props.rollbackErrorRatePercent ?? 1) / 100,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      // The new fleet's metrics carry the name of the endpoint configuration being deployed.
      const latency = props.rollbackLatencyThreshold ?? Duration.seconds(1);
      this.latencyAlarm = new cloudwatch.Alarm(this, 'LatencyAlarm', {
        alarmDescription: `Model latency of the new fleet of ${this.endpointName} above ${latency.toHumanString()}: rolls a deployment back`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/SageMaker',
          metricName: 'ModelLatency',
          dimensionsMap: {
            EndpointName: this.endpointName,
            VariantName: this.variantName,
            EndpointConfigName: this.endpointConfig.attrEndpointConfigName,
          },
          statistic: cloudwatch.Stats.AVERAGE,
          period: Duration.minutes(1),
        }),
        threshold: latency.toMilliseconds() * 1000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      for (const alarm of [this.errorRateAlarm, this.latencyAlarm]) {
        if (props.alarmTopic) {
          alarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));
          alarm.addOkAction(new cloudwatchActions.SnsAction(props.alarmTopic));
        } else {
          waive(alarm, {
            rules: ['NIST.800.53.R5-CloudWatchAlarmAction', 'HIPAA.Security-CloudWatchAlarmAction', 'PCI.DSS.321-CloudWatchAlarmAction'],
            reason: 'a rollback alarm acts through SageMaker deployment guardrails, which roll the endpoint back; pass alarmTopic to be notified too',
          });
        }
      }
    }

    const autoScaled = props.autoScaling !== undefined;
    this.resource = new CfnEndpoint(this, 'Resource', {
      endpointName: this.endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
      deploymentConfig: this.deploymentStrategy ? Lazy.any({ produce: () => this.deploymentConfig() }) : undefined,
      // Autoscaling may have moved the instance count: keep it across updates, but let a new
      // configuration's data capture settings apply.
      retainAllVariantProperties: autoScaled ? true : undefined,
      excludeRetainedVariantProperties: autoScaled ? [{ variantPropertyType: 'DataCaptureConfig' }] : undefined,
    });
    // The endpoint writes its first logs while it is created.
    this.resource.node.addDependency(this.logGroup);
    this.endpointArn = this.resource.ref;

    if (props.autoScaling) {
      this.scalableTarget = this.createAutoScaling(props.autoScaling);
    }

    waiveRoleWildcards(this.role);
    waitForRolePolicies(this.role, [this.model, this.shadowModel]);

    this.node.addValidation({
      validate: () => {
        const count = this.rollbackAlarms.length;
        if (serverless && count > 0) {
          return [`model endpoint ${this.node.path} has rollback alarms, but serverless endpoints have no deployment guardrails to roll back`];
        }
        return count > 10 ? [`model endpoint ${this.node.path} has ${count} rollback alarms; SageMaker watches at most 10`] : [];
      },
    });
  }

  /**
   * Every alarm that rolls a deployment of this endpoint back: the default ones, the strategy's
   * and those added with `addRollbackAlarm`.
   */
  public get rollbackAlarms(): cloudwatch.IAlarm[] {
    const defaults = [this.errorRateAlarm, this.latencyAlarm].filter((a): a is cloudwatch.Alarm => a !== undefined);
    return [...defaults, ...(this.deploymentStrategy?.rollbackAlarms ?? []), ...this.extraRollbackAlarms];
  }

  /**
   * Adds an alarm that rolls a deployment back when it goes off (at most 10 in all).
   */
  public addRollbackAlarm(alarm: cloudwatch.IAlarm): void {
    this.extraRollbackAlarms.push(alarm);
  }

  private deploymentConfig(): CfnEndpoint.DeploymentConfigProperty {
    return this.deploymentStrategy!._render(this.rollbackAlarms.map((a) => a.alarmName));
  }

  private createModel(id: string, packageArn: string, props: ModelEndpointProps, networkIsolation: boolean, vpcConfig?: CfnModel.VpcConfigProperty): CfnModel {
    const model = new CfnModel(this, id, {
      executionRoleArn: this.role.roleArn,
      containers: [{
        modelPackageName: packageArn,
        environment: props.environment,
      }],
      enableNetworkIsolation: networkIsolation,
      vpcConfig,
    });
    return model;
  }

  private grantModelAccess(props: ModelEndpointProps, inVpc: boolean): void {
    grantModelPackageAccess(this, this.role, {
      packageArns: [props.modelPackageArn, ...(props.shadow ? [props.shadow.modelPackageArn] : [])],
      artifactsBucket: props.modelArtifactsBucket,
      artifactsKey: props.modelArtifactsKey,
      imageRepositories: props.imageRepositories,
      inVpc,
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [this.logGroup.logGroupArn],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints*' } },
    }));
  }

  private variant(name: string, model: CfnModel, instanceType: string | undefined, count: number | undefined, weight: number): CfnEndpointConfig.ProductionVariantProperty {
    const s = this.inference.serverlessOptions;
    return {
      variantName: name,
      modelName: model.attrModelName,
      initialVariantWeight: weight,
      instanceType: this.inference.onInstances ? instanceType : undefined,
      initialInstanceCount: this.inference.onInstances ? count : undefined,
      serverlessConfig: s
        ? { memorySizeInMb: s.memorySizeInMb ?? 2048, maxConcurrency: s.maxConcurrency ?? 5, provisionedConcurrency: s.provisionedConcurrency }
        : undefined,
    };
  }

  private createAutoScaling(options: EndpointAutoScalingOptions): appscaling.ScalableTarget {
    const stack = Stack.of(this);
    const target = new appscaling.ScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.endpointName}/variant/${this.variantName}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: options.minCapacity,
      maxCapacity: options.maxCapacity,
      // The L2 needs a role; the resource gets none (below), so Application Auto Scaling uses,
      // and creates if needed, its service-linked role for SageMaker: no role of ours with an
      // inline policy, and nothing to pass.
      role: iam.Role.fromRoleArn(this, 'ScalingRole',
        `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`,
        { mutable: false }),
    });
    (target.node.defaultChild as appscaling.CfnScalableTarget).addPropertyDeletionOverride('RoleARN');
    target.node.addDependency(this.resource);
    const cooldowns = {
      scaleInCooldown: options.scaleInCooldown ?? Duration.minutes(5),
      scaleOutCooldown: options.scaleOutCooldown ?? Duration.minutes(1),
    };
    if (this.inference.kind === 'ASYNC') {
      target.scaleToTrackMetric('BacklogTracking', {
        targetValue: options.targetValue ?? 5,
        customMetric: new cloudwatch.Metric({
          namespace: 'AWS/SageMaker',
          metricName: 'ApproximateBacklogSizePerInstance',
          dimensionsMap: { EndpointName: this.endpointName },
          statistic: cloudwatch.Stats.AVERAGE,
        }),
        ...cooldowns,
      });
    } else {
      target.scaleToTrackMetric('InvocationsTracking', {
        targetValue: options.targetValue ?? 100,
        predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
        ...cooldowns,
      });
    }
    return target;
  }
}

const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const MODEL_PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package\/[\S]{1,2048}$/;

function validate(scope: Construct, props: ModelEndpointProps, captureEnabled: boolean, networkIsolation: boolean): void {
  const problems: string[] = [];
  const known = (v: unknown): boolean => v !== undefined && !Token.isUnresolved(v);
  const inference = props.inference ?? EndpointInference.realTime({ instanceType: 'ml.m5.large' });
  const serverless = inference.kind === 'SERVERLESS';

  const checkPackage = (what: string, arn: string | undefined) => {
    if (arn === undefined || arn === null || (typeof arn === 'string' && arn.trim() === '')) {
      problems.push(`${what} needs a model package ARN`);
    } else if (!Token.isUnresolved(arn) && !MODEL_PACKAGE_ARN.test(arn)) {
      problems.push(`${what} must be a model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>), got ${arn}`);
    }
  };
  checkPackage('modelPackageArn', props.modelPackageArn);
  if (known(props.endpointName) && !ENDPOINT_NAME.test(props.endpointName!)) {
    problems.push(`endpoint name must be 1 to 63 letters, digits and hyphens, got ${props.endpointName}`);
  }
  if (known(props.variantName) && !ENDPOINT_NAME.test(props.variantName!)) {
    problems.push(`variant name must be 1 to 63 letters, digits and hyphens, got ${props.variantName}`);
  }

  const checkInstances = (what: string, prop: string, instanceType: string | undefined, count: number | undefined) => {
    // The API's own enumeration of variant instance types (ProductionVariantInstanceType), real-time and asynchronous alike.
    const problem = typeof instanceType === 'string' ? checkInstanceType('endpoint', instanceType) : undefined;
    if (problem) problems.push(`${prop}: ${problem}`);
    if (known(count) && (!Number.isInteger(count) || count! < 1)) {
      problems.push(`${what} initial instance count must be a whole number of at least 1, got ${count}`);
    }
  };
  if (inference.onInstances) {
    const factory = inference.kind === 'ASYNC' ? 'EndpointInference.asynchronous' : 'EndpointInference.realTime';
    checkInstances('production variant', `inference instanceType (${factory})`, inference.instanceType, inference.initialInstanceCount);
  }
  if (serverless) {
    const s = inference.serverlessOptions ?? {};
    if (known(s.memorySizeInMb) && ![1024, 2048, 3072, 4096, 5120, 6144].includes(s.memorySizeInMb!)) {
      problems.push(`serverless memory must be 1024, 2048, 3072, 4096, 5120 or 6144 MB, got ${s.memorySizeInMb}`);
    }
    const max = s.maxConcurrency ?? 5;
    if (known(s.maxConcurrency) && (!Number.isInteger(max) || max < 1 || max > 200)) {
      problems.push(`serverless max concurrency must be between 1 and 200, got ${max}`);
    }
    if (known(s.provisionedConcurrency) && (s.provisionedConcurrency! < 1 || s.provisionedConcurrency! > max)) {
      problems.push(`serverless provisioned concurrency must be between 1 and max concurrency (${max}), got ${s.provisionedConcurrency}`);
    }
    if (captureEnabled) problems.push('data capture is not supported on serverless endpoints');
    if (props.vpc) problems.push('a vpc is not supported on serverless endpoints');
    if (props.network) problems.push('a network is not supported on serverless endpoints (SageMaker Developer Guide, "Serverless Inference": VPC configuration is not supported)');
    if (networkIsolation) problems.push('network isolation is not supported on serverless endpoints');
    if (props.autoScaling) problems.push('autoscaling of instances is not available on serverless endpoints (use provisioned concurrency)');
    if (props.shadow) problems.push('a shadow variant needs real-time inference, not serverless');
  }

  const capture = props.dataCapture;
  if (capture && captureEnabled) {
    if (known(capture.samplingPercentage) && (!Number.isInteger(capture.samplingPercentage) || capture.samplingPercentage! < 1 || capture.samplingPercentage! > 100)) {
      problems.push(`data capture sampling percentage must be a whole number between 1 and 100, got ${capture.samplingPercentage}`);
    }
    if (capture.captureRequests === false && capture.captureResponses === false) {
      problems.push('data capture must capture requests, responses or both');
    }
  }

  const scaling = props.autoScaling;
  if (scaling) {
    const floor = inference.kind === 'ASYNC' ? 0 : 1;
    if (known(scaling.minCapacity) && (!Number.isInteger(scaling.minCapacity) || scaling.minCapacity < floor)) {
      problems.push(`autoscaling min capacity must be a whole number of at least ${floor}, got ${scaling.minCapacity}`);
    }
    if (known(scaling.maxCapacity) && (!Number.isInteger(scaling.maxCapacity) || scaling.maxCapacity < 1)) {
      problems.push(`autoscaling max capacity must be a whole number of at least 1, got ${scaling.maxCapacity}`);
    }
    if (known(scaling.minCapacity) && known(scaling.maxCapacity) && scaling.minCapacity > scaling.maxCapacity) {
      problems.push(`autoscaling min capacity (${scaling.minCapacity}) must not be above max capacity (${scaling.maxCapacity})`);
    }
    if (known(scaling.targetValue) && scaling.targetValue! <= 0) {
      problems.push(`autoscaling target value must be above 0, got ${scaling.targetValue}`);
    }
  }

  const shadow = props.shadow;
  if (shadow) {
    checkPackage('shadow variant', shadow.modelPackageArn);
    if (inference.kind === 'ASYNC') problems.push('a shadow variant needs real-time inference, not asynchronous');
    checkInstances('shadow variant', 'shadow instanceType', shadow.instanceType, shadow.initialInstanceCount);
    if (known(shadow.samplingPercentage) && (shadow.samplingPercentage! < 1 || shadow.samplingPercentage! > 100)) {
      problems.push(`shadow sampling percentage must be between 1 and 100, got ${shadow.samplingPercentage}`);
    }
    if (shadow.variantName !== undefined && shadow.variantName === (props.variantName ?? 'AllTraffic')) {
      problems.push(`shadow variant name must differ from the production variant's, got ${shadow.variantName}`);
    }
  }

  const strategy = props.deploymentStrategy;
  if (strategy) {
    problems.push(...strategy._problems());
    if (serverless) problems.push('a deployment strategy is not supported on serverless endpoints (deployment guardrails are for real-time and asynchronous endpoints)');
    if (strategy.isRolling && shadow) problems.push('a rolling deployment is not supported on endpoints with more than one variant (the shadow counts)');
  }
  if (known(props.rollbackErrorRatePercent) && (props.rollbackErrorRatePercent! <= 0 || props.rollbackErrorRatePercent! > 100)) {
    problems.push(`rollback error rate percent must be above 0 and at most 100, got ${props.rollbackErrorRatePercent}`);
  }
  if (props.vpc !== undefined && props.network !== undefined) {
    problems.push('give vpc or network, not both');
  }
  if (props.vpc === undefined && props.securityGroups) {
    problems.push('security groups need a vpc');
  }

  if (problems.length > 0) {
    throw new Error(`model endpoint ${scope.node.path}: ${problems.join('; ')}`);
  }
}

function trimSlashes(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

function endpointArnFor(scope: Construct, endpointName: string): string {
  // SageMaker lower-cases endpoint names in ARNs.
  const name = Token.isUnresolved(endpointName) ? endpointName : endpointName.toLowerCase();
  return Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: name });
}
