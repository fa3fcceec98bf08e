import { CfnParameter, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NETWORK_PARAMETER_PREFIX, networkParameterNames, parameterPrefixProblem } from './network-parameters';
import { grantNetworkInterfaces } from './network-interface-grants';
import { IWorkloadNetwork, NetworkInterfaceUser } from './workload-network';

type ParameterKey = 'vpcId' | 'vpcCidr' | 'subnetIds' | 'securityGroupIds';

const MARKER = 'MlopsDeployTimeNetwork';

const PARAMETERS: Array<{ key: ParameterKey; logicalId: string; type: string; description: string }> = [
  { key: 'vpcId', logicalId: 'MlopsNetworkVpcId', type: 'AWS::SSM::Parameter::Value<AWS::EC2::VPC::Id>', description: 'SSM parameter holding the platform VPC of this account and region' },
  { key: 'vpcCidr', logicalId: 'MlopsNetworkVpcCidr', type: 'AWS::SSM::Parameter::Value<String>', description: 'SSM parameter holding the CIDR block of the platform VPC' },
  { key: 'subnetIds', logicalId: 'MlopsNetworkSubnetIds', type: 'AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>', description: 'SSM parameter holding the private subnets workloads run in' },
  { key: 'securityGroupIds', logicalId: 'MlopsNetworkSecurityGroupIds', type: 'AWS::SSM::Parameter::Value<List<AWS::EC2::SecurityGroup::Id>>', description: 'SSM parameter holding the security groups of workloads' },
];

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
 * templates). It declares CloudFormation parameters of SSM parameter types, each defaulting to
 * the name of the parameter a `PlatformNetwork` publishes there (declared when first used, so a
 * template holds no parameter it does not reference), and returns their values:
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
  private readonly prefix: string;
  private readonly created = new Map<string, CfnParameter>();

  constructor(scope: Construct, id: string, props: DeployTimeNetworkProps = {}) {
    super(scope, id);
    const prefix = props.parameterPrefix ?? NETWORK_PARAMETER_PREFIX;
    this.prefix = prefix;
    const problem = parameterPrefixProblem(prefix);
    if (problem) throw new Error(`DeployTimeNetwork ${this.node.path}: ${problem}`);
    const stack = Stack.of(this);
    const taken = PARAMETERS.map((p) => p.logicalId).find((logicalId) => stack.node.tryFindChild(logicalId));
    if (taken || stack.node.tryFindChild(MARKER)) {
      throw new Error(`DeployTimeNetwork ${this.node.path}: stack ${stack.node.path} has a DeployTimeNetwork already (its parameters are the template's ${PARAMETERS.map((p) => p.logicalId).join(', ')}); use that one`);
    }
    new Construct(stack, MARKER);
  }

  /** The VPC's id, resolved at deploy time. */
  public get vpcId(): string {
    return this.parameter('vpcId').valueAsString;
  }

  /** The VPC's IPv4 CIDR block, resolved at deploy time. */
  public get vpcCidrBlock(): string {
    return this.parameter('vpcCidr').valueAsString;
  }

  /** The subnets, a list resolved at deploy time. */
  public get subnetIds(): string[] {
    return this.parameter('subnetIds').valueAsList;
  }

  /** The security groups, a list resolved at deploy time. */
  public get securityGroupIds(): string[] {
    return this.parameter('securityGroupIds').valueAsList;
  }

  /**
   * The parameters declared so far: each is declared when its value is first used, so the
   * template holds no parameter it does not reference.
   */
  public get parameters(): CfnParameter[] {
    return [...this.created.values()];
  }

  /** The SSM parameter names the parameters default to, in the order vpc id, CIDR block, subnets, security groups. */
  public get parameterNames(): string[] {
    const names = networkParameterNames(this.prefix);
    return PARAMETERS.map((p) => names[p.key]);
  }

  private parameter(key: ParameterKey): CfnParameter {
    const existing = this.created.get(key);
    if (existing) return existing;
    const spec = PARAMETERS.find((p) => p.key === key)!;
    // Parameters are children of the stack with fixed logical ids, so the template reads plainly.
    const parameter = new CfnParameter(Stack.of(this), spec.logicalId, {
      type: spec.type,
      default: networkParameterNames(this.prefix)[key],
      description: spec.description,
    });
    this.created.set(key, parameter);
    return parameter;
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
