import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeSourceCondition, LAMBDA_TRUST_REASON, NagRules, waive } from './compliance';
import { ManagedPolicyRole } from './managed-policy-role';
import { createEncryptionKey } from './encryption-key';
import { handlerCode } from './handler-code';
import { ServiceUsage } from '../network/service-usage';
import { IWorkloadNetwork, NetworkInterfaceUser } from '../network/workload-network';

/** CloudWatch namespace of the metrics our handlers emit (embedded metric format). */
export const HANDLER_METRICS_NAMESPACE = 'SageMakerMlops';

export interface EventHandlerFunctionProps {
  /** Folder of the handler under `lambda/`. */
  readonly handler: string;
  readonly description: string;
  readonly environment: { [key: string]: string };
  readonly encryptionKey?: kms.IKey;
  readonly alarmTopic?: sns.ITopic;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The network to run in (instead of `vpc`): the function gets the network's subnets and
   * security groups, its role the network-interface permissions Lambda documents, and the
   * services the handler calls (`ServiceUsage.ofHandler`) are declared for the VPC's endpoints.
   */
  readonly network?: IWorkloadNetwork;
  /** Why the function is outside any VPC, for the compliance acknowledgement (a default reason otherwise). */
  readonly outsideVpcReason?: string;
  readonly timeout?: Duration;
  readonly reservedConcurrentExecutions?: number;
  readonly logRetention?: logs.RetentionDays;
  /** A fixed role name, for roles that other accounts trust by ARN. */
  readonly roleName?: string;
}

/**
 * A Lambda handler fed by EventBridge, with everything at-least-once delivery needs:
 * a dead-letter queue for events that could not be delivered or processed, retries,
 * an encrypted log group with retention, alarms on dead letters, errors and malformed
 * input, and a role holding nothing but its own log permissions (callers grant the rest).
 */
export class EventHandlerFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly logGroup: logs.LogGroup;
  public readonly encryptionKey: kms.IKey;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly errorAlarm: cloudwatch.Alarm;
  public readonly malformedEventAlarm: cloudwatch.Alarm;
  private readonly handlerName: string;

  constructor(scope: Construct, id: string, props: EventHandlerFunctionProps) {
    super(scope, id);
    this.handlerName = props.handler;
    const stack = Stack.of(this);
    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', `Encrypts the logs, dead letters and environment of the ${props.handler} handler`);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: this.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    this.encryptionKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
      },
    }));

    // EventBridge writes undeliverable events to the dead-letter queue: it must use the queue's key.
    this.encryptionKey.grant(new iam.ServicePrincipal('events.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }), 'kms:GenerateDataKey*', 'kms:Decrypt');

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    waive(this.deadLetterQueue, {
      rules: [...NagRules.dlqOfDlq],
      reason: 'this queue is itself the dead-letter queue of the handler; a queue behind it would only move the problem',
    });

    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.handler} handler`,
      roleName: props.roleName,
    });
    acknowledgeSourceCondition(this.role, 'lambda.amazonaws.com', LAMBDA_TRUST_REASON);

    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: handlerCode(props.handler),
      handler: 'index.handler',
      description: props.description,
      role: this.role,
      memorySize: 256,
      timeout: props.timeout ?? Duration.seconds(60),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.handler,
        POWERTOOLS_METRICS_NAMESPACE: HANDLER_METRICS_NAMESPACE,
      },
      environmentEncryption: this.encryptionKey,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? 5,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      tracing: lambda.Tracing.ACTIVE,
    });
    if (props.vpc && props.network) {
      throw new Error(`EventHandlerFunction ${this.node.path}: give vpc or network, not both`);
    }
    if (props.network) {
      (this.function.node.defaultChild as lambda.CfnFunction).vpcConfig = {
        subnetIds: props.network.subnetIds,
        securityGroupIds: props.network.securityGroupIds,
      };
      // Lambda checks at CreateFunction that the execution role may create network interfaces
      // (Lambda Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC").
      props.network.grantNetworkInterfaces(this.role, NetworkInterfaceUser.LAMBDA).applyBefore(this.function);
      ServiceUsage.declare(this, ServiceUsage.ofHandler(props.handler), `the ${props.handler} handler (${this.node.path}) calls them`);
    }
    if (!props.vpc && !props.network) {
      waive(this.function, {
        rules: [...NagRules.lambdaInVpc],
        reason: props.outsideVpcReason ?? 'the handler calls only regional AWS APIs over TLS with IAM auth and reaches no private resource; pass network to run it in one',
      });
    }
    // Lambda sends what fails after its retries to the dead-letter queue with this role; a queue
    // encrypted with a customer managed key takes a message only from a producer that may use
    // the key: kms:GenerateDataKey and kms:Decrypt (Amazon SQS Developer Guide, "Amazon SQS Key
    // management": https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
    this.encryptionKey.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    waive(this.role, {
      rules: ['AwsSolutions-IAM5[Resource::*]'],
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions',
    });

    const alarmAction = props.alarmTopic ? new cwActions.SnsAction(props.alarmTopic) : undefined;
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Events the ${props.handler} handler could not process are waiting in its dead-letter queue`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.errorAlarm = new cloudwatch.Alarm(this, 'ErrorAlarm', {
      alarmDescription: `The ${props.handler} handler failed (it throws on transient service errors; the platform retries)`,
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.malformedEventAlarm = new cloudwatch.Alarm(this, 'MalformedEventAlarm', {
      alarmDescription: `The ${props.handler} handler received events it could not parse (logged, not retried)`,
      metric: this.metricMalformedEvents(),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (alarmAction) {
      for (const alarm of [this.deadLetterAlarm, this.errorAlarm, this.malformedEventAlarm]) {
        alarm.addAlarmAction(alarmAction);
      }
    }
  }

  /** Events the handler rejected as malformed (logged with what was wrong, not retried). */
  public metricMalformedEvents(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: HANDLER_METRICS_NAMESPACE,
      metricName: 'MalformedEvents',
      dimensionsMap: { service: this.handlerName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...options,
    });
  }

  /**
   * An EventBridge target for this handler, with the dead-letter queue and a bounded retry policy.
   */
  public asRuleTarget(): events.IRuleTarget {
    return new targets.LambdaFunction(this.function, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(6),
    });
  }
}
