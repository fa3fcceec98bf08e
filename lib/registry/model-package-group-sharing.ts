import { CustomResource, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { IModelPackageGroup } from './model-package-group';
import { IWorkloadNetwork } from '../network/workload-network';
import { createEncryptionKey } from '../private/encryption-key';
import { CUSTOM_RESOURCE_RESPONSE_SOURCE, InlineCustomResourceFunction } from '../private/inline-function';

/**
 * Merges this stack's statements into the resource policy of a model package group that exists
 * already (created elsewhere: CloudFormation's `ModelPackageGroupPolicy` belongs to the stack that
 * created the group). The statements of other owners are kept: only statements whose Sid starts
 * with this resource's prefix are replaced, and removed on delete.
 *
 * The SageMaker API model (botocore, GetModelPackageGroupPolicy) lists no error for a group
 * without a policy; an answer of ValidationException or ResourceNotFound that says so is read as
 * "no policy yet". Any other error fails the deployment with SageMaker's message: nothing is
 * overwritten blindly.
 */
export const GROUP_SHARING_HANDLER_SOURCE = `${CUSTOM_RESOURCE_RESPONSE_SOURCE}
const sm = require('@aws-sdk/client-sagemaker');
const client = new sm.SageMakerClient({});
function noPolicy(err) {
  return (err.name === 'ValidationException' || err.name === 'ResourceNotFound') && /polic/i.test(String(err.message));
}
async function currentStatements(group) {
  try {
    const answer = await client.send(new sm.GetModelPackageGroupPolicyCommand({ ModelPackageGroupName: group }));
    const policy = JSON.parse(answer.ResourcePolicy || '{}');
    return Array.isArray(policy.Statement) ? policy.Statement : (policy.Statement ? [policy.Statement] : []);
  } catch (err) {
    if (noPolicy(err)) return [];
    throw err;
  }
}
exports.handler = async (event) => {
  const p = event.ResourceProperties;
  const group = p.ModelPackageGroupName;
  const prefix = p.SidPrefix;
  const physicalId = group + '/' + prefix;
  try {
    const others = (await currentStatements(group)).filter((s) => !String(s.Sid || '').startsWith(prefix));
    const ours = event.RequestType === 'Delete' ? [] : JSON.parse(p.Statements);
    const statements = [...others, ...ours];
    if (statements.length === 0) {
      try {
        await client.send(new sm.DeleteModelPackageGroupPolicyCommand({ ModelPackageGroupName: group }));
      } catch (err) {
        if (!noPolicy(err)) throw err;
      }
    } else {
      await client.send(new sm.PutModelPackageGroupPolicyCommand({
        ModelPackageGroupName: group,
        ResourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      }));
    }
    console.log(JSON.stringify({ requestType: event.RequestType, group, kept: others.length, added: ours.length }));
    return respond(event, 'SUCCESS', {}, undefined, physicalId);
  } catch (err) {
    console.error(err);
    return respond(event, 'FAILED', {}, err.name + ': ' + err.message, event.PhysicalResourceId || physicalId);
  }
};
`;

/**
 * Properties of a `ModelPackageGroupSharing`.
 */
export interface ModelPackageGroupSharingProps {
  /** The group, in this stack's account and region (`ModelPackageGroup.fromModelPackageGroupName` / `fromModelPackageGroupArn`). */
  readonly modelPackageGroup: IModelPackageGroup;

  /** The accounts that may describe and list the group and its packages (read-only). */
  readonly accounts: string[];

  /**
   * Key of the handler's logs.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The network the handler runs in.
   *
   * @default - not in a VPC
   */
  readonly network?: IWorkloadNetwork;
}

/**
 * Shares a model package group that exists already (another team's registry, one created before
 * the platform) with accounts, read-only, as `ModelPackageGroup.shareWithAccounts` does for a
 * group of this app: `DescribeModelPackageGroup` on the group, `DescribeModelPackage` and
 * `ListModelPackages` on its packages. A custom resource merges these statements into the group's
 * resource policy (PutModelPackageGroupPolicy), keeping statements of other owners, and removes
 * only its own on delete.
 */
export class ModelPackageGroupSharing extends Construct {
  /** The statements added to the group's policy. */
  public readonly statements: iam.PolicyStatement[];
  /** The custom resource. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ModelPackageGroupSharingProps) {
    super(scope, id);
    const group = props.modelPackageGroup;
    const problems = props.accounts.filter((a) => !Token.isUnresolved(a) && !/^\d{12}$/.test(a)).map((a) => `accounts holds '${a}', not a 12-digit account id`);
    if (props.accounts.length === 0) problems.push('accounts must name at least one account');
    if (problems.length > 0) throw new Error(`ModelPackageGroupSharing ${this.node.path}: ${problems.join('; ')}`);

    const prefix = `Mlops${Names.uniqueId(this).replace(/[^A-Za-z0-9]/g, '').slice(-24)}`;
    const principals = [...new Set(props.accounts)].map((account) => new iam.AccountPrincipal(account));
    this.statements = [
      new iam.PolicyStatement({
        sid: `${prefix}Group`,
        principals,
        actions: ['sagemaker:DescribeModelPackageGroup'],
        resources: [group.modelPackageGroupArn],
      }),
      new iam.PolicyStatement({
        sid: `${prefix}Packages`,
        principals,
        actions: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
        resources: [group.modelPackageArn('*')],
      }),
    ];

    const encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', `Encrypts the logs of the sharing of model package group ${group.modelPackageGroupName}`);
    const handler = new InlineCustomResourceFunction(this, 'Handler', {
      source: GROUP_SHARING_HANDLER_SOURCE,
      description: `Shares model package group ${group.modelPackageGroupName} with the platform's accounts`,
      encryptionKey,
      calls: 'the regional SageMaker API',
      network: props.network,
    });
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ManageTheGroupPolicy',
      actions: ['sagemaker:GetModelPackageGroupPolicy', 'sagemaker:PutModelPackageGroupPolicy', 'sagemaker:DeleteModelPackageGroupPolicy'],
      resources: [group.modelPackageGroupArn],
    }));

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: handler.function.functionArn,
      resourceType: 'Custom::ModelPackageGroupSharing',
      properties: {
        ModelPackageGroupName: group.modelPackageGroupName,
        SidPrefix: prefix,
        Statements: Stack.of(this).toJsonString(this.statements.map((s) => s.toStatementJson())),
      },
    });
    // The function's permissions come before the first call.
    this.resource.node.addDependency(handler.role);
  }
}
