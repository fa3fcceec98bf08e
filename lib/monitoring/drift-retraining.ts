import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { badNames, DriftOrigin, eventBridgeOfThisAccount, monitorAlarmPattern, violationsPattern } from './drift-events';
import { ModelMonitor } from './model-monitor';
import { IModelBuildPipeline } from '../pipeline/model-build-pipeline';
import { SageMakerPipelineTarget } from '../pipeline/sagemaker-pipeline-target';
import { NagRules, waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { EventHandlerFunction } from '../private/event-handler';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { IWorkloadNetwork } from '../network/workload-network';

const PARAMETER_NAME = /^[A-Za-z0-9\-_]{1,256}$/;

/**
 * Names of the model-build pipeline parameters that receive why a retraining was started.
 *
 * SageMaker rejects an execution that passes a parameter its pipeline does not declare, so the
 * drift handler reads the pipeline definition and passes only the declared ones: declare any of
 * these (as String parameters) in your pipeline to receive them.
 */
export interface RetrainingParameterNames {
  /**
   * Parameter receiving one sentence saying why retraining started.
   *
   * @default 'RetrainReason'
   */
  readonly reason?: string;

  /**
   * Parameter receiving the monitor type (`DataQuality`, `ModelQuality`, `ModelBias`, `ModelExplainability`).
   *
   * @default 'DriftMonitorType'
   */
  readonly monitorType?: string;

  /**
   * Parameter receiving the metric that drifted (`constraint_violations` for a monitoring execution
   * with violations, the alarm's metric name for an alarm).
   *
   * @default 'DriftMetric'
   */
  readonly metric?: string;

  /**
   * Parameter receiving the endpoint name ('' for a batch-transform monitor).
   *
   * @default 'DriftEndpoint'
   */
  readonly endpoint?: string;
}

/**
 * An account and region whose Model Monitor schedules may retrain a pipeline: a production
 * environment of the project.
 */
export interface MonitoredEnvironment {
  /**
   * The 12-digit account id.
   */
  readonly account: string;

  /**
   * The region.
   */
  readonly region: string;
}

/**
 * Properties of `DriftRetraining`.
 */
export interface DriftRetrainingProps {
  /** The project's model-build pipeline, started on drift. */
  readonly pipeline: IModelBuildPipeline;

  /**
   * Endpoints whose drift retrains this pipeline.
   *
   * @default - none; give `monitors`, `endpointNames` or `monitoringScheduleNames`
   */
  readonly endpointNames?: string[];

  /**
   * Monitors whose drift retrains this pipeline: their endpoints and schedules are watched.
   *
   * @default - none; give `monitors`, `endpointNames` or `monitoringScheduleNames`
   */
  readonly monitors?: ModelMonitor[];

  /**
   * Monitoring schedules whose drift retrains this pipeline (batch-transform monitors have no endpoint).
   *
   * @default - none; give `monitors`, `endpointNames` or `monitoringScheduleNames`
   */
  readonly monitoringScheduleNames?: string[];

  /**
   * The bus that drift events arrive on: the tooling account's `PlatformEventBus` when the
   * monitors run in other accounts and their events are forwarded to it (`EventForwarding`).
   *
   * @default - the account's default event bus (single-account setups)
   */
  readonly eventBus?: events.IEventBus;

  /**
   * The accounts and regions whose monitors may retrain the pipeline: the project's production
   * environments. The rules match only events from them (and, for monitoring executions, only the
   * exact ARNs of the watched schedules there), and the handler checks the schedule's (or alarm's)
   * account and region again: drift of a watched name from anywhere else is ignored, logged and
   * counted (`ForeignDriftEvents`).
   *
   * @default - the accounts and regions of the given monitors' stacks where they are known;
   *   otherwise this stack's account and region (a monitor in an environment-agnostic template,
   *   such as the one a promotion deploys, needs this prop)
   */
  readonly monitoredEnvironments?: MonitoredEnvironment[];

  /**
   * The project's topic, told of every drift and of the retraining started or skipped.
   *
   * @default - a new topic encrypted with `encryptionKey`
   */
  readonly topic?: sns.ITopic;

  /**
   * No retraining starts within this time after the start of the pipeline's last execution that
   * is running or succeeded, whatever started it. A failed or stopped execution produced no model
   * and starts no cooldown: the next drift retrains. Whole seconds.
   *
   * @default Duration.days(1)
   */
  readonly cooldown?: Duration;

  /**
   * Names of the pipeline parameters that receive why retraining started.
   *
   * @default - `RetrainReason`, `DriftMonitorType`, `DriftMetric`, `DriftEndpoint`
   */
  readonly parameterNames?: RetrainingParameterNames;

  /**
   * Key for the handler's logs, dead letters and environment, and for the default topic.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Topic for the handler's alarms (dead letters, errors, malformed events).
   *
   * @default - `topic`: the project hears that its drift events are not being handled
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * VPC to run the handler in; it needs to reach the SageMaker and SNS APIs.
   *
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` for the handler.
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
 * Closes the loop: drift of a project's endpoints (a monitoring execution completing with
 * violations, or an alarm on a Model Monitor metric) in its production accounts and regions starts
 * the project's model-build pipeline.
 *
 * A Lambda handler in the tooling account decides: it accepts drift only from the monitored
 * environments (the rules match their accounts, regions and the watched schedules' ARNs; the
 * handler checks the schedule's ARN again), starts at most one execution per drift (keyed on the
 * monitoring execution or the alarm's state change, not the event, with a client request token),
 * none while an execution is running, none within `cooldown` of the start of the last execution
 * that is running or succeeded (a failed or stopped one does not count), passes parameters saying
 * why, and tells the project's topic what it did. It has a dead-letter queue and alarms. Its role
 * can start and read only this pipeline.
 */
export class DriftRetraining extends Construct {
  /** The handler function. */
  public readonly handlerFunction: lambda.IFunction;
  /** The handler's role. */
  public readonly role: iam.IRole;
  /** Drift events the handler could not process. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The topic told of drift and retraining. */
  public readonly topic: sns.ITopic;
  /** Key of the handler's logs, dead letters and environment. */
  public readonly encryptionKey: kms.IKey;
  /** Rule on monitoring executions that completed with violations. */
  public readonly violationsRule: events.Rule;
  /** Rule on alarms of Model Monitor metrics entering ALARM. */
  public readonly alarmRule: events.Rule;
  /** Alarm: drift events are waiting in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.IAlarm;
  /** Alarm: the handler failed. */
  public readonly errorAlarm: cloudwatch.IAlarm;
  /** Alarm: the handler received events it could not parse. */
  public readonly malformedEventAlarm: cloudwatch.IAlarm;
  /** The endpoints whose drift retrains the pipeline. */
  public readonly endpointNames: string[];
  /** The monitoring schedules whose drift retrains the pipeline. */
  public readonly monitoringScheduleNames: string[];
  /** The accounts and regions whose drift retrains the pipeline. */
  public readonly monitoredEnvironments: MonitoredEnvironment[];

  constructor(scope: Construct, id: string, props: DriftRetrainingProps) {
    super(scope, id);
    const monitors = props.monitors ?? [];
    const endpointNames = [...new Set([...(props.endpointNames ?? []), ...monitors.flatMap((m) => (m.endpointName ? [m.endpointName] : []))])];
    // Schedules too: a monitoring execution's event always names its schedule.
    const scheduleNames = [...new Set([...(props.monitoringScheduleNames ?? []), ...monitors.flatMap((m) => m.monitoringScheduleNames)])];
    const stack = Stack.of(this);
    const environments = props.monitoredEnvironments ?? defaultEnvironments(stack, monitors);
    validateDriftRetraining(this, { ...props, endpointNames, monitoringScheduleNames: scheduleNames, monitoredEnvironments: environments });
    this.endpointNames = endpointNames;
    this.monitoringScheduleNames = scheduleNames;
    this.monitoredEnvironments = environments.map((e) => ({ account: e.account, region: e.region }));

    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', 'Encrypts the drift-to-retraining handler logs, dead letters, environment and notifications');
    // EventBridge writes undeliverable events into the key-encrypted dead-letter queue: its rules in
    // this account only (EventBridge sets aws:SourceArn to the rule and aws:SourceAccount to the rule's
    // account, https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html).
    this.encryptionKey.grant(eventBridgeOfThisAccount(stack), 'kms:Decrypt', 'kms:GenerateDataKey');
    this.topic = props.topic ?? new sns.Topic(this, 'Topic', {
      displayName: `Drift and retraining of ${props.pipeline.pipelineName}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    const alarmTopic = props.alarmTopic ?? this.topic;
    // The handler's alarms publish to an encrypted topic only if CloudWatch may use its key (an
    // imported key keeps its own policy: the grant is then a no-op); alarms of this account only.
    alarmTopic.masterKey?.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }), 'kms:Decrypt', 'kms:GenerateDataKey');

    const parameterNames = props.parameterNames ?? {};
    const handler = new EventHandlerFunction(this, 'Handler', {
      handler: 'drift-to-retraining',
      description: 'Starts the model-build pipeline when a monitored endpoint drifts',
      encryptionKey: this.encryptionKey,
      alarmTopic,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      network: props.network,
      // One decision at a time: two drift events cannot both see "nothing running" and start two.
      reservedConcurrentExecutions: 1,
      environment: {
        PIPELINE_NAME: props.pipeline.pipelineName,
        TOPIC_ARN: this.topic.topicArn,
        WATCHED_ENDPOINTS: Stack.of(this).toJsonString(endpointNames),
        WATCHED_MONITORING_SCHEDULES: Stack.of(this).toJsonString(scheduleNames),
        MONITORED_ENVIRONMENTS: Stack.of(this).toJsonString(this.monitoredEnvironments),
        COOLDOWN_SECONDS: String((props.cooldown ?? Duration.days(1)).toSeconds()),
        PIPELINE_PARAMETER_NAMES: Stack.of(this).toJsonString({
          reason: parameterNames.reason ?? 'RetrainReason',
          monitorType: parameterNames.monitorType ?? 'DriftMonitorType',
          metric: parameterNames.metric ?? 'DriftMetric',
          endpoint: parameterNames.endpoint ?? 'DriftEndpoint',
        }),
      },
    });
    this.handlerFunction = handler.function;
    this.role = handler.role;
    this.deadLetterQueue = handler.deadLetterQueue;
    this.deadLetterAlarm = handler.deadLetterAlarm;
    this.errorAlarm = handler.errorAlarm;
    this.malformedEventAlarm = handler.malformedEventAlarm;

    props.pipeline.grantStartExecution(handler.role);
    // Narrower than `grantReadExecutions`: the handler lists executions and reads the pipeline
    // definition (to pass only the parameters it declares); it never describes an execution, so
    // it needs no `execution/*` resource.
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:ListPipelineExecutions', 'sagemaker:DescribePipeline'],
      resources: pipelineArnsAsAuthorized(props.pipeline),
    }));
    this.topic.grantPublish(handler.role);
    if (this.topic.masterKey) {
      // Named exactly, so any other wildcard on the role still fails the compliance gate.
      waive(handler.role, {
        rules: ['AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]'],
        reason: 'publishing to a KMS-encrypted topic needs GenerateDataKey for each data-key variant; the grant is on the topic key only',
      });
    }

    // Every Model Monitor event names its schedule: when the schedules are all we watch, the rules
    // deliver only this project's drift, by the schedules' exact ARNs in the monitored accounts and
    // regions. Watched endpoints alone cannot be matched by the rules (a monitoring execution's
    // event names its endpoint only in its environment), so then the handler sorts the events out;
    // the rules still admit only the monitored accounts and regions.
    const origins: DriftOrigin[] = this.monitoredEnvironments;
    const filter = (props.endpointNames ?? []).length === 0
      ? { scheduleNames, origins, partition: stack.partition }
      : { origins, partition: stack.partition };
    this.violationsRule = new events.Rule(this, 'ViolationsRule', {
      description: `Monitoring executions with violations: may retrain ${props.pipeline.pipelineName}`,
      eventBus: props.eventBus,
      eventPattern: violationsPattern(filter),
      targets: [handler.asRuleTarget()],
    });
    this.alarmRule = new events.Rule(this, 'AlarmRule', {
      description: `Model Monitor metric alarms: may retrain ${props.pipeline.pipelineName}`,
      eventBus: props.eventBus,
      eventPattern: monitorAlarmPattern(filter),
      targets: [handler.asRuleTarget()],
    });
  }
}

/** The environments of the monitors' stacks where known, else this stack's. */
function defaultEnvironments(stack: Stack, monitors: ModelMonitor[]): MonitoredEnvironment[] {
  const known = new Map<string, MonitoredEnvironment>();
  for (const monitor of monitors) {
    const s = Stack.of(monitor);
    if (!Token.isUnresolved(s.account) && !Token.isUnresolved(s.region)) known.set(`${s.account}/${s.region}`, { account: s.account, region: s.region });
  }
  return known.size > 0 ? [...known.values()] : [{ account: stack.account, region: stack.region }];
}

function validateDriftRetraining(scope: Construct, props: DriftRetrainingProps): void {
  const problems: string[] = [];
  const environments = props.monitoredEnvironments ?? [];
  if (environments.length === 0) problems.push('monitoredEnvironments must name at least one account and region');
  for (const [i, e] of environments.entries()) {
    if (!Token.isUnresolved(e.account) && !/^\d{12}$/.test(e.account)) problems.push(`monitoredEnvironments[${i}].account must be a 12-digit account id, got '${e.account}'`);
    if (!Token.isUnresolved(e.region) && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(e.region)) problems.push(`monitoredEnvironments[${i}].region must be a region such as eu-west-1, got '${e.region}'`);
  }
  const endpoints = props.endpointNames ?? [];
  const schedules = props.monitoringScheduleNames ?? [];
  if (endpoints.length + schedules.length === 0) {
    problems.push('give monitors, endpointNames or monitoringScheduleNames: without them no drift is ever for this pipeline');
  }
  const badEndpoints = badNames(endpoints);
  if (badEndpoints.length > 0) problems.push(`endpointNames must be SageMaker names, got ${badEndpoints.join(', ')}`);
  const badSchedules = badNames(schedules);
  if (badSchedules.length > 0) problems.push(`monitoringScheduleNames must be SageMaker names, got ${badSchedules.join(', ')}`);
  if (props.cooldown && !Token.isUnresolved(props.cooldown.toSeconds({ integral: false }))) {
    const seconds = props.cooldown.toSeconds({ integral: false });
    if (!Number.isInteger(seconds)) problems.push(`cooldown must be whole seconds, got ${props.cooldown.toHumanString()}`);
  }
  for (const [key, value] of Object.entries(props.parameterNames ?? {})) {
    if (value !== undefined && !Token.isUnresolved(value) && !PARAMETER_NAME.test(value)) {
      problems.push(`parameterNames.${key} must be a pipeline parameter name (letters, digits, - and _), got ${JSON.stringify(value)}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`DriftRetraining ${scope.node.path}: ${problems.join('; ')}`);
  }
}

/**
 * Properties of `DirectDriftRetraining`.
 */
export interface DirectDriftRetrainingProps {
  /** The project's model-build pipeline, started on drift. */
  readonly pipeline: IModelBuildPipeline;

  /**
   * Monitors whose drift starts the pipeline.
   *
   * @default - none; give `monitors`, `monitoringScheduleNames` or both
   */
  readonly monitors?: ModelMonitor[];

  /**
   * Monitoring schedules whose drift starts the pipeline: matched on the monitoring execution's
   * `MonitoringScheduleArn` and on the alarm metric's `MonitoringSchedule` dimension, which every
   * Model Monitor metric carries.
   *
   * @default - none; give `monitors`, `monitoringScheduleNames` or both
   */
  readonly monitoringScheduleNames?: string[];

  /**
   * The bus that drift events arrive on.
   *
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;

  /**
   * Static parameters of every execution this rule starts (EventBridge rules cannot copy event
   * fields into pipeline parameters). The pipeline must declare each of them.
   *
   * @default - no parameters: the pipeline's defaults
   */
  readonly pipelineParameters?: { [name: string]: string };

  /**
   * Key of the dead-letter queue.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The route without code: EventBridge rules that start the model-build pipeline directly on
 * drift of the given monitors, with a retry policy, a dead-letter queue and a role that can
 * start only this pipeline.
 *
 * Unlike `DriftRetraining`, nothing checks whether an execution is already running or a
 * cooldown has passed, and a redelivered event starts a second execution: every violation and
 * every alarm starts one. Use it when monitors run rarely (daily) and a team wants no handler.
 */
export class DirectDriftRetraining extends Construct {
  /** Rule on monitoring executions of the schedules that completed with violations. */
  public readonly violationsRule: events.Rule;
  /** Rule on alarms of the schedules' Model Monitor metrics entering ALARM. */
  public readonly alarmRule: events.Rule;
  /** The role EventBridge assumes to start the pipeline. */
  public readonly role: iam.IRole;
  /** Events EventBridge could not deliver to the pipeline. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** Key of the dead-letter queue. */
  public readonly encryptionKey: kms.IKey;
  /** The monitoring schedules whose drift starts the pipeline. */
  public readonly monitoringScheduleNames: string[];

  constructor(scope: Construct, id: string, props: DirectDriftRetrainingProps) {
    super(scope, id);
    const schedules = [...new Set([...(props.monitoringScheduleNames ?? []), ...(props.monitors ?? []).flatMap((m) => m.monitoringScheduleNames)])];
    this.monitoringScheduleNames = schedules;
    const problems: string[] = [];
    if (schedules.length === 0) problems.push('give monitors or monitoringScheduleNames: without them no drift starts the pipeline');
    const bad = badNames(schedules);
    if (bad.length > 0) problems.push(`monitoringScheduleNames must be SageMaker names, got ${bad.join(', ')}`);
    const badParams = Object.keys(props.pipelineParameters ?? {}).filter((n) => !PARAMETER_NAME.test(n));
    if (badParams.length > 0) problems.push(`pipelineParameters names must be letters, digits, - and _, got ${badParams.map((n) => JSON.stringify(n)).join(', ')}`);
    if (problems.length > 0) throw new Error(`DirectDriftRetraining ${this.node.path}: ${problems.join('; ')}`);

    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', 'Encrypts drift events that could not start the model-build pipeline');
    this.encryptionKey.grant(eventBridgeOfThisAccount(Stack.of(this)), 'kms:Decrypt', 'kms:GenerateDataKey');
    const queue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueue = queue;
    waiveDeadLetterQueue(queue);
    // Only this account's rules may assume it (the rule ARN itself would be a circular reference).
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: eventBridgeOfThisAccount(Stack.of(this)),
      description: `Starts ${props.pipeline.pipelineName} on drift`,
    });
    props.pipeline.grantStartExecution(role);
    this.role = role;

    const target = new SageMakerPipelineTarget(props.pipeline, {
      parameters: props.pipelineParameters,
      role,
      deadLetterQueue: queue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(6),
    });
    this.violationsRule = new events.Rule(this, 'ViolationsRule', {
      description: `Monitoring executions with violations start ${props.pipeline.pipelineName}`,
      eventBus: props.eventBus,
      eventPattern: violationsPattern({ scheduleNames: schedules }),
      targets: [target],
    });
    this.alarmRule = new events.Rule(this, 'AlarmRule', {
      description: `Model Monitor metric alarms start ${props.pipeline.pipelineName}`,
      eventBus: props.eventBus,
      eventPattern: monitorAlarmPattern({ scheduleNames: schedules }),
      targets: [target],
    });
  }
}

function waiveDeadLetterQueue(queue: sqs.Queue): void {
  waive(queue, {
    rules: [...NagRules.dlqOfDlq],
    reason: 'this queue is itself the dead-letter queue of the drift rules; a queue behind it would only move the problem',
  });
}

/**
 * The pipeline's ARN (SageMaker reports it with the name in lower case) and, for a name with
 * capitals, the ARN as written, as `ModelBuildPipeline`'s own grants name them.
 */
function pipelineArnsAsAuthorized(pipeline: IModelBuildPipeline): string[] {
  const name = pipeline.pipelineName;
  if (Token.isUnresolved(name) || name === name.toLowerCase()) return [pipeline.pipelineArn];
  return [pipeline.pipelineArn, Stack.of(pipeline).formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })];
}
