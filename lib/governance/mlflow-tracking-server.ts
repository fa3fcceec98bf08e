import { ArnFormat, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { nagResourceName, waive } from '../private/compliance';
import { ManagedPolicyRole } from '../private/managed-policy-role';

/**
 * The size of a managed MLflow tracking server (`TrackingServerSize`). SageMaker recommends
 * Small for teams of up to 25 users, Medium up to 50, Large up to 100 (API reference,
 * CreateMlflowTrackingServer). A larger server costs more per hour it runs.
 */
export enum MlflowTrackingServerSize {
  /** Teams of up to 25 users. */
  SMALL = 'Small',
  /** Teams of up to 50 users. */
  MEDIUM = 'Medium',
  /** Teams of up to 100 users. */
  LARGE = 'Large',
}

/**
 * What a job or a person does with a tracking server's runs and models, as IAM actions of the
 * `sagemaker-mlflow` service (SageMaker developer guide, "IAM actions supported for MLflow").
 * Listed, not `sagemaker-mlflow:*`, so a new action is never granted unseen.
 */
const READ_ACTIONS = [
  'GetExperiment', 'GetExperimentByName', 'SearchExperiments', 'GetRun', 'SearchRuns', 'GetMetricHistory', 'ListArtifacts',
  'GetRegisteredModel', 'SearchRegisteredModels', 'GetLatestModelVersions', 'GetModelVersion', 'SearchModelVersions',
  'GetModelVersionByAlias', 'GetDownloadURIForModelVersionArtifacts', 'GetLoggedModel', 'SearchLoggedModels', 'ListLoggedModelArtifacts',
].map((a) => `sagemaker-mlflow:${a}`);

/** Logging runs: experiments, runs, their metrics, parameters, tags, inputs, outputs and models. No delete. */
const LOG_ACTIONS = [
  'CreateExperiment', 'SetExperimentTag', 'CreateRun', 'UpdateRun', 'LogMetric', 'LogParam', 'LogBatch', 'LogInputs', 'LogOutputs',
  'LogModel', 'SetTag', 'FinalizeLoggedModel', 'SetLoggedModelTags', 'LogLoggedModelParams',
].map((a) => `sagemaker-mlflow:${a}`);

/**
 * Properties of an `MlflowTrackingServer`.
 */
export interface MlflowTrackingServerProps {
  /**
   * The bucket of the artifact store (models, plots, files the runs log). It must be encrypted
   * with a KMS key: give `artifactEncryptionKey` for an imported bucket.
   */
  readonly artifactBucket: s3.IBucket;

  /**
   * The prefix of the artifact store in the bucket.
   *
   * @default 'mlflow/'
   */
  readonly artifactPrefix?: string;

  /**
   * The KMS key the bucket encrypts with; the server's role and every grantee that logs get
   * its use.
   *
   * @default - the bucket's own `encryptionKey` (a bucket created in this app)
   */
  readonly artifactEncryptionKey?: kms.IKey;

  /**
   * The name of the tracking server (part of its ARN): 1-256 of letters, digits and '-'.
   *
   * @default - a name generated from the construct path
   */
  readonly trackingServerName?: string;

  /**
   * The size of the server.
   *
   * @default MlflowTrackingServerSize.SMALL
   */
  readonly size?: MlflowTrackingServerSize;

  /**
   * The MLflow version the server runs (`3.0`, `2.16.2`, ...).
   *
   * @default - SageMaker's default version
   */
  readonly mlflowVersion?: string;

  /**
   * The start of the weekly maintenance window, `Ddd:HH:MM` in UTC (`Sun:03:00`).
   *
   * @default - SageMaker chooses
   */
  readonly weeklyMaintenanceWindowStart?: string;
}

/**
 * A managed MLflow tracking server of SageMaker (`AWS::SageMaker::MlflowTrackingServer`), for a
 * project's experiments or shared by the platform, with its artifact store in an encrypted bucket
 * and a role that may use that prefix (and its key) only.
 *
 * Jobs log with `grantLog()` and find the server through `trackingEnvironment`
 * (`MLFLOW_TRACKING_URI` set to the server's ARN, which the `sagemaker-mlflow` plugin resolves);
 * people open the MLflow UI with `grantUiAccess()` (a presigned URL). Grants name the
 * `sagemaker-mlflow` actions one by one, on this server's ARN only; nobody is granted deleting
 * runs or experiments.
 *
 * Automatic registration of MLflow models in the SageMaker model registry stays off: packages
 * reach the registry through the build pipeline's RegisterModel step, which carries the model
 * card and the approval workflow.
 *
 * Cost: the server is billed for every hour it runs, by size, from its creation until it is
 * stopped or deleted (it runs 24/7 unless you stop it), plus its metadata storage and the S3
 * storage of the artifacts. See the MLflow section of https://aws.amazon.com/sagemaker/pricing/
 * for the price per size in your region.
 */
export class MlflowTrackingServer extends Construct {
  /** The ARN of the tracking server (built from its name, so grants in other stacks need no reference). */
  public readonly trackingServerArn: string;
  /** The name of the tracking server. */
  public readonly trackingServerName: string;
  /** The artifact store, `s3://<bucket>/<prefix>`. */
  public readonly artifactStoreUri: string;
  /** The role the server uses to reach its artifact store. */
  public readonly role: iam.IRole;
  /** The underlying CloudFormation resource. */
  public readonly resource: sagemaker.CfnMlflowTrackingServer;
  private readonly artifactBucket: s3.IBucket;
  private readonly artifactKey: kms.IKey;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: MlflowTrackingServerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const name = props.trackingServerName ?? Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }).replace(/[^a-zA-Z0-9-]/g, '');
    const prefix = props.artifactPrefix ?? 'mlflow/';
    const key = props.artifactEncryptionKey ?? props.artifactBucket.encryptionKey;
    validate(this, name, prefix, key, props);
    this.trackingServerName = name;
    this.prefix = prefix.replace(/^\/+/, '');
    this.artifactBucket = props.artifactBucket;
    this.artifactKey = key!;
    this.artifactStoreUri = `s3://${props.artifactBucket.bucketName}/${this.prefix}`;
    this.trackingServerArn = stack.formatArn({ service: 'sagemaker', resource: 'mlflow-tracking-server', resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });

    const role = new ManagedPolicyRole(this, 'Role', {
      // The trust policy of the developer guide ("Set up IAM permissions for MLflow"), for this account only.
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Lets the MLflow tracking server ${name} use its artifact store`,
    });
    this.role = role;
    // The guide's policy gives s3:Get*, s3:Put*, s3:List* on `*`: here, the store's prefix only.
    this.grantArtifacts(role);

    this.resource = new sagemaker.CfnMlflowTrackingServer(this, 'Resource', {
      trackingServerName: name,
      artifactStoreUri: this.artifactStoreUri,
      roleArn: role.roleArn,
      trackingServerSize: props.size ?? MlflowTrackingServerSize.SMALL,
      mlflowVersion: props.mlflowVersion,
      weeklyMaintenanceWindowStart: props.weeklyMaintenanceWindowStart,
      automaticModelRegistration: false,
    });
    // The server reaches its store with the role as soon as it exists: its permissions come first.
    this.resource.node.addDependency(role);
  }

  /**
   * The environment a job needs to log to this server: `MLFLOW_TRACKING_URI` is the server's
   * ARN, which the `sagemaker-mlflow` plugin of the MLflow client turns into the server's URL.
   */
  public get trackingEnvironment(): { [name: string]: string } {
    return { MLFLOW_TRACKING_URI: this.trackingServerArn };
  }

  /**
   * Grants reading experiments, runs and models of this server, and the artifact store.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({ grantee, actions: READ_ACTIONS, resourceArns: [this.trackingServerArn] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:DescribeMlflowTrackingServer'], resourceArns: [this.trackingServerArn] }));
    this.grantArtifactRead(grantee);
    return grant;
  }

  /**
   * Grants logging runs to this server (for build jobs): creating experiments and runs, logging
   * metrics, parameters, tags, inputs, outputs and models, and reading them back, plus writing
   * to the artifact store (MLflow clients upload a run's artifacts themselves). No deletes.
   */
  public grantLog(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({ grantee, actions: [...LOG_ACTIONS, ...READ_ACTIONS], resourceArns: [this.trackingServerArn] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:DescribeMlflowTrackingServer'], resourceArns: [this.trackingServerArn] }));
    this.grantArtifacts(grantee);
    return grant;
  }

  /**
   * Grants opening the MLflow UI of this server (for people): a presigned URL
   * (`sagemaker:CreatePresignedMlflowTrackingServerUrl`), `sagemaker-mlflow:AccessUI`, and
   * reading what the UI shows.
   */
  public grantUiAccess(grantee: iam.IGrantable): iam.Grant {
    // sagemaker-mlflow:AccessUI has no resource type in IAM (Service Authorization Reference, as
    // cfn-lint 1.51's Policies.json lists it): only "*" allows it. The presigned URL, which names
    // the server, is what limits a person to this one.
    const ui = iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker-mlflow:AccessUI'], resourceArns: ['*'] });
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      waive(principal, {
        rules: ['AwsSolutions-IAM5[Resource::*]'],
        reason: 'sagemaker-mlflow:AccessUI supports no resource-level permissions; the presigned URL, granted on this tracking server only, names the server',
      });
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:CreatePresignedMlflowTrackingServerUrl'],
      resourceArns: [this.trackingServerArn],
    }).combine(ui).combine(this.grantRead(grantee));
  }

  private grantArtifacts(grantee: iam.IGrantable): void {
    const objects = this.artifactBucket.arnForObjects(`${this.prefix}*`);
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: [objects],
    }));
    this.grantList(grantee);
    this.artifactKey.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
    this.waiveObjects(grantee, objects);
  }

  private grantArtifactRead(grantee: iam.IGrantable): void {
    const objects = this.artifactBucket.arnForObjects(`${this.prefix}*`);
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    this.grantList(grantee);
    this.artifactKey.grant(grantee, 'kms:Decrypt');
    this.waiveObjects(grantee, objects);
  }

  private grantList(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.artifactBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.prefix}*`] } },
    }));
  }

  private waiveObjects(grantee: iam.IGrantable, objects: string): void {
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      waive(principal, {
        rules: [`AwsSolutions-IAM5[Resource::${nagResourceName(Stack.of(principal), objects)}]`],
        reason: 'MLflow writes each run\'s artifacts under keys it makes per experiment and run; the pattern admits the tracking server\'s artifact prefix only',
      });
    }
  }
}

function validate(scope: Construct, name: string, prefix: string, key: kms.IKey | undefined, props: MlflowTrackingServerProps): void {
  const problems: string[] = [];
  if (!Token.isUnresolved(name) && !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/.test(name)) {
    problems.push(`trackingServerName must be 1-256 of letters, digits and '-', starting and ending with a letter or digit, got '${name}'`);
  }
  if (!Token.isUnresolved(prefix) && (prefix.includes('*') || (prefix !== '' && !prefix.endsWith('/')))) {
    problems.push(`artifactPrefix must be a folder ending in '/' without wildcards, got '${prefix}'`);
  }
  if (!key) {
    problems.push('the artifact store must be KMS-encrypted: give artifactEncryptionKey, the key of the imported artifactBucket');
  }
  const window = props.weeklyMaintenanceWindowStart;
  if (window !== undefined && !Token.isUnresolved(window) && !/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):([0-5]\d)$/.test(window)) {
    problems.push(`weeklyMaintenanceWindowStart must be Ddd:HH:MM (for example Sun:03:00), got '${window}'`);
  }
  const version = props.mlflowVersion;
  if (version !== undefined && !Token.isUnresolved(version) && !/^\d+(\.\d+)+$/.test(version)) {
    problems.push(`mlflowVersion must be a version like 3.0 or 2.16.2, got '${version}'`);
  }
  if (problems.length > 0) {
    throw new Error(`MlflowTrackingServer ${scope.node.path}: ${problems.join('; ')}`);
  }
}
