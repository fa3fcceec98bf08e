import { CustomResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NagRules, waive } from '../private/compliance';
import { ManagedPolicyRole } from '../private/managed-policy-role';

/**
 * Inline, so that a stack using it holds no asset and can be deployed as a bare template (the
 * model-deployment stack is). The Node.js runtime ships the SDK v3 SageMaker client. It answers
 * CloudFormation itself (no cfn-response: the Node 24 runtime has no `context.done`).
 */
export const BASELINES_HANDLER_SOURCE = `
const https = require('node:https');
const { SageMakerClient, DescribeModelPackageCommand } = require('@aws-sdk/client-sagemaker');
const client = new SageMakerClient({});
function respond(event, status, data, reason) {
  const body = JSON.stringify({ Status: status, Reason: reason || 'see the function logs', PhysicalResourceId: event.ResourceProperties.ModelPackageArn,
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: data });
  return new Promise((resolve, reject) => {
    const req = https.request(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}
exports.handler = async (event) => {
  if (event.RequestType === 'Delete') return respond(event, 'SUCCESS', {});
  const arn = event.ResourceProperties.ModelPackageArn;
  try {
    const pkg = await client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    const data = {};
    for (const [group, files] of Object.entries(pkg.DriftCheckBaselines || {})) {
      for (const [name, file] of Object.entries(files || {})) if (file && file.S3Uri) data[group + '.' + name] = file.S3Uri;
    }
    const missing = (event.ResourceProperties.RequiredBaselines || []).filter((f) => !data[f]);
    if (missing.length > 0) return respond(event, 'FAILED', {}, 'model package ' + arn + ' has no drift-check baseline ' + missing.join(', '));
    console.log(JSON.stringify({ modelPackageArn: arn, baselines: data }));
    return respond(event, 'SUCCESS', data);
  } catch (err) {
    console.error(err);
    return respond(event, 'FAILED', {}, 'could not describe model package ' + arn + ': ' + err.name + ': ' + err.message);
  }
};
`;

export interface ModelPackageBaselinesProps {
  readonly modelPackageArn: string;
  readonly encryptionKey: kms.IKey;
}

/**
 * Reads the drift-check baselines of a model package at deploy time (DescribeModelPackage), so a
 * static template can monitor whichever package its parameter names.
 */
export class ModelPackageBaselines extends Construct {
  private readonly resource: CustomResource;
  private readonly required = new Set<string>();

  constructor(scope: Construct, id: string, props: ModelPackageBaselinesProps) {
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
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Reads the drift-check baselines of the monitored model package',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeModelPackage'], resources: [props.modelPackageArn] }));
    logGroup.grantWrite(role);
    const fn = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromInline(BASELINES_HANDLER_SOURCE),
      handler: 'index.handler',
      description: 'Reads the drift-check baselines of a model package for Model Monitor',
      role,
      logGroup,
      timeout: Duration.minutes(2),
      reservedConcurrentExecutions: 1,
    });
    waive(fn, {
      rules: ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'],
      reason: 'CloudFormation invokes this custom-resource function synchronously during a deployment and fails the stack on error; there is no event to keep',
    });
    waive(fn, {
      rules: [...NagRules.lambdaInVpc],
      reason: 'the function calls only the regional SageMaker DescribeModelPackage API and the CloudFormation response URL over TLS',
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::ModelPackageBaselines',
      properties: {
        ModelPackageArn: props.modelPackageArn,
        // Filled in as monitors ask for fields, so a deployment fails naming a baseline the package lacks.
        RequiredBaselines: Lazy.list({ produce: () => [...this.required] }),
      },
    });
  }

  /** The S3 URI of one drift-check baseline, e.g. `ModelDataQuality.Constraints`. */
  public s3Uri(field: string): string {
    this.required.add(field);
    return this.resource.getAttString(field);
  }
}
