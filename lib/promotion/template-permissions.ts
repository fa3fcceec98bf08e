import { CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { nagResourceName, waive } from '../private/compliance';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * What CloudFormation needs to create, update and delete one resource type of a deployment
 * template, scoped to the names CloudFormation gives resources of a stack
 * (`<stack name>-<logical id>-<suffix>`) wherever the service allows.
 */
interface ResourcePermissions {
  readonly actions: string[];
  /** Resource ARN patterns; `{stack}` is the stack name, `{stacklower}` the same in lower case. */
  readonly resources: string[];
  /** Statements that need their own conditions. */
  readonly extra?: (ctx: PermissionContext) => iam.PolicyStatement[];
}

export interface PermissionContext {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly stackNames: string[];
}

const SAGEMAKER_TAGS = ['sagemaker:AddTags', 'sagemaker:DeleteTags', 'sagemaker:ListTags'];

const PERMISSIONS: { [type: string]: ResourcePermissions } = {
  'AWS::CDK::Metadata': { actions: [], resources: [] },
  'AWS::SageMaker::Model': {
    actions: ['sagemaker:CreateModel', 'sagemaker:DeleteModel', 'sagemaker:DescribeModel', ...SAGEMAKER_TAGS],
    resources: ['arn:{partition}:sagemaker:{region}:{account}:model/*'],
    extra: (ctx) => [new iam.PolicyStatement({
      sid: 'ReadSharedModelPackages',
      actions: ['sagemaker:DescribeModelPackage'],
      resources: [`arn:${ctx.partition}:sagemaker:${ctx.region}:*:model-package/*`],
    })],
  },
  'AWS::SageMaker::ModelPackageGroup': {
    actions: ['sagemaker:CreateModelPackageGroup', 'sagemaker:DeleteModelPackageGroup', 'sagemaker:DescribeModelPackageGroup',
      'sagemaker:PutModelPackageGroupPolicy', 'sagemaker:GetModelPackageGroupPolicy', 'sagemaker:DeleteModelPackageGroupPolicy', ...SAGEMAKER_TAGS],
    resources: ['arn:{partition}:sagemaker:{region}:{account}:model-package-group/*'],
  },
  'AWS::SageMaker::Pipeline': {
    actions: ['sagemaker:CreatePipeline', 'sagemaker:UpdatePipeline', 'sagemaker:DeletePipeline', 'sagemaker:DescribePipeline', ...SAGEMAKER_TAGS],
    resources: ['arn:{partition}:sagemaker:{region}:{account}:pipeline/*'],
  },
  'AWS::SageMaker::EndpointConfig': {
    actions: ['sagemaker:CreateEndpointConfig', 'sagemaker:DeleteEndpointConfig', 'sagemaker:DescribeEndpointConfig', ...SAGEMAKER_TAGS],
    resources: ['arn:{partition}:sagemaker:{region}:{account}:endpoint-config/*'],
  },
  'AWS::SageMaker::Endpoint': {
    actions: ['sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:DeleteEndpoint', 'sagemaker:DescribeEndpoint',
      'sagemaker:UpdateEndpointWeightsAndCapacities', ...SAGEMAKER_TAGS],
    resources: ['arn:{partition}:sagemaker:{region}:{account}:endpoint/*', 'arn:{partition}:sagemaker:{region}:{account}:endpoint-config/*'],
    extra: (ctx) => [new iam.PolicyStatement({
      sid: 'ReadRollbackAlarms',
      // SageMaker checks the rollback alarms of a deployment with the caller's permissions; the
      // alarms may be the template's own or given ones with other names.
      actions: ['cloudwatch:DescribeAlarms'],
      resources: [`arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.account}:alarm:*`],
    })],
  },
  'AWS::SageMaker::DataQualityJobDefinition': jobDefinition('DataQualityJobDefinition', 'data-quality-job-definition'),
  'AWS::SageMaker::ModelQualityJobDefinition': jobDefinition('ModelQualityJobDefinition', 'model-quality-job-definition'),
  'AWS::SageMaker::ModelBiasJobDefinition': jobDefinition('ModelBiasJobDefinition', 'model-bias-job-definition'),
  'AWS::SageMaker::ModelExplainabilityJobDefinition': jobDefinition('ModelExplainabilityJobDefinition', 'model-explainability-job-definition'),
  'AWS::SageMaker::MonitoringSchedule': {
    actions: ['sagemaker:CreateMonitoringSchedule', 'sagemaker:UpdateMonitoringSchedule', 'sagemaker:DeleteMonitoringSchedule',
      'sagemaker:DescribeMonitoringSchedule', 'sagemaker:StartMonitoringSchedule', 'sagemaker:StopMonitoringSchedule', ...SAGEMAKER_TAGS],
    resources: ['arn:{partition}:sagemaker:{region}:{account}:monitoring-schedule/*'],
  },
  'AWS::IAM::Role': {
    actions: ['iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:TagRole', 'iam:UntagRole',
      'iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy', 'iam:AttachRolePolicy',
      'iam:DetachRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies'],
    resources: ['arn:{partition}:iam::{account}:role/{stack}-*'],
    extra: (ctx) => [new iam.PolicyStatement({
      sid: 'PassStackRolesToSageMaker',
      actions: ['iam:PassRole'],
      resources: ctx.stackNames.map((s) => `arn:${ctx.partition}:iam::${ctx.account}:role/${s}-*`),
      conditions: { StringEquals: { 'iam:PassedToService': ['sagemaker.amazonaws.com', 'events.amazonaws.com', 'scheduler.amazonaws.com'] } },
    })],
  },
  'AWS::IAM::ManagedPolicy': {
    actions: ['iam:CreatePolicy', 'iam:DeletePolicy', 'iam:GetPolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion',
      'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:TagPolicy', 'iam:UntagPolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
    resources: ['arn:{partition}:iam::{account}:policy/{stack}-*', 'arn:{partition}:iam::{account}:role/{stack}-*'],
  },
  'AWS::IAM::Policy': {
    actions: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy'],
    resources: ['arn:{partition}:iam::{account}:role/{stack}-*'],
  },
  'AWS::KMS::Key': {
    actions: ['kms:DescribeKey', 'kms:PutKeyPolicy', 'kms:GetKeyPolicy', 'kms:EnableKeyRotation', 'kms:GetKeyRotationStatus',
      'kms:ScheduleKeyDeletion', 'kms:TagResource', 'kms:UntagResource', 'kms:ListResourceTags', 'kms:CreateGrant', 'kms:UpdateKeyDescription'],
    resources: ['arn:{partition}:kms:{region}:{account}:key/*'],
    extra: () => [new iam.PolicyStatement({
      sid: 'CreateKeys',
      // kms:CreateKey has no resource to scope to: the key does not exist yet.
      actions: ['kms:CreateKey'],
      resources: ['*'],
    })],
  },
  'AWS::KMS::Alias': {
    actions: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'],
    resources: ['arn:{partition}:kms:{region}:{account}:alias/*', 'arn:{partition}:kms:{region}:{account}:key/*'],
  },
  'AWS::S3::Bucket': {
    actions: ['s3:CreateBucket', 's3:DeleteBucket', 's3:GetBucketLocation', 's3:ListBucket', 's3:PutBucketPublicAccessBlock',
      's3:GetBucketPublicAccessBlock', 's3:PutEncryptionConfiguration', 's3:GetEncryptionConfiguration', 's3:PutBucketVersioning',
      's3:GetBucketVersioning', 's3:PutBucketLogging', 's3:GetBucketLogging', 's3:PutLifecycleConfiguration',
      's3:GetLifecycleConfiguration', 's3:PutBucketOwnershipControls', 's3:GetBucketOwnershipControls', 's3:PutBucketTagging',
      's3:GetBucketTagging', 's3:PutBucketNotification', 's3:GetBucketNotification', 's3:PutBucketAcl', 's3:GetBucketAcl',
      's3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy'],
    resources: ['arn:{partition}:s3:::{stacklower}-*'],
  },
  'AWS::S3::BucketPolicy': {
    actions: ['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy'],
    resources: ['arn:{partition}:s3:::{stacklower}-*'],
  },
  'AWS::CloudWatch::Alarm': {
    actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
    resources: ['arn:{partition}:cloudwatch:{region}:{account}:alarm:{stack}-*'],
  },
  'AWS::ApplicationAutoScaling::ScalableTarget': {
    actions: ['application-autoscaling:RegisterScalableTarget', 'application-autoscaling:DeregisterScalableTarget',
      'application-autoscaling:DescribeScalableTargets', 'application-autoscaling:TagResource'],
    resources: ['arn:{partition}:application-autoscaling:{region}:{account}:scalable-target/*'],
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
    resources: ['arn:{partition}:application-autoscaling:{region}:{account}:scalable-target/*'],
    extra: (ctx) => [new iam.PolicyStatement({
      sid: 'TargetTrackingAlarms',
      actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms'],
      resources: [`arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.account}:alarm:TargetTracking-*`],
    })],
  },
  'AWS::SNS::Topic': {
    actions: ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:TagResource', 'sns:UntagResource', 'sns:ListTagsForResource'],
    resources: ['arn:{partition}:sns:{region}:{account}:{stack}-*'],
  },
  'AWS::SNS::TopicPolicy': {
    actions: ['sns:SetTopicAttributes', 'sns:GetTopicAttributes'],
    resources: ['arn:{partition}:sns:{region}:{account}:{stack}-*'],
  },
  'AWS::Events::Rule': {
    actions: ['events:PutRule', 'events:DeleteRule', 'events:DescribeRule', 'events:PutTargets', 'events:RemoveTargets', 'events:TagResource', 'events:UntagResource'],
    resources: ['arn:{partition}:events:{region}:{account}:rule/{stack}-*'],
  },
  'AWS::SQS::Queue': {
    actions: ['sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:TagQueue', 'sqs:UntagQueue', 'sqs:ListQueueTags'],
    resources: ['arn:{partition}:sqs:{region}:{account}:{stack}-*'],
  },
  'AWS::SQS::QueuePolicy': {
    actions: ['sqs:SetQueueAttributes', 'sqs:GetQueueAttributes'],
    resources: ['arn:{partition}:sqs:{region}:{account}:{stack}-*'],
  },
  'AWS::Logs::LogGroup': {
    actions: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:AssociateKmsKey',
      'logs:DisassociateKmsKey', 'logs:TagResource', 'logs:UntagResource', 'logs:ListTagsForResource', 'logs:TagLogGroup', 'logs:UntagLogGroup'],
    // CloudFormation-named groups start with the stack name; SageMaker endpoints log to
    // /aws/sagemaker/Endpoints/<endpoint name>, which a template creates to encrypt and retain it.
    resources: ['arn:{partition}:logs:{region}:{account}:log-group:{stack}-*', 'arn:{partition}:logs:{region}:{account}:log-group:/aws/sagemaker/*'],
    extra: (ctx) => [new iam.PolicyStatement({
      sid: 'DescribeLogGroups',
      actions: ['logs:DescribeLogGroups'],
      resources: [`arn:${ctx.partition}:logs:${ctx.region}:${ctx.account}:log-group:*`],
    })],
  },
  'AWS::Lambda::Function': {
    actions: ['lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:GetFunction', 'lambda:GetFunctionConfiguration',
      'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:TagResource', 'lambda:UntagResource', 'lambda:ListTags',
      // CloudFormation invokes a custom resource's function with the execution role.
      'lambda:InvokeFunction'],
    resources: ['arn:{partition}:lambda:{region}:{account}:function:{stack}-*'],
    extra: (ctx) => [new iam.PolicyStatement({
      sid: 'PassStackRolesToLambda',
      actions: ['iam:PassRole'],
      resources: ctx.stackNames.map((s) => `arn:${ctx.partition}:iam::${ctx.account}:role/${s}-*`),
      conditions: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    })],
  },
  'AWS::Scheduler::Schedule': {
    actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
    resources: ['arn:{partition}:scheduler:{region}:{account}:schedule/*/{stack}-*'],
  },
};

function jobDefinition(name: string, arnType: string): ResourcePermissions {
  return {
    actions: [`sagemaker:Create${name}`, `sagemaker:Delete${name}`, `sagemaker:Describe${name}`, ...SAGEMAKER_TAGS],
    resources: [`arn:{partition}:sagemaker:{region}:{account}:${arnType}/*`],
  };
}

/** The resource types whose permissions we can derive. */
export const SUPPORTED_TEMPLATE_RESOURCE_TYPES = Object.keys(PERMISSIONS);

/**
 * The statements a CloudFormation execution role needs for the resources of a template,
 * or the list of resource types we cannot derive permissions for.
 */
export function templatePermissions(templates: Stack | Stack[], ctx: PermissionContext): { statements: iam.PolicyStatement[]; unsupported: string[] } {
  const types = new Set<string>();
  for (const template of ([] as Stack[]).concat(templates)) {
    for (const c of template.node.findAll()) {
      if (CfnResource.isCfnResource(c)) types.add(c.cfnResourceType);
    }
  }
  // A custom resource needs nothing of its own: CloudFormation invokes its function, whose
  // permissions come with AWS::Lambda::Function.
  for (const t of [...types]) {
    if (t.startsWith('Custom::') || t === 'AWS::CloudFormation::CustomResource') types.delete(t);
  }
  const unsupported = [...types].filter((t) => !(t in PERMISSIONS)).sort();
  const statements: iam.PolicyStatement[] = [];
  for (const type of [...types].filter((t) => t in PERMISSIONS).sort()) {
    const p = PERMISSIONS[type];
    if (p.actions.length > 0) {
      const resources = new Set<string>();
      for (const pattern of p.resources) {
        for (const stackName of ctx.stackNames) {
          resources.add(pattern
            .replace('{partition}', ctx.partition).replace('{region}', ctx.region).replace('{account}', ctx.account)
            .replace('{stacklower}', stackName.toLowerCase()).replace('{stack}', stackName));
        }
      }
      statements.push(new iam.PolicyStatement({ actions: p.actions, resources: [...resources] }));
    }
    statements.push(...(p.extra?.(ctx) ?? []));
  }
  return { statements, unsupported };
}

/**
 * Adds the derived permissions of a template to a role at synthesis, when the template is
 * complete (constructs may add resources to it after the role is defined), and acknowledges the
 * wildcard patterns it had to use, naming each.
 */
export class TemplatePermissionsAspect implements IAspect {
  private done = false;

  constructor(
    private readonly role: iam.Role,
    private readonly templates: Stack[],
    private readonly ctx: PermissionContext,
    private readonly owner: string,
    private readonly hasAdditional: boolean,
    private readonly reason: string,
  ) {}

  public visit(_node: IConstruct): void {
    if (this.done) return;
    this.done = true;
    const { statements, unsupported } = templatePermissions(this.templates, this.ctx);
    if (unsupported.length > 0 && !this.hasAdditional) {
      throw new Error(`${this.owner}: cannot derive CloudFormation permissions for ${unsupported.join(', ')} in template ${this.templates.map((t) => t.node.path).join(', ')}; pass additional statements`);
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
        reason: this.reason,
      });
    }
  }
}
