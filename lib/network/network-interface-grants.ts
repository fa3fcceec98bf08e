import { Fn, Stack, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { IWorkloadNetwork, NetworkInterfaceUser } from './workload-network';
import { nagResourceName, waive } from '../private/compliance';

/**
 * The ARNs `arn:<partition>:ec2:<region>:<account>:<type>/<id>` of ids that may be a list token
 * (a CloudFormation parameter of a list type): then built at deploy time with Fn::Split/Fn::Join.
 */
export function ec2Arns(stack: Stack, type: string, ids: string[]): string[] {
  const prefix = `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:${type}/`;
  if (ids.length === 1 && Tokenization.reverseList(ids) !== undefined) {
    return Fn.split(',', Fn.join('', [prefix, Fn.join(`,${prefix}`, ids)]));
  }
  return ids.map((id) => `${prefix}${id}`);
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
 */
export function grantNetworkInterfaces(network: IWorkloadNetwork, grantee: iam.IGrantable, user: NetworkInterfaceUser): iam.Grant {
  const principal = grantee.grantPrincipal;
  const stack = Construct.isConstruct(principal) ? Stack.of(principal) : undefined;
  if (!stack) {
    throw new Error(`grantNetworkInterfaces: the grantee must be a role of this app, got ${principal}`);
  }
  const subnets = ec2Arns(stack, 'subnet', network.subnetIds);
  const securityGroups = ec2Arns(stack, 'security-group', network.securityGroupIds);
  const interfaces = `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:network-interface/*`;
  const has = (a: string) => user.actions.includes(a);

  let grant = iam.Grant.addToPrincipal({
    grantee,
    actions: ['ec2:CreateNetworkInterface'],
    resourceArns: [...subnets, ...securityGroups, interfaces],
  });
  const onExisting = user.actions.filter((a) => ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'].includes(a)
    || (a === 'ec2:CreateNetworkInterfacePermission' && !user.authorizedServiceCondition));
  if (onExisting.length > 0) {
    grant = grant.combine(addStatement(grantee, new iam.PolicyStatement({
      actions: onExisting,
      resources: [interfaces],
      conditions: { ArnEquals: { 'ec2:Subnet': subnets } },
    })));
  }
  if (has('ec2:CreateNetworkInterfacePermission') && user.authorizedServiceCondition) {
    grant = grant.combine(addStatement(grantee, new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterfacePermission'],
      resources: [interfaces],
      conditions: { ArnEquals: { 'ec2:Subnet': subnets }, StringEquals: { 'ec2:AuthorizedService': user.servicePrincipal } },
    })));
  }
  const unscoped = user.actions.filter((a) => a.startsWith('ec2:Describe') || a === 'ec2:DeleteNetworkInterfacePermission');
  if (unscoped.length > 0) {
    grant = grant.combine(iam.Grant.addToPrincipal({ grantee, actions: unscoped, resourceArns: ['*'] }));
  }
  if (Construct.isConstruct(principal)) {
    waive(principal, {
      rules: [`AwsSolutions-IAM5[Resource::${nagResourceName(stack, interfaces)}]`, `AwsSolutions-IAM5[Resource::${nagResourceName(stack, '*')}]`],
      reason: 'a network interface gets its id when the service creates it, so interfaces are named network-interface/* (limited to the network\'s subnets by ec2:Subnet where EC2 supports it); the EC2 Describe actions and DeleteNetworkInterfacePermission have no resource-level permissions',
    });
  }
  return grant;
}

function addStatement(grantee: iam.IGrantable, statement: iam.PolicyStatement): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: statement.actions,
    resourceArns: statement.resources,
    conditions: statement.conditions,
  });
}

/** Problems of a network's ids that can be seen at synth: at least two subnets, one security group. */
export function networkProblems(network: IWorkloadNetwork): string[] {
  const problems: string[] = [];
  const isList = (ids: string[]) => ids.length === 1 && Tokenization.reverseList(ids) !== undefined;
  if (!isList(network.subnetIds) && network.subnetIds.length < 2) {
    problems.push(`network needs subnets in at least two Availability Zones, got ${network.subnetIds.length} subnet(s)`);
  }
  if (!isList(network.securityGroupIds) && network.securityGroupIds.length === 0) {
    problems.push('network needs at least one security group');
  }
  return problems;
}
