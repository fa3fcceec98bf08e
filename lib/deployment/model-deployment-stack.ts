import { CfnOutput, CfnParameter, Stack, StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
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
    this.endpoint = new ModelEndpoint(this, 'Endpoint', {
      ...props.endpoint,
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
}
