import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
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
import { IWorkloadNetwork } from '../network/workload-network';

const HANDLER = 'approval-to-promotion';
/** The handler's timeout; its lease on the group outlasts it, so a killed invocation's lease expires. */
const HANDLER_TIMEOUT = Duration.seconds(30);
const LEASE = Duration.seconds(45);
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
   * The SSM parameter (String) where the handler records the newest approved package of the group
   * after each decision, as JSON: `modelPackageArn`, `modelPackageVersion`, `recordedAt` and, when
   * the handler started its promotion, `pipelineExecutionId`. The promotion's `LATEST_APPROVED`
   * reads the registry itself and uses this record only when the two agree.
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
   * The key encrypting the handler's logs, dead letters, environment and ledger table.
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

  /**
   * The network to run the handler in (instead of `vpc`), typically the platform's
   * `PlatformNetwork` of this account and region: the function takes its subnets and security
   * groups, the role the network-interface permissions Lambda documents, and the services the
   * handler calls are declared for the network's VPC endpoints.
   *
   * @default - `vpc` if given, else not in a VPC
   */
  readonly network?: IWorkloadNetwork;
}

/**
 * Starts a model's promotion when a reviewer approves one of its versions, exactly once per
 * approval.
 *
 * An EventBridge rule on the group's state changes ("SageMaker Model Package State Change", any
 * approval status) invokes a handler, with a dead-letter queue and a retry policy on the target.
 * SageMaker may send several events for one change, late and out of order, so the handler keys on
 * the registry, not the event: an approval is the package's current record (Approved, with its
 * `LastModifiedTime`), claimed in a DynamoDB ledger with a conditional write. Under a short lease on
 * the group it promotes only the newest approved version (ordered by version, as the registry lists
 * them), starts the promotion pipeline with the package ARN as a pipeline variable and a client
 * request token derived from the approval, and records the newest approved package in an SSM
 * parameter. A re-approval after a rejection is a new approval and is promoted again; an edit of an
 * approved package is not. Rejecting the newest version does not roll back by itself: release the
 * promotion pipeline, whose `LATEST_APPROVED` then resolves the newest approved version left.
 * Throttling and server errors are retried; what still fails waits in the dead-letter queue, with
 * an alarm.
 *
 * Its role may describe and list only this group's packages, use only its ledger table and
 * parameter, and start only this pipeline. Costs: a Lambda function invoked a few times per state
 * change, an on-demand DynamoDB table (a few items per approval, with point-in-time recovery), a
 * KMS key unless one is passed in, three alarms.
 */
export class ModelApprovalTrigger extends Construct {
  /** The approval handler. */
  public readonly handler: lambda.IFunction;
  /** The handler's role. */
  public readonly role: iam.IRole;
  /** The rule on the group's state changes (approvals, and the rejections that revoke them). */
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
  /** The key encrypting the handler's logs, dead letters, environment, ledger and alarm topic. */
  public readonly encryptionKey: kms.IKey;
  /**
   * The ledger: one item per approval whose promotion started (written with a condition, so an
   * approval is promoted once), one per promoted version, and the group's lease.
   */
  public readonly ledgerTable: dynamodb.ITable;
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
    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', 'Encrypts the logs, dead letters, environment, ledger and alarm topic of an approval handler');
    const ledger = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // No time to live: an approval's claim must outlive every late delivery of its events (up to
      // 6 hours of retries and 14 days in the dead-letter queue, then a redrive), and a few items
      // per approval cost nothing.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.ledgerTable = ledger;
    waive(ledger, {
      rules: ['NIST.800.53.R5-DynamoDBInBackupPlan', 'HIPAA.Security-DynamoDBInBackupPlan', 'PCI.DSS.321-DynamoDBInBackupPlan'],
      reason: 'the ledger has point-in-time recovery (35 days); it holds idempotency keys that the registry can rebuild, not data an AWS Backup plan must keep',
    });
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
        LEDGER_TABLE_NAME: ledger.tableName,
        LOCK_LEASE_SECONDS: String(LEASE.toSeconds()),
      },
      encryptionKey: this.encryptionKey,
      alarmTopic: this.alarmTopic,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      network: props.network,
      timeout: HANDLER_TIMEOUT,
      // Several at once: the ledger's conditional writes make duplicates safe, and the group's lease
      // orders the starts. Five bounds the burst of registry reads one approval's events cause
      // (SageMaker may send several per change) without queueing them behind one another.
      reservedConcurrentExecutions: 5,
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
    // The newest approved version, from the registry itself. IAM's action catalogue (cfn-lint
    // AdditionalSpecs/Policies.json) gives ListModelPackages the model-package resource type; the
    // request names the group, not a package, so the statement names the account's packages.
    const accountPackages = stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME, account: group.env.account, region: group.env.region });
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:ListModelPackages'],
      resources: [accountPackages],
    }));
    waive(handler.role, {
      rules: [packages, accountPackages].map((r) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`),
      reason: 'the versions of the group are registered after deployment (model-package/<group>/*); ListModelPackages is filtered to this group by the request, not by a package ARN',
    });
    // The ledger: reads, conditional puts and updates, nothing else (no scan, no delete). DynamoDB
    // uses the table's customer-managed key on the caller's behalf, so the role may use the key
    // through DynamoDB only (kms:ViaService).
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [ledger.tableArn],
    }));
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` } },
    }));
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      resources: [this.approvedModelParameter.parameterArn],
    }));
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['codepipeline:StartPipelineExecution'],
      resources: [props.promotionPipeline.pipelineArn],
    }));

    this.rule = new events.Rule(this, 'Approvals', {
      description: `State changes of model packages of ${group.modelPackageGroupName}: approvals start their promotion`,
      // Every status, not only Approved: a rejection is what makes the next approval of a version
      // a new one, and the handler must see it.
      eventPattern: modelPackageStateChangePattern(group.modelPackageGroupName, false),
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
