import { CfnOutput, CfnParameter, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { HOSTING_PARAMETERS } from './endpoint-hosting';
import { DeployTimeNetwork } from '../network/deploy-time-network';
import { ModelEndpoint, ModelEndpointOptions, ShadowOptions } from './model-endpoint';

/** The name of the template parameter that carries the model package ARN. */
export const MODEL_PACKAGE_ARN_PARAMETER_NAME = 'ModelPackageArn';

/** The name of the template parameter that carries the shadow variant's model package ARN. */
export const SHADOW_MODEL_PACKAGE_ARN_PARAMETER_NAME = 'ShadowModelPackageArn';

/**
 * The pattern the `ModelPackageArn` parameter accepts: a versioned model package ARN.
 */
export const MODEL_PACKAGE_ARN_PATTERN = '^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}/[0-9]+$';

/**
 * Where a deployment template finds the long-lived resources of its stage at deploy time: the
 * SSM parameters an `EndpointHosting` publishes in every account and region the template is
 * deployed to.
 */
export interface HostedResourcesOptions {
  /**
   * The SSM path the stage's `EndpointHosting` publishes under (its `parameterPrefix`).
   */
  readonly parameterPrefix: string;

  /**
   * Whether the hosting has Model Monitor's resources too (its `monitoring`): a reports bucket
   * and an alarm topic, for monitors added to the template.
   *
   * @default false
   */
  readonly monitoring?: boolean;
}

/**
 * Properties of a `ModelDeploymentStack`.
 */
export interface ModelDeploymentStackProps extends StackProps {
  /**
   * How the endpoint serves, scales, captures and is updated in this stage: instance type and
   * count, deployment strategy, autoscaling... The model package is the stack's parameter.
   *
   * @default - one ml.m5.large instance, data capture on, blue/green all at once with rollback alarms
   */
  readonly endpoint?: ModelEndpointOptions;

  /**
   * A shadow variant, whose model package is the template's `ShadowModelPackageArn` parameter:
   * a candidate receives a copy of the traffic next to the served package. Pass the shadow here,
   * not in `endpoint`, so the template stays free of concrete models.
   *
   * @default - no shadow variant
   */
  readonly shadow?: ShadowOptions;

  /**
   * Take the endpoint's key, captured-data bucket and log group (and the monitors' reports bucket
   * and alarm topic) from an `EndpointHosting` of the same stage, found through SSM parameter
   * types resolved in the account and region each deployment goes to. The template then holds
   * no key, bucket or fixed-name log group: it can be deleted and deployed again, and one
   * template serves every account and region.
   *
   * @default - the template creates its own key, captured-data bucket and log group
   */
  readonly hostedResources?: HostedResourcesOptions;

  /**
   * Run the endpoint's models (and monitors given the stack's `network`) in the platform network
   * of whatever account and region the template is deployed to: a `DeployTimeNetwork` whose
   * subnets and security groups are SSM parameter types, resolved at deploy time from what the
   * `PlatformNetwork` there publishes. One template still serves every region.
   *
   * @default false - the endpoint's own `vpc` or `network` option, if any
   */
  readonly platformNetwork?: boolean;
}

/**
 * The unit a promotion deploys: one stack holding a `ModelEndpoint` and its rollback alarms,
 * whose template takes the model package ARN as the `ModelPackageArn` parameter.
 *
 * The template is static: nothing in it depends on a concrete model, so it is synthesized once
 * with the platform, and the promotion pipeline deploys it to staging and production with the
 * approved package's ARN as a parameter override. Stages differ by props (instance type and
 * count, strategy), not by model. Add monitors to the stack with its `endpoint` and
 * `dataCaptureS3Uri`. It holds no assets, so it can be deployed as a bare template.
 */
export class ModelDeploymentStack extends Stack {
  /** The name of the parameter that carries the model package ARN: `ModelPackageArn`. */
  public static readonly MODEL_PACKAGE_ARN_PARAMETER = MODEL_PACKAGE_ARN_PARAMETER_NAME;

  /** The name of the parameter that carries the shadow variant's model package ARN: `ShadowModelPackageArn`. */
  public static readonly SHADOW_MODEL_PACKAGE_ARN_PARAMETER = SHADOW_MODEL_PACKAGE_ARN_PARAMETER_NAME;

  /** The pattern both parameters accept: a versioned model package ARN. */
  public static readonly MODEL_PACKAGE_ARN_PATTERN = MODEL_PACKAGE_ARN_PATTERN;

  /** The `ModelPackageArn` parameter. */
  public readonly modelPackageArnParameter: CfnParameter;

  /** The `ShadowModelPackageArn` parameter, when there is a shadow variant. */
  public readonly shadowModelPackageArnParameter?: CfnParameter;

  /** The endpoint. */
  public readonly endpoint: ModelEndpoint;

  /** The endpoint's name. */
  public readonly endpointName: string;

  /** Where captured requests and responses land (`s3://bucket/prefix`), when data capture is on. */
  public readonly dataCaptureS3Uri?: string;

  /** The bucket of captured data, when data capture is on. */
  public readonly dataCaptureBucket?: s3.IBucket;

  /** The key of the endpoint's storage, captured data and logs. */
  public readonly encryptionKey: kms.IKey;

  /** The hosting's bucket of Model Monitor reports, with `hostedResources.monitoring`. */
  public readonly hostedReportsBucket?: s3.IBucket;

  /** The hosting's topic of Model Monitor alarms, with `hostedResources.monitoring`. */
  public readonly hostedAlarmTopic?: sns.ITopic;

  /** The network resolved at deploy time, with `platformNetwork`. */
  public readonly network?: DeployTimeNetwork;

  constructor(scope: Construct, id: string, props: ModelDeploymentStackProps = {}) {
    super(scope, id, props);
    if (props.endpoint?.shadow) {
      throw new Error(`model deployment stack ${this.node.path}: pass the shadow variant as shadow, not endpoint.shadow, so its model package is a parameter of the template`);
    }
    this.modelPackageArnParameter = new CfnParameter(this, MODEL_PACKAGE_ARN_PARAMETER_NAME, {
      type: 'String',
      description: 'The ARN of the approved model package version to serve',
      allowedPattern: MODEL_PACKAGE_ARN_PATTERN,
      constraintDescription: 'a versioned model package ARN: arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>',
    });
    if (props.shadow) {
      this.shadowModelPackageArnParameter = new CfnParameter(this, SHADOW_MODEL_PACKAGE_ARN_PARAMETER_NAME, {
        type: 'String',
        description: 'The ARN of the model package version that receives a copy of the traffic',
        allowedPattern: MODEL_PACKAGE_ARN_PATTERN,
        constraintDescription: 'a versioned model package ARN: arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>',
      });
    }
    const hosted: HostedResources = props.hostedResources ? this.hostedResources(props.hostedResources, props.endpoint) : {};
    this.hostedReportsBucket = hosted.reportsBucket;
    this.hostedAlarmTopic = hosted.alarmTopic;
    if (props.platformNetwork) {
      if (props.endpoint?.vpc || props.endpoint?.network) {
        throw new Error(`model deployment stack ${this.node.path}: platformNetwork resolves the endpoint's network at deploy time; remove endpoint.vpc and endpoint.network (a VPC of another stack cannot be referenced by a template deployed elsewhere)`);
      }
      this.network = new DeployTimeNetwork(this, 'Network');
    }
    this.endpoint = new ModelEndpoint(this, 'Endpoint', {
      ...props.endpoint,
      ...(this.network ? { network: this.network } : {}),
      ...(hosted.key ? {
        encryptionKey: hosted.key,
        logGroup: hosted.logGroup,
        dataCapture: { ...props.endpoint?.dataCapture, bucket: hosted.dataCaptureBucket },
      } : {}),
      modelPackageArn: this.modelPackageArnParameter.valueAsString,
      shadow: this.shadowModelPackageArnParameter
        ? { ...props.shadow, modelPackageArn: this.shadowModelPackageArnParameter.valueAsString }
        : undefined,
    });
    this.endpointName = this.endpoint.endpointName;
    this.dataCaptureS3Uri = this.endpoint.dataCaptureS3Uri;
    this.dataCaptureBucket = this.endpoint.dataCaptureBucket;
    this.encryptionKey = this.endpoint.encryptionKey;

    new CfnOutput(this, 'EndpointName', { value: this.endpoint.endpointName, description: 'The SageMaker endpoint' });
    new CfnOutput(this, 'ModelPackageArnOutput', { value: this.modelPackageArnParameter.valueAsString, description: 'The model package served' });
    if (this.dataCaptureS3Uri) {
      new CfnOutput(this, 'DataCaptureS3Uri', { value: this.dataCaptureS3Uri, description: 'Captured requests and responses' });
    }
  }

  /** The hosting's resources, from SSM parameter types resolved where the template is deployed. */
  private hostedResources(options: HostedResourcesOptions, endpoint?: ModelEndpointOptions): HostedResources {
    const prefix = options.parameterPrefix;
    if (!Token.isUnresolved(prefix) && !/^(\/[a-zA-Z0-9_.-]+)+$/.test(prefix)) {
      throw new Error(`model deployment stack ${this.node.path}: hostedResources.parameterPrefix must be an SSM path such as /mlops/churn/production, got '${prefix}'`);
    }
    const endpointName = endpoint?.endpointName;
    if (endpointName === undefined || Token.isUnresolved(endpointName)) {
      throw new Error(`model deployment stack ${this.node.path}: hostedResources needs endpoint.endpointName as a literal: the hosting creates the endpoint's log group /aws/sagemaker/Endpoints/<name>`);
    }
    const parameter = (id: string, name: string, description: string) => new CfnParameter(this, id, {
      // An SSM parameter type: CloudFormation reads the value in the account and region of the deployment.
      type: 'AWS::SSM::Parameter::Value<String>',
      default: `${prefix}/${name}`,
      description,
    }).valueAsString;
    const key = kms.Key.fromKeyArn(this, 'HostedKey', parameter('HostedKeyArn', HOSTING_PARAMETERS.keyArn, 'SSM parameter holding the ARN of the stage key'));
    const dataCaptureBucket = s3.Bucket.fromBucketAttributes(this, 'HostedDataCapture', {
      bucketName: parameter('HostedDataCaptureBucket', HOSTING_PARAMETERS.dataCaptureBucket, 'SSM parameter holding the name of the captured-data bucket'),
      encryptionKey: key,
    });
    const logGroup = logs.LogGroup.fromLogGroupName(this, 'HostedLogs', `/aws/sagemaker/Endpoints/${endpointName}`);
    if (!options.monitoring) return { key, dataCaptureBucket, logGroup };
    const reportsBucket = s3.Bucket.fromBucketAttributes(this, 'HostedReports', {
      bucketName: parameter('HostedReportsBucket', HOSTING_PARAMETERS.reportsBucket, 'SSM parameter holding the name of the Model Monitor reports bucket'),
      encryptionKey: key,
    });
    const alarmTopic = sns.Topic.fromTopicAttributes(this, 'HostedAlarmTopic', {
      topicArn: parameter('HostedAlarmTopicArn', HOSTING_PARAMETERS.alarmTopicArn, 'SSM parameter holding the ARN of the Model Monitor alarm topic'),
      keyArn: key.keyArn,
    });
    return { key, dataCaptureBucket, logGroup, reportsBucket, alarmTopic };
  }
}

interface HostedResources {
  readonly key?: kms.IKey;
  readonly dataCaptureBucket?: s3.IBucket;
  readonly logGroup?: logs.ILogGroup;
  readonly reportsBucket?: s3.IBucket;
  readonly alarmTopic?: sns.ITopic;
}
