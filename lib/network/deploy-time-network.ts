import { CfnParameter, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NETWORK_PARAMETER_PREFIX, networkParameterNames, parameterPrefixProblem } from './network-parameters';
import { grantNetworkInterfaces } from './network-interface-grants';
import { IWorkloadNetwork, NetworkInterfaceUser } from './workload-network';

/**
 * Properties of a `DeployTimeNetwork`.
 */
export interface DeployTimeNetworkProps {
  /**
   * The SSM parameter path the `PlatformNetwork` of each account and region publishes its ids under.
   *
   * @default '/mlops/platform/network'
   */
  readonly parameterPrefix?: string;
}

/**
 * The network of whatever account and region a deployment template is deployed to, for a
 * template synthesized once and deployed to many (the promotion's staging and production
 * templates). It declares four CloudFormation parameters of SSM parameter types, each defaulting
 * to the name of the parameter a `PlatformNetwork` publishes there, and returns their values:
 *
 * - `MlopsNetworkVpcId`: `AWS::SSM::Parameter::Value<AWS::EC2::VPC::Id>`
 * - `MlopsNetworkVpcCidr`: `AWS::SSM::Parameter::Value<String>`
 * - `MlopsNetworkSubnetIds`: `AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>`
 * - `MlopsNetworkSecurityGroupIds`: `AWS::SSM::Parameter::Value<List<AWS::EC2::SecurityGroup::Id>>`
 *
 * CloudFormation reads the values from Parameter Store of the account and region the stack is
 * created or updated in, when the operation runs (CloudFormation User Guide, "SSM parameter
 * types"). The caller of CreateStack/UpdateStack/CreateChangeSet resolves them, so that caller
 * (the promotion's deploy role in the target account) needs `ssm:GetParameters` on them; there is
 * no cross-stack reference and nothing to look up at synth.
 */
export class DeployTimeNetwork extends Construct implements IWorkloadNetwork {
  /** The VPC's id, resolved at deploy time. */
  public readonly vpcId: string;
  /** The VPC's IPv4 CIDR block, resolved at deploy time. */
  public readonly vpcCidrBlock: string;
  /** The subnets, a list resolved at deploy time. */
  public readonly subnetIds: string[];
  /** The security groups, a list resolved at deploy time. */
  public readonly securityGroupIds: string[];
  /** The parameters, in the order vpc id, CIDR block, subnets, security groups. */
  public readonly parameters: CfnParameter[];
  /** The SSM parameter names the parameters default to. */
  public readonly parameterNames: string[];

  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: DeployTimeNetworkProps = {}) {
    super(scope, id);
    const prefix = props.parameterPrefix ?? NETWORK_PARAMETER_PREFIX;
    this.prefix = prefix;
    const problem = parameterPrefixProblem(prefix);
    if (problem) throw new Error(`DeployTimeNetwork ${this.node.path}: ${problem}`);
    const names = networkParameterNames(prefix);
    const stack = Stack.of(this);
    const parameter = (logicalId: string, type: string, name: string, description: string) => {
      if (stack.node.tryFindChild(logicalId)) {
        throw new Error(`DeployTimeNetwork ${this.node.path}: stack ${stack.node.path} has a network already (parameter ${logicalId}); use that one`);
      }
      // Parameters are children of the stack with fixed ids, so the template reads plainly and a
      // second network in the same template is refused rather than duplicated.
      return new CfnParameter(stack, logicalId, { type, default: name, description });
    };
    const vpc = parameter('MlopsNetworkVpcId', 'AWS::SSM::Parameter::Value<AWS::EC2::VPC::Id>', names.vpcId, 'SSM parameter holding the platform VPC of this account and region');
    const cidr = parameter('MlopsNetworkVpcCidr', 'AWS::SSM::Parameter::Value<String>', names.vpcCidr, 'SSM parameter holding the CIDR block of the platform VPC');
    const subnets = parameter('MlopsNetworkSubnetIds', 'AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>', names.subnetIds, 'SSM parameter holding the private subnets workloads run in');
    const groups = parameter('MlopsNetworkSecurityGroupIds', 'AWS::SSM::Parameter::Value<List<AWS::EC2::SecurityGroup::Id>>', names.securityGroupIds, 'SSM parameter holding the security groups of workloads');
    this.parameters = [vpc, cidr, subnets, groups];
    this.parameterNames = [names.vpcId, names.vpcCidr, names.subnetIds, names.securityGroupIds];
    this.vpcId = vpc.valueAsString;
    this.vpcCidrBlock = cidr.valueAsString;
    this.subnetIds = subnets.valueAsList;
    this.securityGroupIds = groups.valueAsList;
  }

  public grantNetworkInterfaces(grantee: iam.IGrantable, user: NetworkInterfaceUser): iam.Grant {
    return grantNetworkInterfaces(this, grantee, user);
  }

  /**
   * Grants reading the SSM parameters this network resolves: what the caller that creates or
   * updates the template's stack needs (`ssm:GetParameters`).
   */
  public grantResolve(grantee: iam.IGrantable): iam.Grant {
    return DeployTimeNetwork.grantResolveParameters(grantee, this.prefix);
  }

  /**
   * Grants reading the network parameters of a `PlatformNetwork` in the grantee's account and
   * region (`ssm:GetParameters` on `<prefix>/*`): for the role that deploys templates holding a
   * `DeployTimeNetwork`, CloudFormation resolving SSM parameter types with the caller's credentials.
   */
  public static grantResolveParameters(grantee: iam.IGrantable, parameterPrefix?: string): iam.Grant {
    const prefix = parameterPrefix ?? NETWORK_PARAMETER_PREFIX;
    const problem = parameterPrefixProblem(prefix);
    if (problem) throw new Error(`DeployTimeNetwork.grantResolveParameters: ${problem}`);
    const principal = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) {
      throw new Error('DeployTimeNetwork.grantResolveParameters: the grantee must be a role of this app');
    }
    const stack = Stack.of(principal);
    const names = networkParameterNames(prefix);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameters'],
      resourceArns: [names.vpcId, names.vpcCidr, names.subnetIds, names.securityGroupIds]
        .map((n) => stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: n.replace(/^\//, '') })),
    });
  }
}
