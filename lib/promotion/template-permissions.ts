import { CfnParameter, CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { nagResourceName, waive } from '../private/compliance';
import { isSet, nameDeploymentResources, propertyOf, resolveName } from './deployment-template-names';

/**
 * A deployment template and the name of the stack it is deployed as in one account and region.
 */
export interface TemplateDeployment {
  readonly template: Stack;
  readonly stackName: string;
}

export interface PermissionContext {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** One resource of a template, with the physical name it gets in one stack. */
interface NamedResource {
  readonly resource: CfnResource;
  readonly stackName: string;
  /** The resource's name (or IAM path) in that stack, when the type has one. */
  readonly name?: string;
}

/**
 * What CloudFormation needs to create, update and delete one resource type, scoped to the
 * resource's own name where the type has one (`arn`), or to the patterns of a type whose names
 * SageMaker or CloudFormation generate so that it can be replaced (`patterns`).
 */
interface TypePermissions {
  readonly actions: string[];
  /** The name property, when the type is scoped by name. */
  readonly nameProperty?: string;
  /** The resource's ARNs from its name. */
  readonly arns?: (name: string, ctx: PermissionContext) => string[];
  /** Fixed patterns with `{partition}`, `{region}` and `{account}`. */
  readonly patterns?: string[];
  /** Statements that need their own resources or conditions. */
  readonly extra?: (ctx: PermissionContext, resources: NamedResource[], all: NamedResource[]) => iam.PolicyStatement[];
}

const SAGEMAKER_TAGS = ['sagemaker:AddTags', 'sagemaker:DeleteTags', 'sagemaker:ListTags'];

const sagemakerArn = (type: string) => (name: string, ctx: PermissionContext) =>
  // SageMaker writes resource names in lower case in its ARNs.
  [`arn:${ctx.partition}:sagemaker:${ctx.region}:${ctx.account}:${type}/${name.toLowerCase()}`];

const iamArns = (kind: 'role' | 'policy') => (name: string, ctx: PermissionContext) =>
  // A path (`/a/b/`) scopes every role or policy under it; a name, exactly one.
  [name.startsWith('/') ? `arn:${ctx.partition}:iam::${ctx.account}:${kind}${name}*` : `arn:${ctx.partition}:iam::${ctx.account}:${kind}/${name}`];

const rolesOf = (all: NamedResource[], ctx: PermissionContext) => unique(all
  .filter((r) => r.resource.cfnResourceType === 'AWS::IAM::Role' && r.name !== undefined)
  .flatMap((r) => iamArns('role')(r.name!, ctx)));

const PERMISSIONS: { [type: string]: TypePermissions } = {
  'AWS::CDK::Metadata': { actions: [] },
  'AWS::SageMaker::Model': {
    actions: ['sagemaker:CreateModel', 'sagemaker:DeleteModel', 'sagemaker:DescribeModel', ...SAGEMAKER_TAGS],
    // A new model package replaces the model: CloudFormation names it, so that it can.
    patterns: ['arn:{partition}:sagemaker:{region}:{account}:model/*'],
    extra: (ctx) => [new iam.PolicyStatement({
      sid: 'ReadSharedModelPackages',
      actions: ['sagemaker:DescribeModelPackage'],
      resources: [`arn:${ctx.partition}:sagemaker:${ctx.region}:*:model-package/*`],
    })],
  },
  'AWS::SageMaker::ModelPackageGroup': {
    actions: ['sagemaker:CreateModelPackageGroup', 'sagemaker:DeleteModelPackageGroup', 'sagemaker:DescribeModelPackageGroup',
      'sagemaker:PutModelPackageGroupPolicy', 'sagemaker:GetModelPackageGroupPolicy', 'sagemaker:DeleteModelPackageGroupPolicy', ...SAGEMAKER_TAGS],
    // Named after a parameter (a product's SageMakerProjectName) only known when it is launched.
    patterns: ['arn:{partition}:sagemaker:{region}:{account}:model-package-group/*'],
  },
  'AWS::SageMaker::Pipeline': {
    actions: ['sagemaker:CreatePipeline', 'sagemaker:UpdatePipeline', 'sagemaker:DeletePipeline', 'sagemaker:DescribePipeline', ...SAGEMAKER_TAGS],
    patterns: ['arn:{partition}:sagemaker:{region}:{account}:pipeline/*'],
  },
  'AWS::SageMaker::EndpointConfig': {
    actions: ['sagemaker:CreateEndpointConfig', 'sagemaker:DeleteEndpointConfig', 'sagemaker:DescribeEndpointConfig', ...SAGEMAKER_TAGS],
    patterns: ['arn:{partition}:sagemaker:{region}:{account}:endpoint-config/*'],
    extra: (ctx) => [new iam.PolicyStatement({
      sid: 'EndpointStorageKeys',
      // "The KMS key policy must grant permission to the IAM role that you specify in your
      // CreateEndpoint, UpdateEndpoint requests" (botocore, CreateEndpointConfig KmsKeyId): SageMaker
      // uses the storage and capture keys with the caller's permissions, and only through SageMaker.
      actions: ['kms:CreateGrant', 'kms:DescribeKey'],
      resources: [`arn:${ctx.partition}:kms:${ctx.region}:${ctx.account}:key/*`],
      conditions: { StringEquals: { 'kms:ViaService': `sagemaker.${ctx.region}.amazonaws.com` } },
    })],
  },
  'AWS::SageMaker::Endpoint': {
    actions: ['sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:DeleteEndpoint', 'sagemaker:DescribeEndpoint',
      'sagemaker:UpdateEndpointWeightsAndCapacities', ...SAGEMAKER_TAGS],
    nameProperty: 'EndpointName',
    // CreateEndpoint and UpdateEndpoint authorize the endpoint configuration too.
    arns: (name, ctx) => [...sagemakerArn('endpoint')(name, ctx), `arn:${ctx.partition}:sagemaker:${ctx.region}:${ctx.account}:endpoint-config/*`],
    extra: (ctx, _resources, all) => {
      // SageMaker reads a deployment's rollback alarms with the caller's permissions.
      const alarms = all.filter((r) => r.resource.cfnResourceType === 'AWS::CloudWatch::Alarm' && r.name !== undefined)
        .map((r) => `arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.account}:alarm:${r.name}`);
      return alarms.length > 0 ? [new iam.PolicyStatement({ sid: 'ReadRollbackAlarms', actions: ['cloudwatch:DescribeAlarms'], resources: unique(alarms) })] : [];
    },
  },
  'AWS::SageMaker::DataQualityJobDefinition': jobDefinition('DataQualityJobDefinition', 'data-quality-job-definition'),
  'AWS::SageMaker::ModelQualityJobDefinition': jobDefinition('ModelQualityJobDefinition', 'model-quality-job-definition'),
  'AWS::SageMaker::ModelBiasJobDefinition': jobDefinition('ModelBiasJobDefinition', 'model-bias-job-definition'),
  'AWS::SageMaker::ModelExplainabilityJobDefinition': jobDefinition('ModelExplainabilityJobDefinition', 'model-explainability-job-definition'),
  'AWS::SageMaker::MonitoringSchedule': {
    actions: ['sagemaker:CreateMonitoringSchedule', 'sagemaker:UpdateMonitoringSchedule', 'sagemaker:DeleteMonitoringSchedule',
      'sagemaker:DescribeMonitoringSchedule', 'sagemaker:StartMonitoringSchedule', 'sagemaker:StopMonitoringSchedule', ...SAGEMAKER_TAGS],
    nameProperty: 'MonitoringScheduleName',
    arns: sagemakerArn('monitoring-schedule'),
  },
  'AWS::IAM::Role': {
    actions: ['iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:TagRole', 'iam:UntagRole',
      'iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy', 'iam:AttachRolePolicy',
      'iam:DetachRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies'],
    nameProperty: 'Path',
    arns: iamArns('role'),
    extra: (ctx, _resources, all) => [new iam.PolicyStatement({
      sid: 'PassStackRoles',
      actions: ['iam:PassRole'],
      resources: rolesOf(all, ctx),
      conditions: { StringEquals: { 'iam:PassedToService': ['sagemaker.amazonaws.com', 'events.amazonaws.com', 'scheduler.amazonaws.com', 'lambda.amazonaws.com'] } },
    })],
  },
  'AWS::IAM::ManagedPolicy': {
    actions: ['iam:CreatePolicy', 'iam:DeletePolicy', 'iam:GetPolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion',
      'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:TagPolicy', 'iam:UntagPolicy'],
    nameProperty: 'Path',
    arns: iamArns('policy'),
    extra: (ctx, _resources, all) => [new iam.PolicyStatement({
      sid: 'AttachStackPolicies',
      actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
      resources: rolesOf(all, ctx),
    })],
  },
  'AWS::KMS::Key': {
    actions: ['kms:DescribeKey', 'kms:PutKeyPolicy', 'kms:GetKeyPolicy', 'kms:EnableKeyRotation', 'kms:GetKeyRotationStatus',
      'kms:ScheduleKeyDeletion', 'kms:TagResource', 'kms:UntagResource', 'kms:ListResourceTags', 'kms:CreateGrant', 'kms:UpdateKeyDescription'],
    // Keys have no name: KMS generates their ids.
    patterns: ['arn:{partition}:kms:{region}:{account}:key/*'],
    extra: () => [new iam.PolicyStatement({
      sid: 'CreateKeys',
      // kms:CreateKey has no resource to scope to: the key does not exist yet.
      actions: ['kms:CreateKey'],
      resources: ['*'],
    })],
  },
  // Inline policies of the template's roles: PutRolePolicy comes with AWS::IAM::Role.
  'AWS::IAM::Policy': { actions: [] },
  'AWS::S3::Bucket': {
    actions: ['s3:CreateBucket', 's3:DeleteBucket', 's3:GetBucketLocation', 's3:ListBucket', 's3:PutBucketPublicAccessBlock',
      's3:GetBucketPublicAccessBlock', 's3:PutEncryptionConfiguration', 's3:GetEncryptionConfiguration', 's3:PutBucketVersioning',
      's3:GetBucketVersioning', 's3:PutBucketLogging', 's3:GetBucketLogging', 's3:PutLifecycleConfiguration',
      's3:GetLifecycleConfiguration', 's3:PutBucketOwnershipControls', 's3:GetBucketOwnershipControls', 's3:PutBucketTagging',
      's3:GetBucketTagging', 's3:PutBucketNotification', 's3:GetBucketNotification', 's3:PutBucketPolicy', 's3:GetBucketPolicy',
      's3:DeleteBucketPolicy'],
    // Bucket names are global: a deployment template must name its buckets (NAMED_TYPES does not,
    // as no name both fits 63 characters and stays unique per account, region and stack).
    nameProperty: 'BucketName',
    arns: (name, ctx) => [`arn:${ctx.partition}:s3:::${name}`],
  },
  'AWS::S3::BucketPolicy': { actions: [] },
  'AWS::CloudWatch::Alarm': {
    actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
    nameProperty: 'AlarmName',
    arns: (name, ctx) => [`arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.account}:alarm:${name}`],
  },
  'AWS::ApplicationAutoScaling::ScalableTarget': {
    actions: ['application-autoscaling:RegisterScalableTarget', 'application-autoscaling:DeregisterScalableTarget',
      'application-autoscaling:TagResource'],
    patterns: ['arn:{partition}:application-autoscaling:{region}:{account}:scalable-target/*'],
    extra: (ctx) => [
      new iam.PolicyStatement({
        sid: 'DescribeScaling',
        // Application Auto Scaling's Describe* calls support no resource-level permissions.
        actions: ['application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingPolicies'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'SageMakerScalingServiceLinkedRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [`arn:${ctx.partition}:iam::${ctx.account}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/*`],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' } },
      }),
    ],
  },
  'AWS::ApplicationAutoScaling::ScalingPolicy': {
    actions: ['application-autoscaling:PutScalingPolicy', 'application-autoscaling:DeleteScalingPolicy'],
    patterns: ['arn:{partition}:application-autoscaling:{region}:{account}:scalable-target/*'],
    extra: (ctx) => [new iam.PolicyStatement({
      sid: 'TargetTrackingAlarms',
      // Target tracking creates its alarms under names Application Auto Scaling chooses.
      actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms'],
      resources: [`arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.account}:alarm:TargetTracking-*`],
    })],
  },
  'AWS::SNS::Topic': {
    actions: ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:TagResource', 'sns:UntagResource', 'sns:ListTagsForResource'],
    nameProperty: 'TopicName',
    arns: (name, ctx) => [`arn:${ctx.partition}:sns:${ctx.region}:${ctx.account}:${name}`],
    extra: (ctx, resources, all) => all.some((r) => r.resource.cfnResourceType === 'AWS::SNS::TopicPolicy')
      ? [new iam.PolicyStatement({ sid: 'TopicPolicies', actions: ['sns:SetTopicAttributes', 'sns:GetTopicAttributes'], resources: unique(resources.map((r) => `arn:${ctx.partition}:sns:${ctx.region}:${ctx.account}:${r.name}`)) })]
      : [],
  },
  'AWS::SNS::TopicPolicy': { actions: [] },
  'AWS::Events::Rule': {
    actions: ['events:PutRule', 'events:DeleteRule', 'events:DescribeRule', 'events:PutTargets', 'events:RemoveTargets', 'events:TagResource', 'events:UntagResource'],
    nameProperty: 'Name',
    // Rules of the default bus; a rule on another bus is `rule/<bus>/<name>`.
    arns: (name, ctx) => [`arn:${ctx.partition}:events:${ctx.region}:${ctx.account}:rule/${name}`],
  },
  'AWS::SQS::Queue': {
    actions: ['sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:TagQueue', 'sqs:UntagQueue', 'sqs:ListQueueTags'],
    nameProperty: 'QueueName',
    arns: (name, ctx) => [`arn:${ctx.partition}:sqs:${ctx.region}:${ctx.account}:${name}`],
  },
  // A queue policy sets the attributes of queues of the template, granted above.
  'AWS::SQS::QueuePolicy': { actions: [] },
  'AWS::Logs::LogGroup': {
    actions: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:AssociateKmsKey',
      'logs:DisassociateKmsKey', 'logs:TagResource', 'logs:UntagResource', 'logs:ListTagsForResource', 'logs:TagLogGroup', 'logs:UntagLogGroup'],
    nameProperty: 'LogGroupName',
    arns: (name, ctx) => [`arn:${ctx.partition}:logs:${ctx.region}:${ctx.account}:log-group:${name}`, `arn:${ctx.partition}:logs:${ctx.region}:${ctx.account}:log-group:${name}:*`],
    extra: (ctx) => [new iam.PolicyStatement({
      sid: 'DescribeLogGroups',
      actions: ['logs:DescribeLogGroups'],
      resources: [`arn:${ctx.partition}:logs:${ctx.region}:${ctx.account}:log-group:*`],
    })],
  },
  'AWS::Lambda::Function': {
    actions: ['lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:GetFunction', 'lambda:GetFunctionConfiguration',
      'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:TagResource', 'lambda:UntagResource', 'lambda:ListTags',
      'lambda:AddPermission', 'lambda:RemovePermission',
      // CloudFormation invokes a custom resource's function with the execution role.
      'lambda:InvokeFunction'],
    nameProperty: 'FunctionName',
    arns: (name, ctx) => [`arn:${ctx.partition}:lambda:${ctx.region}:${ctx.account}:function:${name}`],
  },
  'AWS::Lambda::Permission': { actions: [] },
  'AWS::Scheduler::Schedule': {
    actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
    nameProperty: 'Name',
    arns: (name, ctx) => [`arn:${ctx.partition}:scheduler:${ctx.region}:${ctx.account}:schedule/default/${name}`],
  },
};

function jobDefinition(name: string, arnType: string): TypePermissions {
  return {
    actions: [`sagemaker:Create${name}`, `sagemaker:Delete${name}`, `sagemaker:Describe${name}`, ...SAGEMAKER_TAGS],
    // Every change of a job definition replaces it: CloudFormation names it, so that it can.
    patterns: [`arn:{partition}:sagemaker:{region}:{account}:${arnType}/*`],
  };
}

/** The resource types whose permissions we can derive. */
export const SUPPORTED_TEMPLATE_RESOURCE_TYPES = Object.keys(PERMISSIONS);

/** Why a template's execution role cannot be derived, per template. */
export interface PermissionProblem {
  readonly templatePath: string;
  readonly problem: string;
}

/**
 * The statements a CloudFormation execution role needs for the resources of deployment
 * templates deployed as the given stacks, and what could not be derived.
 */
export function templatePermissions(deployments: TemplateDeployment[], ctx: PermissionContext): { statements: iam.PolicyStatement[]; unsupported: PermissionProblem[] } {
  const unsupported: PermissionProblem[] = [];
  const byType = new Map<string, NamedResource[]>();
  const all: NamedResource[] = [];
  const parameterNames = new Set<string>();
  for (const { template, stackName } of deployments) {
    nameDeploymentResources(template);
    const substitutions = { 'AWS::StackName': stackName, 'AWS::Region': ctx.region, 'AWS::AccountId': ctx.account, 'AWS::Partition': ctx.partition };
    for (const c of template.node.findAll()) {
      if (c instanceof CfnParameter && Stack.of(c) === template && c.type.startsWith('AWS::SSM::Parameter::Value<') && typeof c.default === 'string') {
        parameterNames.add(c.default.replace(/^\//, ''));
      }
      if (!CfnResource.isCfnResource(c) || Stack.of(c) !== template) continue;
      const type = c.cfnResourceType;
      // A custom resource needs nothing of its own: CloudFormation invokes its function, whose
      // permissions come with AWS::Lambda::Function.
      if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') continue;
      const p = PERMISSIONS[type];
      if (!p) {
        unsupported.push({ templatePath: template.node.path, problem: `${type} at ${c.node.path}: no permissions are known for the type` });
        continue;
      }
      let name: string | undefined;
      if (p.nameProperty) {
        const explicitName = type === 'AWS::IAM::Role' ? 'RoleName' : type === 'AWS::IAM::ManagedPolicy' ? 'ManagedPolicyName' : undefined;
        const value = explicitName && isSet(c, explicitName) ? propertyOf(c, explicitName) : propertyOf(c, p.nameProperty);
        name = value === undefined ? undefined : resolveName(template, value, substitutions);
        if (name === undefined) {
          unsupported.push({ templatePath: template.node.path, problem: `${type} at ${c.node.path}: its ${p.nameProperty} is not known at synth, so its permissions cannot be scoped to it` });
          continue;
        }
      }
      const named = { resource: c, stackName, name };
      all.push(named);
      byType.set(type, [...(byType.get(type) ?? []), named]);
    }
  }

  const statements: iam.PolicyStatement[] = [];
  const fill = (pattern: string) => pattern.replace('{partition}', ctx.partition).replace('{region}', ctx.region).replace('{account}', ctx.account);
  for (const type of [...byType.keys()].sort()) {
    const p = PERMISSIONS[type];
    const resources = byType.get(type)!;
    if (p.actions.length > 0) {
      const arns = unique([
        ...(p.patterns ?? []).map(fill),
        ...resources.flatMap((r) => (p.arns && r.name !== undefined ? p.arns(r.name, ctx) : [])),
      ]);
      statements.push(new iam.PolicyStatement({ actions: p.actions, resources: arns }));
    }
    statements.push(...(p.extra?.(ctx, resources, all) ?? []).filter((s) => s.resources.length > 0));
  }
  if (all.some((r) => inVpc(r.resource))) {
    statements.push(new iam.PolicyStatement({
      sid: 'DescribeTheNetworkOfVpcResources',
      // Lambda documents these for whoever creates or updates a function with VpcConfig (Lambda
      // Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC", user
      // permissions). SageMaker validates the subnets and security groups of a model's or a job
      // definition's VpcConfig when it is created; the same read-only actions (no resource-level
      // permissions in EC2) keep those creates from depending on which credentials it uses.
      actions: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
      resources: ['*'],
    }));
  }
  if (parameterNames.size > 0) {
    statements.push(new iam.PolicyStatement({
      sid: 'ResolveTemplateParameters',
      // SSM parameter types are resolved when the stack is created or updated.
      actions: ['ssm:GetParameters', 'ssm:GetParameter'],
      resources: [...parameterNames].sort().map((n) => `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.account}:parameter/${n}`),
    }));
  }
  return { statements, unsupported };
}

/** Whether a resource of a template is placed in a VPC (Lambda, SageMaker models and job definitions). */
function inVpc(resource: CfnResource): boolean {
  if (isSet(resource, 'VpcConfig')) return true;
  const network = Stack.of(resource).resolve(propertyOf(resource, 'NetworkConfig')) as { vpcConfig?: unknown; VpcConfig?: unknown } | undefined;
  return network !== undefined && network !== null && (network.vpcConfig !== undefined || network.VpcConfig !== undefined);
}

/** The SSM parameters the templates' parameter types resolve, as ARNs in the context's account and region. */
export function templateParameterArns(deployments: TemplateDeployment[], ctx: PermissionContext): string[] {
  const names = new Set<string>();
  for (const { template } of deployments) {
    for (const c of template.node.findAll()) {
      if (c instanceof CfnParameter && Stack.of(c) === template && c.type.startsWith('AWS::SSM::Parameter::Value<') && typeof c.default === 'string') {
        names.add(c.default.replace(/^\//, ''));
      }
    }
  }
  return [...names].sort().map((n) => `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.account}:parameter/${n}`);
}

/**
 * Adds the derived permissions of deployment templates to a role at synthesis, when the templates
 * are complete (constructs may add resources to them after the role is defined), and
 * acknowledges the wildcard patterns it had to use, naming each.
 */
export class TemplatePermissionsAspect implements IAspect {
  private done = false;

  constructor(
    private readonly role: iam.Role,
    private readonly deployments: TemplateDeployment[],
    private readonly ctx: PermissionContext,
    private readonly owner: string,
    private readonly hasAdditional: boolean,
    /** The prop that takes the statements, with its construct: `PromotionDeployTarget additionalExecutionStatements`. */
    private readonly additionalProp: string,
    /** What the role is, for people. */
    private readonly roleWhat: string = 'CloudFormation execution role',
  ) {}

  public visit(_node: IConstruct): void {
    if (this.done) return;
    this.done = true;
    const { statements, unsupported } = templatePermissions(this.deployments, this.ctx);
    if (unsupported.length > 0 && !this.hasAdditional) {
      // Only the templates that hold such a resource, each problem once (a template may be
      // deployed as several stacks).
      const byTemplate = new Map<string, Set<string>>();
      for (const u of unsupported) byTemplate.set(u.templatePath, (byTemplate.get(u.templatePath) ?? new Set()).add(u.problem));
      const details = [...byTemplate.entries()].map(([t, problems]) => `template ${t} (${[...problems].join('; ')})`).join(' and ');
      throw new Error(`${this.owner}: cannot derive the permissions of its ${this.roleWhat} for the resources in ${details}; `
        + `pass the statements its ${this.roleWhat} needs as ${this.additionalProp}`);
    }
    for (const statement of statements) {
      this.role.addToPrincipalPolicy(statement);
    }
    const wildcards = new Set<string>();
    for (const s of statements) {
      const json = s.toStatementJson() as { Resource?: string | string[] };
      for (const r of ([] as string[]).concat(json.Resource ?? [])) {
        if (typeof r === 'string' && r.includes('*')) wildcards.add(r);
      }
    }
    if (wildcards.size > 0) {
      waive(this.role, {
        rules: [...wildcards].map((r) => `AwsSolutions-IAM5[Resource::${nagResourceName(Stack.of(this.role), r)}]`),
        reason: 'the patterns cover resources CloudFormation must be able to replace under names it generates (SageMaker models, endpoint configurations, job definitions), KMS key ids, names given at launch, and the IAM path and names a stack gives its resources after its own name',
      });
    }
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
