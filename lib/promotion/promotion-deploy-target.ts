import { Aspects, IAspect, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeSourceCondition, nagResourceName, waive } from '../private/compliance';
import { statementsPropOf } from '../private/prop-names';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { PromotionNames } from './promotion-names';
import { templateParameterArns, TemplatePermissionsAspect } from './template-permissions';

/**
 * A deployment template and the stack it is deployed as.
 */
export interface PromotionDeployment {
  /**
   * The deployment template (a stack defined with `ModelPromotionPipeline.templateSynthesizer()`).
   */
  readonly template: Stack;

  /**
   * The name of the CloudFormation stack it is deployed as in this account and region.
   */
  readonly stackName: string;
}

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
   * The deployment templates that the pipeline deploys in this account and region, each with its
   * stack name (staging and production share an account and region in a single-account setup).
   * The CloudFormation execution role gets exactly the permissions their resources need, scoped to
   * the names those resources get in those stacks.
   */
  readonly deployments: PromotionDeployment[];

  /**
   * The endpoint the staging smoke test invokes. Set it where staging is deployed only.
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
 * The staging or production side of a promotion, in one account and region: the role the
 * tooling account's pipeline assumes (`mlops-<project>-deploy-<region>`), the CloudFormation
 * execution role with exactly the permissions the deployment templates need
 * (`mlops-<project>-cfn-exec-<region>`), and (where staging is) the role the smoke test assumes to
 * invoke the endpoint. Every trust names the tooling account's role by ARN in an
 * `aws:PrincipalArn` condition on its account; nothing trusts `*`.
 *
 * One target per account and region: IAM names are per account, so the region in the names keeps
 * two regions of one account apart, and each target's roles are scoped to its own region.
 *
 * The alternative is `cdk bootstrap --trust <tooling account>`, whose roles the pipeline could
 * use instead; they grant far more (the execution policy you choose, typically administrator).
 */
export class PromotionDeployTarget extends Construct {
  /** The role the pipeline assumes to run CloudFormation here. */
  public readonly deployRole: iam.Role;
  /** The role CloudFormation uses to create the deployment stacks. */
  public readonly executionRole: iam.Role;
  /** The role the staging smoke test assumes, if any. */
  public readonly smokeTestRole?: iam.Role;

  constructor(scope: Construct, id: string, props: PromotionDeployTargetProps) {
    super(scope, id);
    const owner = `PromotionDeployTarget ${this.node.path}`;
    PromotionNames.validateProjectName(owner, props.projectName);
    const stack = Stack.of(this);
    const problems: string[] = [];
    if (!Token.isUnresolved(props.toolingAccount) && !/^\d{12}$/.test(props.toolingAccount)) {
      problems.push(`toolingAccount must be a 12-digit account id, got '${props.toolingAccount}'`);
    }
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) {
      problems.push('the stack needs an explicit account and region (env): the roles are named after the region and scoped to it');
    }
    if (props.deployments.length === 0) problems.push('deployments must name at least one deployment template and its stack');
    for (const { stackName } of props.deployments) {
      if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) problems.push(`stack name '${stackName}' is not a valid CloudFormation stack name`);
    }
    if (problems.length > 0) throw new Error(`${owner}: ${problems.join('; ')}`);

    const project = props.projectName;
    const region = stack.region;
    const toolingRegion = props.toolingRegion ?? region;
    const stackNames = [...new Set(props.deployments.map((d) => d.stackName))];
    const trustPipeline = (roleName: string) => new iam.AccountPrincipal(props.toolingAccount).withConditions({
      ArnEquals: { 'aws:PrincipalArn': PromotionNames.roleArn(stack.partition, props.toolingAccount, roleName) },
    });

    this.executionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      roleName: PromotionNames.executionRoleName(project, region),
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
      description: `CloudFormation creates the ${project} model deployments in ${region} with this role`,
    });
    acknowledgeSourceCondition(this.executionRole, 'cloudformation.amazonaws.com',
      'CloudFormation documents its service role trust without conditions (CloudFormation User Guide, using-iam-servicerole: trust cloudformation.amazonaws.com); only the deploy role of this project may pass it, to its own stacks');
    for (const statement of props.additionalExecutionStatements ?? []) {
      this.executionRole.addToPrincipalPolicy(statement);
    }
    // The templates may still grow after this construct (monitors, alarms): derive at synthesis.
    const ctx = { partition: stack.partition, region, account: stack.account };
    Aspects.of(this).add(new TemplatePermissionsAspect(this.executionRole, props.deployments, ctx, owner,
      (props.additionalExecutionStatements ?? []).length > 0, statementsPropOf(props, 'PromotionDeployTarget additionalExecutionStatements')));

    this.deployRole = new ManagedPolicyRole(this, 'DeployRole', {
      roleName: PromotionNames.deployRoleName(project, region),
      assumedBy: trustPipeline(PromotionNames.pipelineRoleName(project)),
      description: `The ${project} promotion pipeline in account ${props.toolingAccount} deploys models in ${region} with this role`,
    });
    const stackArns = stackNames.map((name) => stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${name}/*` }));
    this.deployRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DeployTheModelStacks',
      // What CodePipeline's CloudFormation deploy action calls for a create-or-update
      // (aws-cdk-lib grants an action role the same list).
      actions: ['cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents',
        'cloudformation:DescribeStackResources', 'cloudformation:GetTemplate', 'cloudformation:GetStackPolicy', 'cloudformation:SetStackPolicy',
        'cloudformation:CreateChangeSet', 'cloudformation:DescribeChangeSet', 'cloudformation:ExecuteChangeSet', 'cloudformation:DeleteChangeSet'],
      resources: stackArns,
    }));
    this.deployRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ValidateTemplates',
      // cloudformation:ValidateTemplate supports no resource-level permissions (IAM service authorization reference).
      actions: ['cloudformation:ValidateTemplate'],
      resources: ['*'],
    }));
    this.deployRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PassTheExecutionRole',
      actions: ['iam:PassRole'],
      resources: [this.executionRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    }));
    // The templates' SSM parameter types (the stage's hosting resources, the network) are resolved
    // when the stack is created or updated.
    Aspects.of(this).add(new ParameterReadAspect(this.deployRole, props.deployments, ctx));
    this.deployRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadPromotionArtifacts',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      // The pipeline's bucket, and its copy in this region when the pipeline is elsewhere.
      resources: this.artifactBuckets(project, props.toolingAccount, toolingRegion, region).map((b) => `arn:${stack.partition}:s3:::${b}/*`),
      conditions: { StringEquals: { 's3:ResourceAccount': props.toolingAccount } },
    }));
    this.deployRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DecryptPromotionArtifacts',
      actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey*'],
      // The pipeline's region, and this one, where CodePipeline copies artifacts for a deployment
      // in another region than the pipeline's.
      resources: [...new Set([toolingRegion, region])].map((r) => `arn:${stack.partition}:kms:${r}:${props.toolingAccount}:key/*`),
      conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': PromotionNames.artifactKeyAlias(project) } },
    }));
    const nagName = (r: string) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`;
    waive(this.deployRole, {
      rules: this.artifactBuckets(project, props.toolingAccount, toolingRegion, region).map((b) => nagName(`arn:${stack.partition}:s3:::${b}/*`)),
      reason: 'CodePipeline writes each execution\'s artifacts under generated keys of the promotion artifact bucket; the role reads objects of that bucket only',
    });
    waive(this.deployRole, {
      rules: [...new Set([toolingRegion, region])].map((r) => nagName(`arn:${stack.partition}:kms:${r}:${props.toolingAccount}:key/*`)),
      reason: `the tooling key's id is generated in another account; the kms:ResourceAliases condition limits use to ${PromotionNames.artifactKeyAlias(project)}`,
    });
    waive(this.deployRole, {
      rules: stackArns.map(nagName),
      reason: 'a CloudFormation stack ARN ends with a generated id; the name before it is fixed to the model deployment stacks',
    });
    waive(this.deployRole, {
      rules: ['AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'AwsSolutions-IAM5[Resource::*]'],
      reason: 'CodePipeline writes encrypted output artifacts with the pipeline key (GenerateDataKey and its WithoutPlaintext form), and cloudformation:ValidateTemplate supports no resource-level permissions',
    });

    if (props.smokeTestEndpointName !== undefined) {
      this.smokeTestRole = new ManagedPolicyRole(this, 'SmokeTestRole', {
        roleName: PromotionNames.smokeTestRoleName(project),
        assumedBy: trustPipeline(PromotionNames.smokeTestCallerRoleName(project)),
        description: `The ${project} promotion's smoke test invokes the staging endpoint with this role`,
      });
      const endpointArn = stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: props.smokeTestEndpointName.toLowerCase() });
      this.smokeTestRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'InvokeTheStagingEndpoint',
        actions: ['sagemaker:InvokeEndpoint', 'sagemaker:DescribeEndpoint'],
        resources: [endpointArn],
      }));
      this.smokeTestRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'SeeWhichPackageItServes',
        // The smoke test follows the endpoint to its configuration and models to check that it
        // serves the package being promoted; both are named by CloudFormation.
        actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:DescribeModel'],
        resources: [
          stack.formatArn({ service: 'sagemaker', resource: 'endpoint-config', resourceName: '*' }),
          stack.formatArn({ service: 'sagemaker', resource: 'model', resourceName: '*' }),
        ],
      }));
      waive(this.smokeTestRole, {
        rules: ['endpoint-config', 'model'].map((t) => nagName(stack.formatArn({ service: 'sagemaker', resource: t, resourceName: '*' }))),
        reason: 'the staging endpoint\'s configuration and models are replaced on every promotion under names CloudFormation generates; the role only describes them',
      });
    }
  }

  private artifactBuckets(project: string, toolingAccount: string, toolingRegion: string, region: string): string[] {
    return region === toolingRegion || Token.isUnresolved(region)
      ? [PromotionNames.artifactBucketName(project, toolingAccount)]
      : [PromotionNames.artifactBucketName(project, toolingAccount), PromotionNames.replicationBucketName(project, toolingAccount, region)];
  }
}

/** Lets a role resolve the SSM parameter types of the templates, once the templates are complete. */
class ParameterReadAspect implements IAspect {
  private done = false;
  constructor(private readonly role: iam.IRole, private readonly deployments: PromotionDeployment[], private readonly ctx: { partition: string; region: string; account: string }) {}

  public visit(_node: IConstruct): void {
    if (this.done) return;
    this.done = true;
    const arns = templateParameterArns(this.deployments, this.ctx);
    if (arns.length > 0) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ResolveTemplateParameters', actions: ['ssm:GetParameters', 'ssm:GetParameter'], resources: arns }));
    }
  }
}
