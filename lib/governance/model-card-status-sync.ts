import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IModelPackageGroup } from '../registry/model-package-group';
import { nagResourceName, waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { EventHandlerFunction, HANDLER_METRICS_NAMESPACE } from '../private/event-handler';
import { IWorkloadNetwork } from '../network/workload-network';

const HANDLER = 'model-card-status';

/**
 * Properties of a `ModelCardStatusSync`.
 */
export interface ModelCardStatusSyncProps {
  /**
   * The group whose packages' model cards follow their approval. It must live in this stack's
   * account and region: SageMaker sends its events to that account's default event bus.
   */
  readonly modelPackageGroup: IModelPackageGroup;

  /**
   * The key the model cards are encrypted with, when the build registers packages with a
   * `SecurityConfig` (describing such a package calls `kms:Decrypt`).
   *
   * @default - the cards use SageMaker's default encryption; no key grant
   */
  readonly modelCardEncryptionKey?: kms.IKey;

  /**
   * Where the alarms (dead letters, handler errors, malformed events) notify. A topic encrypted
   * with a key of this app gets the key grant CloudWatch needs to publish.
   *
   * @default - a new topic encrypted with `encryptionKey`; subscribe people to it
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * The key encrypting the handler's logs, dead letters, environment and alarm topic.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * A VPC to run the handler in; it then needs a route to the SageMaker API (an interface
   * endpoint or NAT).
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
 * Keeps the model card of every package of a group in step with the package's approval:
 * pending review while pending, approved when approved, archived when rejected.
 *
 * An EventBridge rule on the group's "SageMaker Model Package State Change" events invokes a
 * handler (with retries and a dead-letter queue) that describes the package and sets the card's
 * status from the package's current approval status, never from the event's: events arrive late,
 * out of order and more than once, and a card already in step is left alone. An archived card
 * stays archived (SageMaker refuses to change an archived card's content and documents no way
 * back). When the card follows a decision, the handler also records who made it in the
 * package's metadata (`sagemaker-mlops:decided-by`, `-decision`, `-decided-at`): its own update
 * is a change too and would otherwise stand as `LastModifiedBy`.
 *
 * Every update is itself a state change of the package, so SageMaker sends one more event for
 * it: the handler then finds the card in step. An approval handler on the same group must be
 * idempotent on the package, not on the event, or it would promote the package again.
 *
 * Its role may describe and update only this group's packages. Costs: a Lambda invocation per
 * state change, a KMS key unless one is passed in, three alarms.
 */
export class ModelCardStatusSync extends Construct {
  /** The handler. */
  public readonly handler: lambda.IFunction;
  /** The handler's role. */
  public readonly role: iam.IRole;
  /** The rule on the group's state changes. */
  public readonly rule: events.Rule;
  /** Where state changes wait that could not be delivered or processed. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The key encrypting the handler's logs, dead letters, environment and alarm topic. */
  public readonly encryptionKey: kms.IKey;
  /** Where the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** Alarms when a state change waits in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.IAlarm;
  /** Alarms when the handler fails (a service error outlasting the retries, or a permission problem). */
  public readonly errorAlarm: cloudwatch.IAlarm;
  /** Alarms when the handler receives an event it cannot read. */
  public readonly malformedEventAlarm: cloudwatch.IAlarm;

  constructor(scope: Construct, id: string, props: ModelCardStatusSyncProps) {
    super(scope, id);
    const group = props.modelPackageGroup;
    validate(this, group);
    const stack = Stack.of(this);

    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', 'Encrypts the logs, dead letters, environment and alarm topic of a model card handler');
    this.alarmTopic = props.alarmTopic ?? new sns.Topic(this, 'Alarms', {
      displayName: `Model card handler alarms of ${group.modelPackageGroupName}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.alarmTopic.masterKey?.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }), 'kms:Decrypt', 'kms:GenerateDataKey*');

    const handler = new EventHandlerFunction(this, 'Handler', {
      handler: HANDLER,
      description: `Keeps the model cards of ${group.modelPackageGroupName} in step with their packages' approval`,
      environment: { MODEL_PACKAGE_GROUP_NAME: group.modelPackageGroupName },
      encryptionKey: this.encryptionKey,
      alarmTopic: this.alarmTopic,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      network: props.network,
      timeout: Duration.seconds(30),
      // One at a time: two events of one package never race on its card.
      reservedConcurrentExecutions: 1,
    });
    // The handler tells its own changes from a person's by the role in LastModifiedBy.
    handler.function.addEnvironment('OWN_ROLE_NAME', handler.role.roleName);
    // Lambda writes failed events to the encrypted dead-letter queue with the function's role.
    this.encryptionKey.grant(handler.role, 'kms:GenerateDataKey', 'kms:Decrypt');

    const packages = group.modelPackageArn('*');
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage'],
      resources: [packages],
    }));
    waive(handler.role, {
      rules: [`AwsSolutions-IAM5[Resource::${nagResourceName(stack, packages)}]`],
      reason: 'the versions of the group are registered after deployment; the pattern names this group only, as model-package/<group>/*',
    });
    props.modelCardEncryptionKey?.grant(handler.role, 'kms:Decrypt', 'kms:GenerateDataKey');

    this.handler = handler.function;
    this.role = handler.role;
    this.deadLetterQueue = handler.deadLetterQueue;
    this.deadLetterAlarm = handler.deadLetterAlarm;
    this.errorAlarm = handler.errorAlarm;
    this.malformedEventAlarm = handler.malformedEventAlarm;

    this.rule = new events.Rule(this, 'StateChanges', {
      description: `State changes of model packages of ${group.modelPackageGroupName} update their model cards`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [group.modelPackageGroupName] },
      },
      targets: [handler.asRuleTarget()],
    });
  }

  /**
   * Cards updated (sum over 5 minutes).
   */
  public metricCardsUpdated(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetric('ModelCardsUpdated', props);
  }

  /**
   * Packages approved after their card was archived: the card stays archived (sum over 5 minutes).
   */
  public metricArchivedCardsNotFollowed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetric('ArchivedCardsNotFollowed', props);
  }

  private handlerMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: HANDLER_METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: HANDLER },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }
}

function validate(scope: Construct, group: IModelPackageGroup): void {
  const problems: string[] = [];
  const stack = Stack.of(scope);
  const { account, region } = group.env;
  if (!Token.isUnresolved(account) && !Token.isUnresolved(stack.account) && account !== stack.account) {
    problems.push(`modelPackageGroup lives in account ${account}, but its state changes reach only that account's event bus, not ${stack.account}: create the construct in the group's account`);
  }
  if (!Token.isUnresolved(region) && !Token.isUnresolved(stack.region) && region !== stack.region) {
    problems.push(`modelPackageGroup lives in region ${region}, but its state changes reach only that region's event bus, not ${stack.region}: create the construct in the group's region`);
  }
  if (problems.length > 0) {
    throw new Error(`ModelCardStatusSync ${scope.node.path}: ${problems.join('; ')}`);
  }
}
