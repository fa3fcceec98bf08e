import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { waive } from '../private/compliance';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { wildcardFindings } from './wildcard-findings';

/**
 * What a model execution role needs to load model packages, possibly from another account.
 */
export interface ModelPackageAccess {
  readonly packageArns: string[];
  readonly artifactsBucket?: s3.IBucket;
  readonly artifactsKey?: kms.IKey;
  readonly imageRepositories?: ecr.IRepository[];
  /** Whether the containers run in a VPC (they need to manage their network interfaces). */
  readonly inVpc?: boolean;
}

/**
 * Grants a model execution role describing the packages, reading their artifacts and pulling
 * their images. Without named repositories, pulls are limited to the repositories of each
 * package's account and region: the image is named inside the package, unknown at synth.
 */
export function grantModelPackageAccess(scope: Construct, role: iam.IRole, access: ModelPackageAccess): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['sagemaker:DescribeModelPackage'],
    resources: access.packageArns,
  }));
  access.artifactsBucket?.grantRead(role);
  access.artifactsKey?.grantDecrypt(role);

  if (access.imageRepositories && access.imageRepositories.length > 0) {
    for (const repository of access.imageRepositories) {
      repository.grantPull(role);
    }
  } else {
    const repositories = access.packageArns.map((arn) => {
      const parts = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME);
      return `arn:${Stack.of(scope).partition}:ecr:${parts.region}:${parts.account}:repository/*`;
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      resources: repositories,
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    }));
  }

  if (access.inVpc) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
        'ec2:DeleteNetworkInterfacePermission', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs',
        'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
      ],
      resources: ['*'],
    }));
  }
}

/**
 * Makes the models wait for the role's policies: the policies are attached to the role (not the
 * role to them), so without this SageMaker may load a model before the role may read it.
 */
export function waitForRolePolicies(role: iam.IRole, models: Array<CfnModel | undefined>): void {
  const policies = role.node.findAll().filter((c) => c instanceof iam.ManagedPolicy || c instanceof iam.Policy);
  for (const model of models) {
    model?.node.addDependency(...policies);
  }
}

/**
 * Acknowledges, one by one, the wildcards of a role this library created, each with why.
 */
export function waiveRoleWildcards(role: iam.IRole): void {
  if (!(role instanceof ManagedPolicyRole)) return;
  const permissions = role.node.tryFindChild('Permissions');
  if (!(permissions instanceof iam.ManagedPolicy)) return;
  for (const finding of wildcardFindings(permissions)) {
    waive(permissions, { rules: [finding], reason: wildcardReason(finding) });
  }
}

function wildcardReason(finding: string): string {
  if (finding.includes(':ecr:')) {
    return 'the inference image is named inside the model package, unknown at synth: pulls are limited to ECR repositories of the package account and region';
  }
  if (finding.endsWith('[Resource::*]')) {
    return 'ecr:GetAuthorizationToken, cloudwatch:PutMetricData (held to the SageMaker namespace by a condition) and the ENI actions of VPC containers support no resource-level permissions';
  }
  if (finding.includes('[Action::')) {
    return 'the CDK grants of S3 reads and writes and of KMS encryption name action families (s3:Abort*, s3:GetObject*, kms:GenerateDataKey*...) on one bucket or key only';
  }
  if (finding.includes(':log-group:')) {
    return 'SageMaker writes each job\'s logs to its own stream of the account-wide /aws/sagemaker/TransformJobs log group';
  }
  return 'SageMaker reads and writes objects under one key prefix of one bucket (captured data, inputs, results), named per request or job';
}
