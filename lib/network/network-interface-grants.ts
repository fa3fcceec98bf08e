import { Stack, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { IWorkloadNetwork, NetworkInterfaceUser } from './workload-network';
import { nagResourceName, waive } from '../private/compliance';

/** Whether ids are a list token (a CloudFormation parameter of a list type, resolved at deploy time). */
export function isListToken(ids: string[]): boolean {
  return ids.length === 1 && Tokenization.reverseList(ids) !== undefined;
}

/**
 * The grant of `IWorkloadNetwork.grantNetworkInterfaces`, from EC2's resource-level permissions
 * (cfn-lint's Policies.json and the Service Authorization Reference for EC2):
 * - `CreateNetworkInterface` authorizes the subnet, the security groups and the new interface:
 *   the subnets and groups are named; the new interface (no condition keys on creation) is
 *   `network-interface/*`, so an interface can only be created in these subnets with these groups;
 * - actions on an existing interface support `ec2:Subnet`: limited to interfaces in these subnets;
 * - `CreateNetworkInterfacePermission` also supports `ec2:AuthorizedService` (CodeBuild documents it);
 * - the Describe actions and `DeleteNetworkInterfacePermission` (its request names a permission,
 *   not an interface) have no resource to scope to.
 * Ids resolved at deploy time (a `DeployTimeNetwork`) cannot be turned into ARNs in the template
 * (Fn::Join takes no computed delimiter): then subnets, groups and interfaces are limited to the
 * VPC by `ec2:Vpc`, which the subnet, security-group and network-interface resources support.
 */
export function grantNetworkInterfaces(network: IWorkloadNetwork, grantee: iam.IGrantable, user: NetworkInterfaceUser): iam.Grant {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal)) {
    throw new Error(`grantNetworkInterfaces: the grantee must be a role of this app, got ${principal}`);
  }
  const stack = Stack.of(principal);
  const arn = (resource: string) => `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:${resource}`;
  const interfaces = arn('network-interface/*');
  const deployTime = isListToken(network.subnetIds) || isListToken(network.securityGroupIds);
  const inVpc = { ArnEquals: { 'ec2:Vpc': arn(`vpc/${network.vpcId}`) } };
  const subnets = deployTime ? [] : network.subnetIds.map((id) => arn(`subnet/${id}`));
  const inSubnets = deployTime ? inVpc : { ArnEquals: { 'ec2:Subnet': subnets } };
  const wildcards = [interfaces, '*'];

  let grant: iam.Grant;
  if (deployTime) {
    wildcards.push(arn('subnet/*'), arn('security-group/*'));
    grant = iam.Grant.addToPrincipal({ grantee, actions: ['ec2:CreateNetworkInterface'], resourceArns: [arn('subnet/*'), arn('security-group/*')], conditions: inVpc })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: ['ec2:CreateNetworkInterface'], resourceArns: [interfaces] }));
  } else {
    grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ec2:CreateNetworkInterface'],
      resourceArns: [...subnets, ...network.securityGroupIds.map((id) => arn(`security-group/${id}`)), interfaces],
    });
  }
  const onExisting = user.actions.filter((a) => ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'].includes(a)
    || (a === 'ec2:CreateNetworkInterfacePermission' && !user.authorizedServiceCondition));
  if (onExisting.length > 0) {
    grant = grant.combine(iam.Grant.addToPrincipal({ grantee, actions: onExisting, resourceArns: [interfaces], conditions: inSubnets }));
  }
  if (user.actions.includes('ec2:CreateNetworkInterfacePermission') && user.authorizedServiceCondition) {
    grant = grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['ec2:CreateNetworkInterfacePermission'],
      resourceArns: [interfaces],
      conditions: { ...inSubnets, StringEquals: { 'ec2:AuthorizedService': user.servicePrincipal } },
    }));
  }
  const unscoped = user.actions.filter((a) => a.startsWith('ec2:Describe') || a === 'ec2:DeleteNetworkInterfacePermission');
  if (unscoped.length > 0) {
    grant = grant.combine(iam.Grant.addToPrincipal({ grantee, actions: unscoped, resourceArns: ['*'] }));
  }
  waive(principal, {
    rules: wildcards.map((r) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`),
    reason: 'a network interface gets its id when the service creates it, so interfaces are network-interface/* limited to the network\'s subnets (or VPC, for ids resolved at deploy time) by condition; EC2 Describe actions and DeleteNetworkInterfacePermission have no resource-level permissions',
  });
  return grant;
}

/** Problems of a network's ids that can be seen at synth: at least two subnets, one security group. */
export function networkProblems(network: IWorkloadNetwork): string[] {
  const problems: string[] = [];
  const isList = isListToken;
  if (!isList(network.subnetIds) && network.subnetIds.length < 2) {
    problems.push(`network needs subnets in at least two Availability Zones, got ${network.subnetIds.length} subnet(s)`);
  }
  if (!isList(network.securityGroupIds) && network.securityGroupIds.length === 0) {
    problems.push('network needs at least one security group');
  }
  return problems;
}

/**
 * A grantee whose statements land in `policy`, attached to `role`, rather than in the role's own
 * policy: for grants a resource must wait for when the role's own policy names that resource
 * (a CodeBuild project: its role's policy names the project's log group and report groups).
 */
export function granteeInto(role: iam.IRole, policy: iam.ManagedPolicy): iam.IGrantable {
  const principal = Object.create(role) as iam.IPrincipal;
  // Acknowledgements of cdk-nag findings made on the grantee land on the policy that holds them.
  Object.defineProperty(principal, 'node', { value: policy.node });
  Object.defineProperty(principal, 'addToPrincipalPolicy', {
    value: (statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult => {
      policy.addStatements(statement);
      return { statementAdded: true, policyDependable: policy.node.defaultChild! };
    },
  });
  Object.defineProperty(principal, 'addToPolicy', {
    value: (statement: iam.PolicyStatement): boolean => {
      policy.addStatements(statement);
      return true;
    },
  });
  return { grantPrincipal: principal };
}
