import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { grantNetworkInterfaces } from './network-interface-grants';

/**
 * The AWS service that creates network interfaces in the VPC for a workload, and the EC2
 * actions its role needs for that, as the service documents them.
 */
export class NetworkInterfaceUser {
  /**
   * SageMaker processing, training, tuning and transform jobs, models and monitoring jobs. The
   * SageMaker Developer Guide ("SageMaker Roles", CreateProcessingJob / CreateTrainingJob /
   * CreateModel API execution role permissions) lists these nine actions for a private VPC.
   */
  public static readonly SAGEMAKER = new NetworkInterfaceUser('sagemaker.amazonaws.com', [
    'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
    'ec2:DeleteNetworkInterfacePermission', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs',
    'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
  ], false);

  /**
   * Lambda functions. The Lambda Developer Guide ("Execution role and user permissions" of
   * configuring VPC access) lists these five actions for the execution role.
   */
  public static readonly LAMBDA = new NetworkInterfaceUser('lambda.amazonaws.com', [
    'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
  ], false);

  /**
   * CodeBuild projects. The CodeBuild User Guide ("Allow CodeBuild access to AWS services required
   * to create a VPC network interface") lists these actions, and scopes
   * `CreateNetworkInterfacePermission` by `ec2:AuthorizedService` and `ec2:Subnet`.
   */
  public static readonly CODEBUILD = new NetworkInterfaceUser('codebuild.amazonaws.com', [
    'ec2:CreateNetworkInterface', 'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
    'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcs', 'ec2:CreateNetworkInterfacePermission',
  ], true);

  /** The service principal that attaches the interfaces. */
  public readonly servicePrincipal: string;
  /** The EC2 actions its role needs. */
  public readonly actions: string[];
  /** Whether `CreateNetworkInterfacePermission` is limited to this service by `ec2:AuthorizedService`. */
  public readonly authorizedServiceCondition: boolean;

  private constructor(servicePrincipal: string, actions: string[], authorizedServiceCondition: boolean) {
    this.servicePrincipal = servicePrincipal;
    this.actions = actions;
    this.authorizedServiceCondition = authorizedServiceCondition;
  }
}

/**
 * Where a workload runs in a VPC: its subnets and security groups. A `PlatformNetwork` is one (the
 * network of the account and region it is created in); a `DeployTimeNetwork` is one whose ids are
 * resolved when a deployment template is deployed; `WorkloadNetwork.fromIds` makes one of ids.
 */
export interface IWorkloadNetwork {
  /** The VPC's id. */
  readonly vpcId: string;
  /** The VPC's IPv4 CIDR block. */
  readonly vpcCidrBlock: string;
  /** The subnets workloads run in: private, in two or more Availability Zones. */
  readonly subnetIds: string[];
  /** The security groups workloads run with. */
  readonly securityGroupIds: string[];

  /**
   * Grants the EC2 actions a service needs to put a workload's network interfaces into these
   * subnets, scoped to them where EC2 supports it.
   */
  grantNetworkInterfaces(grantee: iam.IGrantable, user: NetworkInterfaceUser): iam.Grant;
}

/**
 * The ids of a network, for `WorkloadNetwork.fromIds`.
 */
export interface WorkloadNetworkAttributes {
  /** The VPC's id. */
  readonly vpcId: string;
  /** The VPC's IPv4 CIDR block. */
  readonly vpcCidrBlock: string;
  /** The subnets, private and in two or more Availability Zones. */
  readonly subnetIds: string[];
  /** The security groups. */
  readonly securityGroupIds: string[];
}

/**
 * Subnets and security groups of a workload, made of ids or of an `ec2.IVpc`.
 */
export class WorkloadNetwork implements IWorkloadNetwork {
  /**
   * A network of ids (no lookup: synth stays hermetic).
   */
  public static fromIds(attributes: WorkloadNetworkAttributes): IWorkloadNetwork {
    return new WorkloadNetwork(attributes.vpcId, attributes.vpcCidrBlock, attributes.subnetIds, attributes.securityGroupIds);
  }

  /**
   * The subnets of an `ec2.IVpc` (by default its private subnets, with or without egress) and
   * the security groups given.
   */
  public static fromVpc(vpc: ec2.IVpc, securityGroups: ec2.ISecurityGroup[], subnets?: ec2.SubnetSelection): IWorkloadNetwork {
    const selection = subnets ?? (vpc.privateSubnets.length > 0 ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    return new WorkloadNetwork(vpc.vpcId, vpc.vpcCidrBlock, vpc.selectSubnets(selection).subnetIds, securityGroups.map((g) => g.securityGroupId));
  }

  public readonly vpcId: string;
  public readonly vpcCidrBlock: string;
  public readonly subnetIds: string[];
  public readonly securityGroupIds: string[];

  private constructor(vpcId: string, vpcCidrBlock: string, subnetIds: string[], securityGroupIds: string[]) {
    this.vpcId = vpcId;
    this.vpcCidrBlock = vpcCidrBlock;
    this.subnetIds = subnetIds;
    this.securityGroupIds = securityGroupIds;
  }

  public grantNetworkInterfaces(grantee: iam.IGrantable, user: NetworkInterfaceUser): iam.Grant {
    return grantNetworkInterfaces(this, grantee, user);
  }
}
