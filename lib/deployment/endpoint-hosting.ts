import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { createEncryptionKey } from '../private/encryption-key';
import { createSecureBucket } from '../private/secure-bucket';

/** The names, under a hosting's parameter prefix, of the SSM parameters it publishes. */
export const HOSTING_PARAMETERS = {
  keyArn: 'key-arn',
  dataCaptureBucket: 'data-capture-bucket',
  reportsBucket: 'monitoring-reports-bucket',
  alarmTopicArn: 'monitoring-alarm-topic-arn',
} as const;

const PARAMETER_PREFIX = /^(\/[a-zA-Z0-9_.-]+)+$/;

/**
 * Properties of an `EndpointHosting`.
 */
export interface EndpointHostingProps {
  /**
   * The SSM path under which the hosting publishes its resources for deployment templates to read
   * at deploy time (`<prefix>/key-arn`, `<prefix>/data-capture-bucket`, ...). The deployment
   * template of the stage takes the same prefix (`ModelDeploymentStack`'s `hostedResources`).
   */
  readonly parameterPrefix: string;

  /**
   * The endpoint served here. Its container log group, `/aws/sagemaker/Endpoints/<name>`, is
   * created here, encrypted and with a retention, before SageMaker would create it unencrypted.
   */
  readonly endpointName: string;

  /**
   * Whether Model Monitor runs here: a bucket for its reports and a topic for its alarms.
   *
   * @default false
   */
  readonly monitoring?: boolean;

  /**
   * The key of the captured data, reports, logs and topic.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long the endpoint's container logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The long-lived resources of one stage's endpoint in one account and region: the key, the
 * bucket of captured requests and responses, the container log group and, with monitoring, the
 * bucket of Model Monitor reports and the topic of its alarms. They are deployed with
 * `cdk deploy`, once, and outlive every deployment of the model: the deployment template (static,
 * deployed by the promotion pipeline, possibly deleted and created again) reads their names from
 * SSM parameters at deploy time and creates none of them. So no retained bucket, key or
 * fixed-name log group is left behind to make a re-created deployment fail ("already exists"),
 * and the promotion's CloudFormation role needs no permission to create buckets or keys.
 */
export class EndpointHosting extends Construct {
  /** The key of the captured data, reports, logs and topic. */
  public readonly encryptionKey: kms.IKey;
  /** Where the endpoint's captured requests and responses land. */
  public readonly dataCaptureBucket: s3.IBucket;
  /** The endpoint's container log group. */
  public readonly logGroup: logs.ILogGroup;
  /** Where Model Monitor writes its reports, with `monitoring`. */
  public readonly reportsBucket?: s3.IBucket;
  /** The topic of Model Monitor's alarms, with `monitoring`. */
  public readonly alarmTopic?: sns.ITopic;
  /** The SSM parameters published for the deployment template. */
  public readonly parameters: ssm.IStringParameter[] = [];

  constructor(scope: Construct, id: string, props: EndpointHostingProps) {
    super(scope, id);
    const problems: string[] = [];
    if (!Token.isUnresolved(props.parameterPrefix) && !PARAMETER_PREFIX.test(props.parameterPrefix)) {
      problems.push(`parameterPrefix must be an SSM path such as /mlops/churn/production, got '${props.parameterPrefix}'`);
    }
    if (!Token.isUnresolved(props.endpointName) && !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(props.endpointName)) {
      problems.push(`endpointName must be 1 to 63 letters, digits and hyphens, got '${props.endpointName}'`);
    }
    if (problems.length > 0) throw new Error(`EndpointHosting ${this.node.path}: ${problems.join('; ')}`);
    const stack = Stack.of(this);

    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', `Encrypts the captured data, monitoring reports and logs of endpoint ${props.endpointName}`);
    this.dataCaptureBucket = createSecureBucket(this, 'DataCapture', {
      encryptionKey: this.encryptionKey,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
    });
    this.logGroup = new logs.LogGroup(this, 'EndpointLogs', {
      logGroupName: `/aws/sagemaker/Endpoints/${props.endpointName}`,
      encryptionKey: this.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    // CloudWatch Logs encrypts with the key only if the key policy lets the regional service
    // principal use it for this account's log groups (CloudWatch Logs User Guide, "Encrypt log
    // data in CloudWatch Logs using AWS KMS").
    this.encryptionKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
      },
    }));

    const publish = (name: string, value: string, description: string) => {
      this.parameters.push(new ssm.StringParameter(this, `Parameter-${name}`, {
        parameterName: `${props.parameterPrefix}/${name}`,
        stringValue: value,
        description,
      }));
    };
    publish(HOSTING_PARAMETERS.keyArn, this.encryptionKey.keyArn, `Key of the captured data, reports and logs of endpoint ${props.endpointName}`);
    publish(HOSTING_PARAMETERS.dataCaptureBucket, this.dataCaptureBucket.bucketName, `Bucket of the captured data of endpoint ${props.endpointName}`);

    if (props.monitoring) {
      this.reportsBucket = createSecureBucket(this, 'MonitoringReports', {
        encryptionKey: this.encryptionKey,
        lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      });
      this.alarmTopic = new sns.Topic(this, 'MonitoringAlarms', {
        displayName: `Model Monitor alarms of ${props.endpointName}`,
        masterKey: this.encryptionKey,
        enforceSSL: true,
      });
      // CloudWatch publishes alarm notifications to the encrypted topic with its own principal
      // (Amazon SNS Developer Guide, "Configure AWS KMS permissions for AWS services").
      this.encryptionKey.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }), 'kms:Decrypt', 'kms:GenerateDataKey*');
      publish(HOSTING_PARAMETERS.reportsBucket, this.reportsBucket.bucketName, `Bucket of the Model Monitor reports of endpoint ${props.endpointName}`);
      publish(HOSTING_PARAMETERS.alarmTopicArn, this.alarmTopic.topicArn, `Topic of the Model Monitor alarms of endpoint ${props.endpointName}`);
    }
  }
}
