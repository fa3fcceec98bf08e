import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DeployTimeNetwork, NetworkInterfaceUser, WorkloadNetwork } from '../../lib/network';
import { ManagedPolicyRole } from '../../lib/private/managed-policy-role';

const env = { account: '111111111111', region: 'eu-west-1' };
const network = WorkloadNetwork.fromIds({
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidrBlock: '10.0.0.0/16',
  subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
  securityGroupIds: ['sg-0ccccccccccccccc3'],
});
const partition = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
const subnets = [partition(':ec2:eu-west-1:111111111111:subnet/subnet-0aaaaaaaaaaaaaaa1'), partition(':ec2:eu-west-1:111111111111:subnet/subnet-0bbbbbbbbbbbbbbb2')];
const interfaces = partition(':ec2:eu-west-1:111111111111:network-interface/*');

function statementsFor(user: NetworkInterfaceUser): any[] {
  const stack = new Stack(new App(), 'Grant', { env });
  const role = new ManagedPolicyRole(stack, 'Role', { assumedBy: new iam.ServicePrincipal(user.servicePrincipal) });
  network.grantNetworkInterfaces(role, user);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('network-interface permissions of a workload', () => {
  test('SageMaker: the nine actions it documents; interfaces created only in the network\'s subnets with its groups, existing ones only in its subnets', () => {
    // GIVEN / WHEN
    const statements = statementsFor(NetworkInterfaceUser.SAGEMAKER);

    // THEN
    expect(statements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: 'ec2:CreateNetworkInterface', Resource: [...subnets, partition(':ec2:eu-west-1:111111111111:security-group/sg-0ccccccccccccccc3'), interfaces] },
      { Effect: 'Allow', Action: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface'], Resource: interfaces, Condition: { ArnEquals: { 'ec2:Subnet': subnets } } },
      {
        Effect: 'Allow',
        Action: ['ec2:DeleteNetworkInterfacePermission', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
        Resource: '*',
      },
    ]));
    const granted = statements.flatMap((s) => [].concat(s.Action)).sort();
    expect(granted).toEqual([...NetworkInterfaceUser.SAGEMAKER.actions].sort());
    // No statement grants creating or deleting interfaces on every resource.
    expect(statements.filter((s) => s.Resource === '*' && [].concat(s.Action).some((a: string) => /Create|DeleteNetworkInterface$/.test(a)))).toEqual([]);
  });

  test('Lambda: the five actions it documents, private IP assignment limited to interfaces in the network\'s subnets', () => {
    // GIVEN / WHEN
    const statements = statementsFor(NetworkInterfaceUser.LAMBDA);

    // THEN
    expect(statements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'], Resource: interfaces, Condition: { ArnEquals: { 'ec2:Subnet': subnets } } },
      { Effect: 'Allow', Action: 'ec2:DescribeNetworkInterfaces', Resource: '*' },
    ]));
    expect(statements.flatMap((s) => [].concat(s.Action)).sort()).toEqual([...NetworkInterfaceUser.LAMBDA.actions].sort());
  });

  test('CodeBuild: CreateNetworkInterfacePermission only for CodeBuild and the network\'s subnets, as CodeBuild documents it', () => {
    // GIVEN / WHEN
    const statements = statementsFor(NetworkInterfaceUser.CODEBUILD);

    // THEN
    expect(statements).toEqual(expect.arrayContaining([{
      Effect: 'Allow',
      Action: 'ec2:CreateNetworkInterfacePermission',
      Resource: interfaces,
      Condition: { ArnEquals: { 'ec2:Subnet': subnets }, StringEquals: { 'ec2:AuthorizedService': 'codebuild.amazonaws.com' } },
    }]));
  });
});

describe('DeployTimeNetwork', () => {
  test('declares SSM-parameter-typed parameters defaulting to the names the platform network publishes, each when first used', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Template');
    const deployTime = new DeployTimeNetwork(stack, 'Network');
    const onlySubnets = new Stack(new App(), 'OnlySubnets');
    const subnetsOnly = new DeployTimeNetwork(onlySubnets, 'Network');

    // WHEN
    expect(subnetsOnly.subnetIds).toHaveLength(1);
    const used = [deployTime.vpcId, deployTime.vpcCidrBlock, deployTime.subnetIds, deployTime.securityGroupIds];

    // THEN
    expect(used).toHaveLength(4);
    const parameters = Template.fromStack(stack).toJSON().Parameters;
    expect(parameters.MlopsNetworkVpcId).toEqual(expect.objectContaining({ Type: 'AWS::SSM::Parameter::Value<AWS::EC2::VPC::Id>', Default: '/mlops/platform/network/vpc-id' }));
    expect(parameters.MlopsNetworkVpcCidr).toEqual(expect.objectContaining({ Type: 'AWS::SSM::Parameter::Value<String>', Default: '/mlops/platform/network/vpc-cidr' }));
    expect(parameters.MlopsNetworkSubnetIds).toEqual(expect.objectContaining({ Type: 'AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>', Default: '/mlops/platform/network/subnet-ids' }));
    expect(parameters.MlopsNetworkSecurityGroupIds).toEqual(expect.objectContaining({ Type: 'AWS::SSM::Parameter::Value<List<AWS::EC2::SecurityGroup::Id>>', Default: '/mlops/platform/network/security-group-ids' }));
    expect(deployTime.parameters).toHaveLength(4);
    expect(Object.keys(Template.fromStack(onlySubnets).toJSON().Parameters).filter((p) => p.startsWith('Mlops'))).toEqual(['MlopsNetworkSubnetIds']);
  });

  test('its subnets and groups are references to the parameters, and its grants limit interfaces to the VPC resolved at deploy time', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Template');
    const deployTime = new DeployTimeNetwork(stack, 'Network');
    const role = new ManagedPolicyRole(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });

    // WHEN
    deployTime.grantNetworkInterfaces(role, NetworkInterfaceUser.SAGEMAKER);

    // THEN
    expect(stack.resolve(deployTime.subnetIds)).toEqual({ Ref: 'MlopsNetworkSubnetIds' });
    expect(stack.resolve(deployTime.securityGroupIds)).toEqual({ Ref: 'MlopsNetworkSecurityGroupIds' });
    const ec2Arn = (rest: any[]) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ...rest]] });
    const inVpc = { ArnEquals: { 'ec2:Vpc': ec2Arn([':vpc/', { Ref: 'MlopsNetworkVpcId' }]) } };
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: 'ec2:CreateNetworkInterface', Resource: [ec2Arn([':subnet/*']), ec2Arn([':security-group/*'])], Condition: inVpc },
      { Effect: 'Allow', Action: 'ec2:CreateNetworkInterface', Resource: ec2Arn([':network-interface/*']) },
      { Effect: 'Allow', Action: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface'], Resource: ec2Arn([':network-interface/*']), Condition: inVpc },
    ]));
    // Fn::Join takes no computed delimiter, so ids of a list parameter never become ARNs in the template.
    expect(JSON.stringify(statements)).not.toContain('"Fn::Join":[{');
  });

  test('grants the deploying role ssm:GetParameters on the four parameters of its account and region', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Target', { env: { account: '333333333333', region: 'eu-west-1' } });
    const deployRole = new ManagedPolicyRole(stack, 'DeployRole', { assumedBy: new iam.AccountPrincipal('111111111111') });

    // WHEN
    DeployTimeNetwork.grantResolveParameters(deployRole);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: 'ssm:GetParameters',
          Resource: ['vpc-id', 'vpc-cidr', 'subnet-ids', 'security-group-ids'].map((n) => partition(`:ssm:eu-west-1:333333333333:parameter/mlops/platform/network/${n}`)),
        }],
      },
    });
  });

  test('fails on a second network in one template, and on a bad prefix', () => {
    const stack = new Stack(new App(), 'Template');
    new DeployTimeNetwork(stack, 'Network');
    expect(() => new DeployTimeNetwork(stack, 'Again')).toThrow(/DeployTimeNetwork Template\/Again: stack Template has a DeployTimeNetwork already .*; use that one/);
    expect(() => new DeployTimeNetwork(new Stack(new App(), 'T2'), 'Network', { parameterPrefix: '/aws/net' })).toThrow(/DeployTimeNetwork T2\/Network: parameterPrefix must not start with \/aws or \/ssm/);
  });
});
