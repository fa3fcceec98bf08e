import { CustomResource, Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { IWorkloadNetwork } from '../network/workload-network';
import { CUSTOM_RESOURCE_RESPONSE_SOURCE, InlineCustomResourceFunction } from '../private/inline-function';

/**
 * Inline, so that a stack using it holds no asset and can be deployed as a bare template (the
 * model-deployment stack is). The Node.js runtime ships the SDK v3 SageMaker client. It answers
 * CloudFormation itself (no cfn-response: the Node 24 runtime has no `context.done`).
 */
export const BASELINES_HANDLER_SOURCE = `${CUSTOM_RESOURCE_RESPONSE_SOURCE}
const { SageMakerClient, DescribeModelPackageCommand } = require('@aws-sdk/client-sagemaker');
const client = new SageMakerClient({});
exports.handler = async (event) => {
  const physicalId = event.ResourceProperties.ModelPackageArn;
  if (event.RequestType === 'Delete') return respond(event, 'SUCCESS', {}, undefined, physicalId);
  const arn = event.ResourceProperties.ModelPackageArn;
  try {
    const pkg = await client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    const data = {};
    for (const [group, files] of Object.entries(pkg.DriftCheckBaselines || {})) {
      for (const [name, file] of Object.entries(files || {})) if (file && file.S3Uri) data[group + '.' + name] = file.S3Uri;
    }
    const missing = (event.ResourceProperties.RequiredBaselines || []).filter((f) => !data[f]);
    if (missing.length > 0) return respond(event, 'FAILED', {}, 'model package ' + arn + ' has no drift-check baseline ' + missing.join(', '), physicalId);
    console.log(JSON.stringify({ modelPackageArn: arn, baselines: data }));
    return respond(event, 'SUCCESS', data, undefined, physicalId);
  } catch (err) {
    console.error(err);
    return respond(event, 'FAILED', {}, 'could not describe model package ' + arn + ': ' + err.name + ': ' + err.message, physicalId);
  }
};
`;

export interface ModelPackageBaselinesProps {
  readonly modelPackageArn: string;
  readonly encryptionKey: kms.IKey;
  /** The network the lookup function runs in, if any. */
  readonly network?: IWorkloadNetwork;
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
    const handler = new InlineCustomResourceFunction(this, 'Handler', {
      source: BASELINES_HANDLER_SOURCE,
      description: 'Reads the drift-check baselines of a model package for Model Monitor',
      encryptionKey: props.encryptionKey,
      calls: 'the regional SageMaker DescribeModelPackage API',
      network: props.network,
    });
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeModelPackage'], resources: [props.modelPackageArn] }));
    const fn = handler.function;
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
