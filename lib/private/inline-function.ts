import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeSourceCondition, LAMBDA_TRUST_REASON, NagRules, waive } from './compliance';
import { ManagedPolicyRole } from './managed-policy-role';
import { ServiceEndpoint } from '../network/service-endpoint';
import { ServiceUsage } from '../network/service-usage';
import { IWorkloadNetwork, NetworkInterfaceUser } from '../network/workload-network';

export interface InlineCustomResourceFunctionProps {
  /** The handler's source (CommonJS, `exports.handler`); the Node.js runtime's SDK v3 is available. */
  readonly source: string;
  readonly description: string;
  readonly encryptionKey: kms.IKey;
  /** What the function calls, for the compliance waiver: "the regional X API". */
  readonly calls: string;
  readonly timeout?: Duration;
  /**
   * The network to run in. The services the source requires (`require('@aws-sdk/client-x')`) and
   * S3 (CloudFormation's response URL is a presigned S3 URL) are declared for its VPC endpoints.
   */
  readonly network?: IWorkloadNetwork;
}

/**
 * The function behind a custom resource, with its code inline so the stack holding it needs no
 * asset (deployment templates and product stacks are deployed as bare templates): an encrypted
 * log group with retention, a role with only its log permissions (callers grant the rest), one
 * concurrent execution; in a VPC when given a network, with the network-interface permissions
 * Lambda documents and the services its source calls declared for the VPC's endpoints.
 */
export class InlineCustomResourceFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: InlineCustomResourceFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: logs.RetentionDays.ONE_YEAR,
    });
    props.encryptionKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
      },
    }));
    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    acknowledgeSourceCondition(this.role, 'lambda.amazonaws.com', LAMBDA_TRUST_REASON);
    logGroup.grantWrite(this.role);
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromInline(props.source),
      handler: 'index.handler',
      description: props.description,
      role: this.role,
      logGroup,
      timeout: props.timeout ?? Duration.minutes(2),
      reservedConcurrentExecutions: 1,
    });
    waive(this.function, {
      rules: ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'],
      reason: 'CloudFormation invokes this custom-resource function synchronously during a deployment and fails the stack on error; there is no event to keep',
    });
    // Derived before anything else, so a source requiring an SDK package with no known endpoint fails here.
    const services = [...ServiceUsage.ofSource(props.source), ServiceEndpoint.S3];
    if (props.network) {
      (this.function.node.defaultChild as lambda.CfnFunction).vpcConfig = {
        subnetIds: props.network.subnetIds,
        securityGroupIds: props.network.securityGroupIds,
      };
      // Lambda checks at CreateFunction that the role may create network interfaces.
      props.network.grantNetworkInterfaces(this.role, NetworkInterfaceUser.LAMBDA).applyBefore(this.function);
      ServiceUsage.declare(this, services, `the custom-resource function ${this.node.path} calls them and answers CloudFormation through S3`);
    } else {
      waive(this.function, {
        rules: [...NagRules.lambdaInVpc],
        reason: `the function calls only ${props.calls} and the CloudFormation response URL over TLS`,
      });
    }
  }
}

/**
 * The part of an inline custom-resource handler that answers CloudFormation (no cfn-response
 * module: the Node.js 24 runtime has no `context.done`). Defines `respond(event, status, data,
 * reason, physicalId)`.
 */
export const CUSTOM_RESOURCE_RESPONSE_SOURCE = `
const https = require('node:https');
function respond(event, status, data, reason, physicalId) {
  const body = JSON.stringify({ Status: status, Reason: reason || 'see the function logs', PhysicalResourceId: physicalId,
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: data });
  return new Promise((resolve, reject) => {
    const req = https.request(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}
`;
