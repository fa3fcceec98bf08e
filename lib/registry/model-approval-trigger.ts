import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { createEncryptionKey } from '../private/encryption-key';
import { EventHandlerFunction } from '../private/event-handler';
import { IModelPackageGroup } from './model-package-group';
import { modelPackageStateChangePattern } from './private/model-package-events';
import { nagResourceName, waive } from '../private/compliance';

const HANDLER = 'approval-to-promotion';
const VARIABLE_NAME = /^[A-Za-z0-9@\-_]{1,128}$/;
const PARAMETER_NAME = /^\/[a-zA-Z0-9_.\-/]{1,1010}$/;

/**
 * Properties of a `ModelApprovalTrigger`.
 */
export interface ModelApprovalTriggerProps {
  /**
   * The group whose approvals start promotions. It must live in this stack's account and
   * region: SageMaker sends its events to that account's default event bus.
   */
  readonly modelPackageGroup: IModelPackageGroup;

  /**
   * The promotion pipeline (CodePipeline V2) an approval starts, with the approved package's
   * ARN in the variable `pipelineVariableName`.
   */
  readonly promotionPipeline: codepipeline.IPipeline;

  /**
   * The pipeline variable that carries the model package ARN.
   *
   * @default 'ModelPackageArn'
   */
  readonly pipelineVariableName?: string;

  /**
   * The SSM parameter (String) where the handler records the last approved package whose
   * promotion it started, as JSON: `modelPackageArn`, `modelPackageVersion`, `eventId`,
   * `approvedAt`, `pipelineExecutionId`. The promotion pipeline reads it to redeploy the last
   * approved model.
   *
   * @default '/sagemaker-mlops/<group name>/approved-model-package'
   */
  readonly approvedModelParameterName?: string;

  /**
   * Where the alarms (dead letters, handler errors, malformed events) notify. If the topic is
   * encrypted with a key of this app, the key's policy is extended so CloudWatch may publish; an
   * imported key must already allow `cloudwatch.amazonaws.com`.
   *
   * @default - a new topic encrypted with `encryptionKey`; subscribe people to it
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * The key encrypting the handler's logs, dead letters and environment.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * A VPC to run the handler in; it then needs a route to the SageMaker, SSM and CodePipeline
   * APIs (NAT or interface endpoints).
   *
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets of `vpc` to run the handler in.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * Starts a model's promotion when a reviewer approves one of its versions, exactly once.
 *
 * An EventBridge rule on the group's approvals ("SageMaker Model Package State Change",
 * `ModelApprovalStatus: Approved`) invokes a handler, with a dead-letter queue and a retry
 * policy on the target. The handler checks that the package is still Approved in the group when
 * it looks (events arrive late and out of order), skips an approval a later one has overtaken,
 * starts the promotion pipeline with the package ARN as a pipeline variable and a client request
 * token derived from the event id (a duplicate delivery starts nothing new), and records the
 * package in an SSM parameter. Throttling and server errors are retried; what still fails waits
 * in the dead-letter queue, with an alarm.
 *
 * Its role may describe only this group's packages, read and write only its parameter, and
 * start only this pipeline. Costs: a Lambda function invoked once per approval, a KMS key unless
 * one is passed in, three alarms.
 */
export class ModelApprovalTrigger extends Construct {
  /** The approval handler. */
  public readonly handler: lambda.IFunction;
  /** The handler's role. */
  public readonly role: iam.IRole;
  /** The rule on the group's approvals. */
  public readonly rule: events.Rule;
  /** Where approvals wait that could not be delivered or processed. */
  public readonly deadLetterQueue: sqs.IQueue;
  /**
   * The parameter recording the last approved package. The handler writes it (it is not a
   * CloudFormation resource, so a stack update never resets it).
   */
  public readonly approvedModelParameter: ssm.IStringParameter;
  /** The pipeline variable that carries the model package ARN. */
  public readonly pipelineVariableName: string;
  /** The key encrypting the handler's logs, dead letters, environment and alarm topic. */
  public readonly encryptionKey: kms.IKey;
  /** Where the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** Alarms when an approval waits in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.IAlarm;
  /** Alarms when the handler fails (a service error outlasting the retries, or a permission problem). */
  public readonly errorAlarm: cloudwatch.IAlarm;
  /** Alarms when the handler receives an event it cannot read. */
  public readonly malformedEventAlarm: cloudwatch.IAlarm;

  constructor(scope: Construct, id: string, props: ModelApprovalTriggerProps) {
    super(scope, id);
    const group = props.modelPackageGroup;
    this.pipelineVariableName = props.pipelineVariableName ?? 'ModelPackageArn';
    const parameterName = props.approvedModelParameterName ?? `/sagemaker-mlops/${group.modelPackageGroupName}/approved-model-package`;
    validate(this, props, this.pipelineVariableName, parameterName);

    this.approvedModelParameter = ssm.StringParameter.fromStringParameterAttributes(this, 'ApprovedModel', {
      parameterName,
      simpleName: false,
    });

    const stack = Stack.of(this);
    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', 'Encrypts the logs, dead letters, environment and alarm topic of an approval handler');
    this.alarmTopic = props.alarmTopic ?? new sns.Topic(this, 'Alarms', {
      displayName: `Approval handler alarms of ${group.modelPackageGroupName}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch alarms can publish to an encrypted topic only if its key lets them (a key
    // imported from elsewhere keeps its own policy: this grant is then a no-op).
    this.alarmTopic.masterKey?.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }), 'kms:Decrypt', 'kms:GenerateDataKey*');

    const handler = new EventHandlerFunction(this, 'Handler', {
      handler: HANDLER,
      description: `Starts the promotion of approved model packages of ${group.modelPackageGroupName}`,
      environment: {
        MODEL_PACKAGE_GROUP_NAME: group.modelPackageGroupName,
        PIPELINE_NAME: props.promotionPipeline.pipelineName,
        PIPELINE_VARIABLE_NAME: this.pipelineVariableName,
        APPROVED_MODEL_PARAMETER_NAME: parameterName,
      },
      encryptionKey: this.encryptionKey,
      alarmTopic: this.alarmTopic,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      timeout: Duration.seconds(30),
      // One at a time: the check against the recorded approval and the write after the start
      // are then never interleaved by two approvals of the same group.
      reservedConcurrentExecutions: 1,
    });
    this.handler = handler.function;
    this.role = handler.role;
    this.deadLetterQueue = handler.deadLetterQueue;
    this.deadLetterAlarm = handler.deadLetterAlarm;
    this.errorAlarm = handler.errorAlarm;
    this.malformedEventAlarm = handler.malformedEventAlarm;

    const packages = group.modelPackageArn('*');
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:DescribeModelPackage'],
      resources: [packages],
    }));
    waive(handler.role, {
      rules: [`AwsSolutions-IAM5[Resource::${nagResourceName(stack, packages)}]`],
      reason: 'the versions of the group are registered after deployment; the pattern names this group only, as model-package/<group>/*',
    });
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      resources: [this.approvedModelParameter.parameterArn],
    }));
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['codepipeline:StartPipelineExecution'],
      resources: [props.promotionPipeline.pipelineArn],
    }));

    this.rule = new events.Rule(this, 'Approvals', {
      description: `Approvals of model packages of ${group.modelPackageGroupName} start their promotion`,
      eventPattern: modelPackageStateChangePattern(group.modelPackageGroupName, true),
      targets: [handler.asRuleTarget()],
    });
  }
}

function validate(scope: Construct, props: ModelApprovalTriggerProps, variableName: string, parameterName: string): void {
  const problems: string[] = [];
  if (!Token.isUnresolved(variableName) && !VARIABLE_NAME.test(variableName)) {
    problems.push(`pipelineVariableName must be 1 to 128 letters, digits, '@', '-' or '_', got '${variableName}'`);
  }
  if (props.approvedModelParameterName !== undefined && !Token.isUnresolved(parameterName) && !PARAMETER_NAME.test(parameterName)) {
    problems.push(`approvedModelParameterName must be a path starting with '/' of letters, digits and '_.-/', got '${parameterName}'`);
  }
  const stack = Stack.of(scope);
  const groupAccount = props.modelPackageGroup.env.account;
  const groupRegion = props.modelPackageGroup.env.region;
  if (!Token.isUnresolved(groupAccount) && !Token.isUnresolved(stack.account) && groupAccount !== stack.account) {
    problems.push(`modelPackageGroup lives in account ${groupAccount}, but its approval events reach only that account's event bus, not ${stack.account}`);
  }
  if (!Token.isUnresolved(groupRegion) && !Token.isUnresolved(stack.region) && groupRegion !== stack.region) {
    problems.push(`modelPackageGroup lives in region ${groupRegion}, but its approval events reach only that region's event bus, not ${stack.region}`);
  }
  if (problems.length > 0) {
    throw new Error(`ModelApprovalTrigger ${scope.node.path}: ${problems.join('; ')}`);
  }
}
