import { Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { hasInstanceStorage } from './instance-storage';
import { grantModelPackageAccess, waitForRolePolicies, waiveRoleWildcards } from './model-package-access';
import { networkProblems } from '../network/network-interface-grants';
import { ServiceEndpoint } from '../network/service-endpoint';
import { ServiceUsage } from '../network/service-usage';
import { IWorkloadNetwork, NetworkInterfaceUser } from '../network/workload-network';
import { NagRules, waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { checkInstanceType } from '../private/sagemaker-instance-types';
import { createSecureBucket } from '../private/secure-bucket';

/**
 * How a batch transform splits input files into records.
 */
export enum BatchSplitType {
  /** Each file is one request. */
  NONE = 'None',
  /** One record per line (CSV, JSON Lines). */
  LINE = 'Line',
  /** RecordIO records. */
  RECORD_IO = 'RecordIO',
  /** TFRecord records. */
  TF_RECORD = 'TFRecord',
}

/**
 * How many records a batch transform sends in one request.
 */
export enum BatchStrategy {
  /** As many records as fit in the maximum payload. */
  MULTI_RECORD = 'MultiRecord',
  /** One record per request. */
  SINGLE_RECORD = 'SingleRecord',
}

/**
 * Properties of a `ScheduledBatchTransform`.
 */
export interface ScheduledBatchTransformProps {
  /**
   * The ARN of the model package to run. May be a token (a CloudFormation parameter).
   */
  readonly modelPackageArn: string;

  /**
   * When to run, for example `ScheduleExpression.cron({ hour: '2', minute: '0' })`.
   */
  readonly schedule: scheduler.ScheduleExpression;

  /**
   * The bucket holding the input.
   */
  readonly inputBucket: s3.IBucket;

  /**
   * The key prefix of the input objects; every object under it is transformed.
   */
  readonly inputPrefix: string;

  /**
   * Where results go, under `<outputPrefix>/<run id>/`.
   *
   * @default - a new bucket encrypted with `encryptionKey`
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * The key prefix of results.
   *
   * @default 'batch-transform'
   */
  readonly outputPrefix?: string;

  /**
   * Whether each job captures its inputs and outputs (under `<outputPrefix>-capture`, with an
   * inference id per record) for Model Monitor's batch monitoring.
   *
   * @default false
   */
  readonly dataCapture?: boolean;

  /**
   * The instance type of the transform job.
   *
   * @default 'ml.m5.large'
   */
  readonly instanceType?: string;

  /**
   * How many instances the job runs on (billed while the job runs).
   *
   * @default 1
   */
  readonly instanceCount?: number;

  /**
   * The MIME type of the input, sent to the container.
   *
   * @default - none: the container's default
   */
  readonly contentType?: string;

  /**
   * The MIME type of the results.
   *
   * @default - the container's default
   */
  readonly accept?: string;

  /**
   * How input files are split into records; results are assembled by line when splitting by line.
   *
   * @default BatchSplitType.NONE
   */
  readonly splitType?: BatchSplitType;

  /**
   * How many records go in one request.
   *
   * @default - SageMaker's default
   */
  readonly batchStrategy?: BatchStrategy;

  /**
   * The largest request, in MB (0 to 100).
   *
   * @default - SageMaker's default (6)
   */
  readonly maxPayloadInMb?: number;

  /**
   * How many requests run at once on each instance.
   *
   * @default - SageMaker's default for the container
   */
  readonly maxConcurrentTransforms?: number;

  /**
   * The prefix of each job's name, `<prefix>-<run id>`: up to 26 lower-case letters, digits and hyphens.
   *
   * @default - derived from the construct path
   */
  readonly jobNamePrefix?: string;

  /**
   * Whether the schedule is on.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The key encrypting results, the job's volumes, the schedule and its dead letters.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The execution role of the model.
   *
   * @default - a new role granted only what the jobs need
   */
  readonly role?: iam.IRole;

  /**
   * The bucket holding the model package's artifacts, granted read.
   *
   * @default - no S3 read is granted
   */
  readonly modelArtifactsBucket?: s3.IBucket;

  /**
   * The key encrypting the model artifacts, granted decrypt.
   *
   * @default - none
   */
  readonly modelArtifactsKey?: kms.IKey;

  /**
   * The ECR repositories of the package's images, granted pull.
   *
   * @default - pull from any repository in the package's account and region
   */
  readonly imageRepositories?: ecr.IRepository[];

  /**
   * Whether the container runs without network access.
   *
   * @default true
   */
  readonly networkIsolation?: boolean;

  /**
   * The network the jobs run in (the model's `VpcConfig`): a `PlatformNetwork`, or a
   * `DeployTimeNetwork` in a deployment template. The role gets the network-interface permissions
   * SageMaker documents, scoped to its subnets, and S3 is declared for its VPC endpoints.
   *
   * @default - no VPC
   */
  readonly network?: IWorkloadNetwork;

  /**
   * A topic told when a run could not be started (its request landed in the dead-letter queue).
   *
   * @default - no notification; the alarm still shows in CloudWatch
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * A batch transform of an approved model package over an S3 prefix, on a schedule: for teams
 * that score in bulk rather than serve in real time.
 *
 * An EventBridge Scheduler schedule calls SageMaker `CreateTransformJob` directly (no Lambda),
 * naming each job after the scheduler's execution id, so a retried invocation cannot start a
 * second job. Runs that cannot start land in an encrypted dead-letter queue with an alarm.
 * Costs: the instances of each job while it runs.
 */
export class ScheduledBatchTransform extends Construct {
  /** The model created from the package. */
  public readonly model: CfnModel;
  /** The model's execution role, used by the jobs to read input and write results. */
  public readonly role: iam.IRole;
  /** The role the scheduler assumes to start jobs. */
  public readonly schedulerRole: iam.IRole;
  /** The schedule. */
  public readonly schedule: scheduler.Schedule;
  /** The key of results, volumes, the schedule and dead letters. */
  public readonly encryptionKey: kms.IKey;
  /** The bucket of results. */
  public readonly outputBucket: s3.IBucket;
  /** The S3 URI under which each run writes `<run id>/`. */
  public readonly outputS3Uri: string;
  /** Where the jobs capture inputs and outputs, when `dataCapture` is on (Model Monitor reads it). */
  public readonly dataCaptureS3Uri?: string;
  /** Runs that could not be started. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Goes off when a run could not be started. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The prefix of the jobs' names. */
  public readonly jobNamePrefix: string;
  /** Where the jobs run, when in a VPC. */
  public readonly network?: IWorkloadNetwork;

  constructor(scope: Construct, id: string, props: ScheduledBatchTransformProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const instanceType = props.instanceType ?? 'ml.m5.large';
    this.jobNamePrefix = props.jobNamePrefix ?? Names.uniqueResourceName(this, { maxLength: 26, separator: '-' }).toLowerCase();
    validate(this, props, instanceType, this.jobNamePrefix);

    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', `Encrypts the batch transform results and schedule of ${this.node.path}`);
    this.role = props.role ?? new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        // "Use aws:SourceAccount if you want to allow any resource in that account" (SageMaker
        // Developer Guide, security-confused-deputy-prevention).
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Execution role of the ${this.node.path} batch transform`,
    });

    this.network = props.network;
    // A transform job runs in the VPC of its model (SageMaker Developer Guide, "Give batch transform
    // jobs access to resources in your Amazon VPC").
    this.model = new CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      containers: [{ modelPackageName: props.modelPackageArn }],
      enableNetworkIsolation: props.networkIsolation ?? true,
      vpcConfig: props.network ? { subnets: props.network.subnetIds, securityGroupIds: props.network.securityGroupIds } : undefined,
    });
    if (props.network) {
      props.network.grantNetworkInterfaces(this.role, NetworkInterfaceUser.SAGEMAKER);
      ServiceUsage.declare(this, [ServiceEndpoint.S3], `the batch transform jobs of ${this.node.path} read input and model artifacts and write results in S3`);
    }
    grantModelPackageAccess(this, this.role, {
      packageArns: [props.modelPackageArn],
      artifactsBucket: props.modelArtifactsBucket,
      artifactsKey: props.modelArtifactsKey,
      imageRepositories: props.imageRepositories,
    });

    const inputPrefix = trimSlashes(props.inputPrefix);
    const outputPrefix = trimSlashes(props.outputPrefix ?? 'batch-transform');
    this.outputBucket = props.outputBucket ?? createSecureBucket(this, 'Output', { encryptionKey: this.encryptionKey });
    this.outputS3Uri = `s3://${this.outputBucket.bucketName}/${outputPrefix}`;
    props.inputBucket.grantRead(this.role, inputPrefix ? `${inputPrefix}/*` : '*');
    this.outputBucket.grantPut(this.role, `${outputPrefix}/*`);
    if (props.dataCapture) {
      this.dataCaptureS3Uri = `s3://${this.outputBucket.bucketName}/${outputPrefix}-capture`;
      this.outputBucket.grantPut(this.role, `${outputPrefix}-capture/*`);
    }
    this.encryptionKey.grantEncrypt(this.role);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [`arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws/sagemaker/TransformJobs:*`],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/TransformJobs*' } },
    }));
    waiveRoleWildcards(this.role);
    waitForRolePolicies(this.role, [this.model]);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    waive(this.deadLetterQueue, {
      rules: [...NagRules.dlqOfDlq],
      reason: 'this queue is itself the dead-letter queue of the schedule; its messages are kept 14 days and alarmed on',
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `A scheduled batch transform of ${this.node.path} could not be started`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      this.deadLetterAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));
    } else {
      waive(this.deadLetterAlarm, {
        rules: ['NIST.800.53.R5-CloudWatchAlarmAction', 'HIPAA.Security-CloudWatchAlarmAction', 'PCI.DSS.321-CloudWatchAlarmAction'],
        reason: 'no notification topic was given; the alarm shows in CloudWatch and the failed request stays in the queue 14 days',
      });
    }

    const schedulerRole = new ManagedPolicyRole(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Starts the batch transforms of ${this.node.path}`,
    });
    this.schedulerRole = schedulerRole;
    schedulerRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:CreateTransformJob'],
      resources: [`arn:${stack.partition}:sagemaker:${stack.region}:${stack.account}:transform-job/${this.jobNamePrefix}-*`],
    }));
    // SageMaker encrypts the job's volumes through a grant made with the caller's identity.
    schedulerRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:CreateGrant', 'kms:DescribeKey'],
      resources: [this.encryptionKey.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }));
    this.deadLetterQueue.grantSendMessages(schedulerRole);

    const volumeKey = hasInstanceStorage(instanceType) ? undefined : this.encryptionKey.keyArn;
    const runId = scheduler.ContextAttribute.executionId;
    const splitType = props.splitType ?? BatchSplitType.NONE;
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: props.schedule,
      description: `Batch transform of ${this.node.path}`,
      enabled: props.enabled ?? true,
      key: this.encryptionKey,
      target: {
        bind: () => ({
          arn: `arn:${stack.partition}:scheduler:::aws-sdk:sagemaker:createTransformJob`,
          role: schedulerRole,
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          input: scheduler.ScheduleTargetInput.fromObject({
            TransformJobName: `${this.jobNamePrefix}-${runId}`,
            ModelName: this.model.attrModelName,
            BatchStrategy: props.batchStrategy,
            MaxPayloadInMB: props.maxPayloadInMb,
            MaxConcurrentTransforms: props.maxConcurrentTransforms,
            TransformInput: {
              DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${props.inputBucket.bucketName}/${inputPrefix}` } },
              ContentType: props.contentType,
              SplitType: splitType,
            },
            TransformOutput: {
              S3OutputPath: `${this.outputS3Uri}/${runId}`,
              KmsKeyId: this.encryptionKey.keyArn,
              Accept: props.accept,
              AssembleWith: splitType === BatchSplitType.LINE ? 'Line' : 'None',
            },
            DataCaptureConfig: this.dataCaptureS3Uri
              ? { DestinationS3Uri: this.dataCaptureS3Uri, KmsKeyId: this.encryptionKey.keyArn, GenerateInferenceId: true }
              : undefined,
            TransformResources: {
              InstanceType: instanceType,
              InstanceCount: props.instanceCount ?? 1,
              VolumeKmsKeyId: volumeKey,
            },
          }),
        }),
      },
    });
    waiveRoleWildcards(schedulerRole);
  }
}

const JOB_NAME_PREFIX = /^[a-z0-9](-*[a-z0-9]){0,25}$/;

function validate(scope: Construct, props: ScheduledBatchTransformProps, instanceType: string, prefix: string): void {
  const problems: string[] = [];
  const known = (v: unknown): boolean => v !== undefined && !Token.isUnresolved(v);
  if (!props.modelPackageArn || (typeof props.modelPackageArn === 'string' && props.modelPackageArn.trim() === '')) {
    problems.push('modelPackageArn needs a model package ARN');
  } else if (!Token.isUnresolved(props.modelPackageArn) && !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package\/\S+$/.test(props.modelPackageArn)) {
    problems.push(`modelPackageArn must be a model package ARN, got ${props.modelPackageArn}`);
  }
  if (!Token.isUnresolved(prefix) && !JOB_NAME_PREFIX.test(prefix)) {
    problems.push(`job name prefix must be 1 to 26 lower-case letters, digits and hyphens, got ${prefix}`);
  }
  // The API's own enumeration of batch transform instance types (TransformInstanceType).
  const instanceTypeProblem = typeof instanceType === 'string' ? checkInstanceType('transform', instanceType) : undefined;
  if (instanceTypeProblem) problems.push(`instanceType: ${instanceTypeProblem}`);
  if (known(props.instanceCount) && (!Number.isInteger(props.instanceCount) || props.instanceCount! < 1)) {
    problems.push(`instance count must be a whole number of at least 1, got ${props.instanceCount}`);
  }
  if (known(props.maxPayloadInMb) && (props.maxPayloadInMb! < 0 || props.maxPayloadInMb! > 100)) {
    problems.push(`max payload must be between 0 and 100 MB, got ${props.maxPayloadInMb}`);
  }
  if (known(props.maxConcurrentTransforms) && (!Number.isInteger(props.maxConcurrentTransforms) || props.maxConcurrentTransforms! < 0)) {
    problems.push(`max concurrent transforms must be a whole number of at least 0, got ${props.maxConcurrentTransforms}`);
  }
  if (props.network) problems.push(...networkProblems(props.network));
  if (problems.length > 0) {
    throw new Error(`scheduled batch transform ${scope.node.path}: ${problems.join('; ')}`);
  }
}

function trimSlashes(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}
