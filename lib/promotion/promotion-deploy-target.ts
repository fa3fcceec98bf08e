import { Aspects, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { nagResourceName, waive } from '../private/compliance';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { PromotionNames } from './promotion-names';
import { TemplatePermissionsAspect } from './template-permissions';

/**
 * Properties of a `PromotionDeployTarget`.
 */
export interface PromotionDeployTargetProps {
  /**
   * The project, as given to its `ModelPromotionPipeline`.
   */
  readonly projectName: string;

  /**
   * The tooling account that runs the promotion pipeline. Only its pipeline role may assume the
   * deploy role.
   */
  readonly toolingAccount: string;

  /**
   * The region of the promotion pipeline (where its artifact bucket and key live).
   *
   * @default - this stack's region
   */
  readonly toolingRegion?: string;

  /**
   * The deployment templates that the pipeline deploys here (staging and production share an
   * account in a single-account setup). The CloudFormation execution role gets exactly the
   * permissions their resource types need, scoped to `stackNames`.
   */
  readonly templates: Stack[];

  /**
   * The CloudFormation stacks the pipeline may create and update in this account.
   */
  readonly stackNames: string[];

  /**
   * The endpoint the staging smoke test invokes. Set it in the staging account only.
   *
   * @default - no smoke-test role
   */
  readonly smokeTestEndpointName?: string;

  /**
   * Statements for resource types the construct cannot derive permissions for.
   *
   * @default - none: an unknown resource type fails synthesis
   */
  readonly additionalExecutionStatements?: iam.PolicyStatement[];
}

/**
 * The staging or production account's side of a promotion: the role the tooling account's
 * pipeline assumes, the CloudFormation execution role with exactly the permissions the
 * deployment template needs, and (in staging) the role the smoke test assumes to invoke the
 * endpoint. Every trust names the tooling account's role by ARN; nothing trusts `*`.
 *
 * The alternative is `cdk bootstrap --trust <tooling account>`, whose roles the pipeline could
 * use instead; they grant far more (the execution policy you choose, typically administrator).
 */
export class PromotionDeployTarget extends Construct {
  /** The role the pipeline assumes to run CloudFormation here. */
  public readonly deployRole: iam.Role;
  /** The role CloudFormation uses to create the deployment stack. */
  public readonly executionRole: iam.Role;
  /** The role the staging smoke test assumes, if any. */
  public readonly smokeTestRole?: iam.Role;

  constructor(scope: Construct, id: string, props: PromotionDeployTargetProps) {
    super(scope, id);
    const owner = `PromotionDeployTarget ${this.node.path}`;
    PromotionNames.validateProjectName(owner, props.projectName);
    const problems: string[] = [];
    if (!Token.isUnresolved(props.toolingAccount) && !/^\d{12}$/.test(props.toolingAccount)) {
      problems.push(`toolingAccount must be a 12-digit account id, got '${props.toolingAccount}'`);
    }
    if (props.stackNames.length === 0) problems.push('stackNames must name at least one stack');
    for (const name of props.stackNames) {
      if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(name)) problems.push(`stack name '${name}' is not a valid CloudFormation stack name`);
    }
    if (problems.length > 0) throw new Error(`${owner}: ${problems.join('; ')}`);

    const stack = Stack.of(this);
    const project = props.projectName;
    const toolingRegion = props.toolingRegion ?? stack.region;
    const trustPipeline = (roleName: string) => new iam.AccountPrincipal(props.toolingAccount).withConditions({
      ArnEquals: { 'aws:PrincipalArn': PromotionNames.roleArn(stack.partition, props.toolingAccount, roleName) },
    });

    this.executionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      roleName: PromotionNames.executionRoleName(project),
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
      description: `CloudFormation creates the ${project} model deployment with this role`,
    });
    for (const statement of props.additionalExecutionStatements ?? []) {
      this.executionRole.addToPrincipalPolicy(statement);
    }
    // The template may still grow after this construct (monitors, alarms): derive at synthesis.
    if (props.templates.length === 0) throw new Error(`${owner}: templates must name at least one deployment template`);
    Aspects.of(this).add(new TemplatePermissionsAspect(this.executionRole, props.templates, {
      partition: stack.partition, region: stack.region, account: stack.account, stackNames: props.stackNames,
    }, owner, (props.additionalExecutionStatements ?? []).length > 0,
    'CloudFormation names new resources <stack>-<logical id>-<suffix>; patterns fix the stack name, and SageMaker, KMS and Auto Scaling resources are created with generated ids'));

    this.deployRole = new ManagedPolicyRole(this, 'DeployRole', {
      roleName: PromotionNames.deployRoleName(project),
      assumedBy: trustPipeline(PromotionNames.pipelineRoleName(project)),
      description: `The ${project} promotion pipeline in account ${props.toolingAccount} deploys models with this role`,
    });
    this.deployRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DeployTheModelStacks',
      actions: ['cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents',
        'cloudformation:DescribeStackResources', 'cloudformation:GetTemplate', 'cloudformation:CreateChangeSet', 'cloudformation:DescribeChangeSet',
        'cloudformation:ExecuteChangeSet', 'cloudformation:DeleteChangeSet'],
      resources: props.stackNames.map((name) => stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${name}/*` })),
    }));
    this.deployRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PassTheExecutionRole',
      actions: ['iam:PassRole'],
      resources: [this.executionRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    }));
    this.deployRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadPromotionArtifacts',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      // The pipeline's bucket, and its copy in this region when the pipeline is elsewhere.
      resources: this.artifactBuckets(project, props.toolingAccount, toolingRegion, stack.region).map((b) => `arn:${stack.partition}:s3:::${b}/*`),
      conditions: { StringEquals: { 's3:ResourceAccount': props.toolingAccount } },
    }));
    this.deployRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DecryptPromotionArtifacts',
      actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey*'],
      // The pipeline's region, and this one, where CodePipeline copies artifacts for a deployment
      // in another region than the pipeline's.
      resources: [...new Set([toolingRegion, stack.region])].map((region) => `arn:${stack.partition}:kms:${region}:${props.toolingAccount}:key/*`),
      conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': PromotionNames.artifactKeyAlias(project) } },
    }));
    const nagName = (r: string) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`;
    waive(this.deployRole, {
      rules: this.artifactBuckets(project, props.toolingAccount, toolingRegion, stack.region).map((b) => nagName(`arn:${stack.partition}:s3:::${b}/*`)),
      reason: 'CodePipeline writes each execution\'s artifacts under generated keys of the promotion artifact bucket; the role reads objects of that bucket only',
    });
    waive(this.deployRole, {
      rules: [...new Set([toolingRegion, stack.region])].map((region) => nagName(`arn:${stack.partition}:kms:${region}:${props.toolingAccount}:key/*`)),
      reason: `the tooling key's id is generated in another account; the kms:ResourceAliases condition limits use to ${PromotionNames.artifactKeyAlias(project)}`,
    });
    waive(this.deployRole, {
      rules: props.stackNames.map((name) => nagName(stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${name}/*` }))),
      reason: 'a CloudFormation stack ARN ends with a generated id; the name before it is fixed to the model deployment stacks',
    });
    waive(this.deployRole, {
      rules: ['AwsSolutions-IAM5[Action::kms:GenerateDataKey*]'],
      reason: 'CodePipeline writes encrypted output artifacts with the pipeline key; the wildcard covers GenerateDataKey and its WithoutPlaintext form only',
    });

    if (props.smokeTestEndpointName !== undefined) {
      this.smokeTestRole = new ManagedPolicyRole(this, 'SmokeTestRole', {
        roleName: PromotionNames.smokeTestRoleName(project),
        assumedBy: trustPipeline(PromotionNames.smokeTestCallerRoleName(project)),
        description: `The ${project} promotion's smoke test invokes the staging endpoint with this role`,
      });
      this.smokeTestRole.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['sagemaker:InvokeEndpoint'],
        resources: [stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: props.smokeTestEndpointName.toLowerCase() })],
      }));
    }
  }

  private artifactBuckets(project: string, toolingAccount: string, toolingRegion: string, region: string): string[] {
    return region === toolingRegion || Token.isUnresolved(region)
      ? [PromotionNames.artifactBucketName(project, toolingAccount)]
      : [PromotionNames.artifactBucketName(project, toolingAccount), PromotionNames.replicationBucketName(project, toolingAccount, region)];
  }
}
