import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ServiceEndpoint } from '../network/service-endpoint';
import { ServiceUsage } from '../network/service-usage';
import { IWorkloadNetwork, NetworkInterfaceUser } from '../network/workload-network';
import { nagResourceName, waive } from '../private/compliance';
import { ManagedPolicyRole } from '../private/managed-policy-role';

/**
 * Props of a SageMaker job role.
 */
export interface SageMakerJobRoleProps {
  /** Buckets the jobs read and write (data, outputs, model artifacts), with their KMS keys; the jobs may not delete objects. */
  readonly buckets: s3.IBucket[];
  /**
   * Buckets the jobs only read (code, reference data).
   * @default - none
   */
  readonly readOnlyBuckets?: s3.IBucket[];
  /**
   * Your ECR repositories of job images. SageMaker's own images need none.
   * @default - none
   */
  readonly repositories?: ecr.IRepository[];
  /**
   * KMS keys the jobs encrypt volumes and outputs with (`VolumeKmsKeyId`, `KmsKeyId`).
   * @default - none
   */
  readonly encryptionKeys?: kms.IKey[];
  /**
   * A description of the role.
   * @default - names the construct
   */
  readonly description?: string;
  /**
   * The network the jobs run in (their `VpcConfig` / `NetworkConfig`): the role gets the EC2
   * network-interface permissions SageMaker documents for a private VPC, scoped to the network's
   * subnets and security groups, and S3 is declared for the network's endpoints.
   *
   * @default - no network-interface permissions (jobs outside a VPC)
   */
  readonly network?: IWorkloadNetwork;
}

/**
 * The role SageMaker processing, training and transform jobs and models of a pipeline run as,
 * with what they need and no more: the buckets given (read-write or read-only, and their keys),
 * pulling the ECR repositories given, the jobs' CloudWatch log groups (`/aws/sagemaker/*`) and
 * metrics (`/aws/sagemaker/*` namespaces). Trusted by SageMaker of this account only.
 * With `network`, also the network interfaces of jobs in that VPC. Not included: Feature Store,
 * Athena or Redshift inputs.
 */
export class SageMakerJobRole extends Construct implements iam.IGrantable {
  /** The role. */
  public readonly role: iam.IRole;
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: SageMakerJobRoleProps) {
    super(scope, id);
    if (props.buckets.length === 0) {
      throw new Error(`SageMakerJobRole ${this.node.path}: buckets must name at least one bucket the jobs write to`);
    }
    const stack = Stack.of(this);
    const role = new ManagedPolicyRole(this, 'Resource', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: props.description ?? `SageMaker jobs of ${this.node.path}`,
    });
    this.role = role;
    this.grantPrincipal = role;

    for (const bucket of props.buckets) {
      // Read and put, not delete: jobs write new objects, they never need to remove any.
      bucket.grantRead(role);
      bucket.grantPut(role);
    }
    for (const bucket of props.readOnlyBuckets ?? []) bucket.grantRead(role);
    for (const repository of props.repositories ?? []) repository.grantPull(role);
    for (const key of props.encryptionKeys ?? []) {
      key.grantEncryptDecrypt(role);
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['kms:CreateGrant'],
        resources: [key.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
      }));
    }
    const logGroups = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [logGroups, `${logGroups}:log-stream:*`],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
    }));

    if (props.network) {
      props.network.grantNetworkInterfaces(role, NetworkInterfaceUser.SAGEMAKER);
      ServiceUsage.declare(this, [ServiceEndpoint.S3], `the SageMaker jobs of ${this.node.path} read and write their data, code and model artifacts in S3`);
    }

    const policy = role.node.tryFindChild('Permissions') as iam.ManagedPolicy;
    const statements: any[] = stack.resolve(policy.document.toJSON()).Statement;
    const list = (v: any) => (Array.isArray(v) ? v : [v]);
    const actions = [...new Set(statements.flatMap((st) => list(st.Action)).filter((a: string) => a.endsWith('*')))];
    const resources = [...new Set(statements.flatMap((st) => list(st.Resource)).map((r: any) => nagResourceName(stack, r)).filter((r: string) => r.endsWith('*')))];
    waive(policy, {
      rules: resources.map((r) => `AwsSolutions-IAM5[Resource::${r}]`),
      reason: 'jobs write objects under run-time keys of the named buckets, log to log groups SageMaker names per job under /aws/sagemaker/, publish metrics (PutMetricData has no resource, only the namespace condition) and get an ECR token (no resource-level permission)',
    });
    if (actions.length > 0) {
      waive(policy, {
        rules: actions.map((a) => `AwsSolutions-IAM5[Action::${a}]`),
        reason: 'these are the S3, KMS and ECR action groups of the read, put and pull grants of aws-cdk buckets, keys and repositories; none deletes objects or changes bucket policies',
      });
    }
  }
}
