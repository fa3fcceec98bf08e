import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { PlatformNetwork, PlatformVpc, ServiceEndpoint, ServiceUsage } from '../../lib/network';
import { complianceProblems } from '../harness/compliance';

const env = { account: '111111111111', region: 'eu-west-1' };
const accounts = ['111111111111', '222222222222', '333333333333'];

/** An ARN of the stack's partition, as CloudFormation renders it. */
function arn(rest: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] };
}

function endpointsOf(template: Template): Array<{ ServiceName: string; VpcEndpointType: string; [k: string]: any }> {
  return Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((r: any) => r.Properties);
}

describe('PlatformNetwork, private mode (a VPC of its own)', () => {
  test('has isolated subnets in two Availability Zones and no internet path: no NAT gateway, internet gateway or public subnet', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Net', { env });

    // WHEN
    new PlatformNetwork(stack, 'Network', { trustedAccounts: accounts });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCGatewayAttachment', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    template.resourceCountIs('AWS::EC2::Route', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
    template.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] } });
    template.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] } });
    // Private DNS of interface endpoints needs both (SageMaker Developer Guide, AWS PrivateLink deployment).
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16', EnableDnsSupport: true, EnableDnsHostnames: true });
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
  });

  test('synthesizes without a context lookup (the Availability Zones are chosen at deploy time)', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Net', { env });
    new PlatformNetwork(stack, 'Network', { trustedAccounts: accounts, vpc: PlatformVpc.isolated({ availabilityZoneCount: 3 }) });

    // WHEN
    const assembly = app.synth();

    // THEN
    expect(assembly.manifest.missing ?? []).toEqual([]);
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::EC2::Subnet'))).toHaveLength(3);
  });

  test('creates an endpoint for each service declared in its account and region, and none for the rest', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Net', { env });
    new PlatformNetwork(stack, 'Network', { trustedAccounts: accounts });
    const workloads = new Stack(app, 'Workloads', { env });
    ServiceUsage.declare(new Construct(workloads, 'Handler'), [ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.SSM], 'a handler');
    ServiceUsage.declare(new Construct(workloads, 'Studio'), [ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.DYNAMODB], 'another');
    // Another region: not this network's business.
    const elsewhere = new Stack(app, 'Elsewhere', { env: { account: env.account, region: 'us-east-1' } });
    ServiceUsage.declare(new Construct(elsewhere, 'Handler'), [ServiceEndpoint.KMS], 'a handler in us-east-1');

    // WHEN
    const template = Template.fromStack(stack);

    // THEN
    const endpoints = endpointsOf(template).map((e) => `${e.VpcEndpointType} ${e.ServiceName}`).sort();
    expect(endpoints).toEqual([
      'Gateway com.amazonaws.eu-west-1.dynamodb',
      'Gateway com.amazonaws.eu-west-1.s3',
      'Interface com.amazonaws.eu-west-1.sagemaker.api',
      'Interface com.amazonaws.eu-west-1.ssm',
    ]);
  });

  test('interface endpoints use private DNS in the isolated subnets, behind a group admitting HTTPS from the VPC only', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Net', { env });
    const network = new PlatformNetwork(stack, 'Network', { trustedAccounts: accounts, additionalServices: [ServiceEndpoint.STS] });

    // WHEN
    const template = Template.fromStack(stack);

    // THEN
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.sts',
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SubnetIds: [{ Ref: Match.stringLikeRegexp('NetworkSubnet1') }, { Ref: Match.stringLikeRegexp('NetworkSubnet2') }],
      SecurityGroupIds: [{ 'Fn::GetAtt': [stack.getLogicalId(network.endpointSecurityGroup!.node.defaultChild as any), 'GroupId'] }],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Interface endpoints'),
      SecurityGroupIngress: [{ CidrIp: '10.0.0.0/16', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'HTTPS from the VPC' }],
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.s3',
      VpcEndpointType: 'Gateway',
      RouteTableIds: [{ Ref: Match.stringLikeRegexp('NetworkRouteTable1') }, { Ref: Match.stringLikeRegexp('NetworkRouteTable2') }],
    });
  });

  test('endpoint policies admit the platform\'s accounts only; the S3 gateway also only their buckets, and the AWS-owned buckets of ECR layers and CloudFormation responses', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Net', { env });
    new PlatformNetwork(stack, 'Network', { trustedAccounts: accounts, additionalServices: [ServiceEndpoint.SSM] });

    // WHEN
    const template = Template.fromStack(stack);

    // THEN
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.ssm',
      PolicyDocument: {
        Statement: [{
          Sid: 'PlatformPrincipals', Effect: 'Allow', Principal: { AWS: '*' }, Action: '*', Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalAccount': accounts } },
        }],
      },
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.s3',
      PolicyDocument: {
        Statement: [
          {
            Sid: 'PlatformPrincipalsToPlatformResources', Effect: 'Allow', Principal: { AWS: '*' }, Action: '*', Resource: '*',
            Condition: { StringEquals: { 'aws:PrincipalAccount': accounts, 'aws:ResourceAccount': accounts } },
          },
          { Sid: 'EcrImageLayers', Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: arn(':s3:::prod-eu-west-1-starport-layer-bucket/*') },
          { Sid: 'CloudFormationCustomResourceResponses', Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: arn(':s3:::cloudformation-custom-resource-response-euwest1/*') },
        ],
      },
    });
  });

  test('with an organization, policies name it (aws:PrincipalOrgID, aws:ResourceOrgID) instead of accounts', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Net', { env });

    // WHEN
    new PlatformNetwork(stack, 'Network', { organizationId: 'o-abcdef1234' });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.s3',
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234', 'aws:ResourceOrgID': 'o-abcdef1234' } },
        })]),
      },
    });
  });

  test('publishes its ids in SSM parameters for deploy-time templates', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Net', { env });

    // WHEN
    const network = new PlatformNetwork(stack, 'Network', { trustedAccounts: accounts });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/mlops/platform/network/vpc-id', Type: 'String', Value: { Ref: Match.stringLikeRegexp('NetworkVpc') } });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/mlops/platform/network/vpc-cidr', Type: 'String', Value: '10.0.0.0/16' });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/mlops/platform/network/subnet-ids',
      Type: 'StringList',
      Value: { 'Fn::Join': [',', [{ Ref: Match.stringLikeRegexp('NetworkSubnet1') }, { Ref: Match.stringLikeRegexp('NetworkSubnet2') }]] },
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/mlops/platform/network/security-group-ids',
      Type: 'StringList',
      Value: { 'Fn::GetAtt': [stack.getLogicalId(network.workloadSecurityGroup.node.defaultChild as any), 'GroupId'] },
    });
  });

  test('the workloads\' group sends HTTPS out and any TCP between its members, and admits nothing else', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Net', { env });

    // WHEN
    const network = new PlatformNetwork(stack, 'Network', { trustedAccounts: accounts });

    // THEN
    const template = Template.fromStack(stack);
    const id = stack.getLogicalId(network.workloadSecurityGroup.node.defaultChild as any);
    const group = template.toJSON().Resources[id].Properties;
    expect(group.SecurityGroupIngress).toBeUndefined();
    expect(group.SecurityGroupEgress.map((r: any) => `${r.IpProtocol} ${r.FromPort}-${r.ToPort} ${r.CidrIp}`).sort()).toEqual(['tcp 443-443 0.0.0.0/0', 'tcp 443-443 10.0.0.0/16']);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: { 'Fn::GetAtt': [id, 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [id, 'GroupId'] }, FromPort: 0, ToPort: 65535 });
  });

  test('counts the services of a deployment template it serves, and the template\'s own stack no longer does', () => {
    // GIVEN
    const app = new App();
    const tooling = new Stack(app, 'Tooling', { env });
    const toolingNetwork = new PlatformNetwork(tooling, 'Network', { trustedAccounts: accounts });
    const production = new Stack(app, 'Production', { env: { account: '333333333333', region: 'eu-west-1' } });
    const productionNetwork = new PlatformNetwork(production, 'Network', { trustedAccounts: accounts });
    // A template synthesized inside the tooling stack, deployed to production by the promotion.
    const template = new Stack(tooling, 'ProductionDeployment');
    ServiceUsage.declare(new Construct(template, 'Baselines'), [ServiceEndpoint.SAGEMAKER_API], 'reads drift-check baselines');

    // WHEN
    productionNetwork.serve(template);
    app.synth();

    // THEN
    expect(productionNetwork.services().map((s) => s.serviceName)).toEqual(['s3', 'sagemaker.api']);
    expect(toolingNetwork.services().map((s) => s.serviceName)).toEqual(['s3']);
    expect(productionNetwork.endpointFor(ServiceEndpoint.SAGEMAKER_API)).toBeDefined();
  });

  test('is compliant: four cdk-nag packs and cfn-lint', () => {
    expect(complianceProblems((app) => {
      const stack = new Stack(app, 'Net', { env });
      new PlatformNetwork(stack, 'Network', { trustedAccounts: accounts, additionalServices: [ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.DYNAMODB] });
    })).toEqual([]);
  });
});

describe('PlatformNetwork over a VPC that exists', () => {
  const existing = {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '10.20.0.0/16',
    subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
    routeTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  };

  test('creates no VPC, puts its endpoints in the given subnets and route tables, and makes no lookup', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Net', { env });

    // WHEN
    new PlatformNetwork(stack, 'Network', { trustedAccounts: accounts, vpc: PlatformVpc.fromAttributes(existing), additionalServices: [ServiceEndpoint.SSM] });
    const assembly = app.synth();

    // THEN
    const template = Template.fromStack(stack);
    expect(assembly.manifest.missing ?? []).toEqual([]);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 0);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.eu-west-1.ssm', VpcId: existing.vpcId, SubnetIds: existing.subnetIds });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.eu-west-1.s3', RouteTableIds: existing.routeTableIds });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/mlops/platform/network/subnet-ids', Value: existing.subnetIds.join(',') });
  });

  test('with the gateway prefix lists given, workloads send HTTPS to them and the VPC only', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Net', { env });

    // WHEN
    const network = new PlatformNetwork(stack, 'Network', { trustedAccounts: accounts, vpc: PlatformVpc.fromAttributes({ ...existing, gatewayPrefixListIds: ['pl-6da54004'] }) });

    // THEN
    const template = Template.fromStack(stack);
    const id = stack.getLogicalId(network.workloadSecurityGroup.node.defaultChild as any);
    expect(template.toJSON().Resources[id].Properties.SecurityGroupEgress.map((r: any) => `${r.FromPort} ${r.CidrIp}`)).toEqual(['443 10.20.0.0/16']);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: { 'Fn::GetAtt': [id, 'GroupId'] }, DestinationPrefixListId: 'pl-6da54004', FromPort: 443, ToPort: 443 });
    expect(JSON.stringify(template.findResources('AWS::EC2::SecurityGroupEgress'))).not.toContain('0.0.0.0/0');
  });

  test('fails at synth when endpoints are not managed and a declared service has none, naming the service and who calls it', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Net', { env });
    new PlatformNetwork(stack, 'Network', {
      trustedAccounts: accounts,
      vpc: PlatformVpc.fromAttributes(existing),
      manageEndpoints: false,
      existingEndpoints: [ServiceEndpoint.S3, ServiceEndpoint.SAGEMAKER_API],
    });
    ServiceUsage.declare(new Construct(stack, 'SmokeTest'), [ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.SAGEMAKER_RUNTIME], 'invokes the staging endpoint');

    // WHEN / THEN
    expect(() => app.synth()).toThrow(/PlatformNetwork Net\/Network: the VPC has no endpoint for sagemaker\.runtime \(SageMaker Runtime\), which Net\/SmokeTest calls \(invokes the staging endpoint\); add ServiceEndpoint for it to existingEndpoints/);
  });

  test('fails on ids that are not ids, naming each', () => {
    const stack = new Stack(new App(), 'Net', { env });
    expect(() => new PlatformNetwork(stack, 'Network', {
      trustedAccounts: accounts,
      vpc: PlatformVpc.fromAttributes({ ...existing, vpcId: 'my-vpc', subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'], availabilityZones: ['eu-west-1a'] }),
    })).toThrow(/PlatformNetwork Net\/Network: vpcId must be a VPC id \(vpc-\.\.\.\), got 'my-vpc'; subnetIds must name private subnets in at least two Availability Zones, got 1/);
  });
});

describe('PlatformNetwork input', () => {
  test('fails on bad accounts, organization, prefix and VPC shape, in one error', () => {
    const stack = new Stack(new App(), 'Net', { env });
    expect(() => new PlatformNetwork(stack, 'Network', {
      trustedAccounts: ['1234'],
      organizationId: 'org-1',
      parameterPrefix: 'mlops/network/',
    })).toThrow(/PlatformNetwork Net\/Network: parameterPrefix must be an SSM parameter path .* got 'mlops\/network\/'; trustedAccounts holds '1234', not a 12-digit account id; organizationId must be an organization id \(o-\.\.\.\), got 'org-1'/);
  });

  test('fails on a CIDR block too small for its subnets', () => {
    const stack = new Stack(new App(), 'Net', { env });
    expect(() => new PlatformNetwork(stack, 'Network', { vpc: PlatformVpc.isolated({ cidr: '10.0.0.0/24', availabilityZoneCount: 3, subnetPrefixLength: 25 }) }))
      .toThrow(/PlatformNetwork Net\/Network: vpc cidr 10\.0\.0\.0\/24 cannot hold 3 subnets of \/25/);
  });
});
