import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PlatformNetwork, ServiceEndpoint, WorkloadNetwork } from '../../lib/network';
import { createEncryptionKey } from '../../lib/private/encryption-key';
import { CUSTOM_RESOURCE_RESPONSE_SOURCE, InlineCustomResourceFunction } from '../../lib/private/inline-function';

const env = { account: '111111111111', region: 'eu-west-1' };
const SOURCE = `${CUSTOM_RESOURCE_RESPONSE_SOURCE}
const { SSMClient, GetParameterCommand } = require('@aws-sdk/client-ssm');
exports.handler = async (event) => respond(event, 'SUCCESS', {}, undefined, 'x');
`;

describe('InlineCustomResourceFunction in a network', () => {
  test('runs in the network\'s subnets and groups, created only once its role may create network interfaces', () => {
    // GIVEN
    const stack = new Stack(new App(), 'S', { env });
    const network = WorkloadNetwork.fromIds({ vpcId: 'vpc-0123456789abcdef0', vpcCidrBlock: '10.0.0.0/16', subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'], securityGroupIds: ['sg-0ccccccccccccccc3'] });

    // WHEN
    const fn = new InlineCustomResourceFunction(stack, 'Handler', { source: SOURCE, description: 'reads a parameter', encryptionKey: createEncryptionKey(stack, 'Key', 'logs'), calls: 'SSM', network });

    // THEN
    const template = Template.fromStack(stack);
    const functions = template.findResources('AWS::Lambda::Function');
    const [resource] = Object.values(functions);
    expect(resource.Properties.VpcConfig).toEqual({ SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'], SecurityGroupIds: ['sg-0ccccccccccccccc3'] });
    const policyId = stack.getLogicalId(fn.role.node.findChild('Permissions').node.defaultChild as any);
    expect(resource.DependsOn).toEqual(expect.arrayContaining([policyId]));
    const statements = template.toJSON().Resources[policyId].Properties.PolicyDocument.Statement;
    expect(statements.flatMap((s: any) => [].concat(s.Action))).toEqual(expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:DescribeNetworkInterfaces']));
  });

  test('declares the services its source requires, and S3 for CloudFormation\'s response URL', () => {
    // GIVEN
    const stack = new Stack(new App(), 'S', { env });
    const network = new PlatformNetwork(stack, 'Network');

    // WHEN
    new InlineCustomResourceFunction(stack, 'Handler', { source: SOURCE, description: 'reads a parameter', encryptionKey: createEncryptionKey(stack, 'Key', 'logs'), calls: 'SSM', network });
    Template.fromStack(stack);

    // THEN
    expect(network.services()).toEqual([ServiceEndpoint.S3, ServiceEndpoint.SSM]);
    expect(network.endpointFor(ServiceEndpoint.SSM)).toBeDefined();
  });

  test('outside a network, acknowledges the VPC rule with what it calls', () => {
    // GIVEN
    const stack = new Stack(new App(), 'S', { env });

    // WHEN
    new InlineCustomResourceFunction(stack, 'Handler', { source: SOURCE, description: 'reads a parameter', encryptionKey: createEncryptionKey(stack, 'Key', 'logs'), calls: 'the regional SSM API' });

    // THEN
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    expect(resource.Properties.VpcConfig).toBeUndefined();
  });

  test('fails on a source requiring an SDK package whose endpoint is not known', () => {
    const stack = new Stack(new App(), 'S', { env });
    expect(() => new InlineCustomResourceFunction(stack, 'Handler', {
      source: "const ec2 = require('@aws-sdk/client-ec2');", description: 'x', encryptionKey: createEncryptionKey(stack, 'Key', 'logs'), calls: 'EC2',
    })).toThrow(/no VPC endpoint is known for @aws-sdk\/client-ec2/);
  });
});
