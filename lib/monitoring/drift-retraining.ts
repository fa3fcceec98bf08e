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
import { badNames, monitorAlarmPattern, violationsPattern } from './drift-events';
import { ModelMonitor } from './model-monitor';
import { IModelBuildPipeline } from '../pipeline/model-build-pipeline';
import { SageMakerPipelineTarget } from '../pipeline/sagemaker-pipeline-target';
import { NagRules, waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { EventHandlerFunction } from '../private/event-handler';
import { ManagedPolicyRole } from '../private/managed-policy-role';

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
   * monitors run in other accounts and forward their events (`ModelMonitor` `eventBus`).
   *
   * @default - the account's default event bus (single-account setups)
   */
  readonly eventBus?: events.IEventBus;

  /**
   * The project's topic, told of every drift and of the retraining started or skipped.
   *
   * @default - a new topic encrypted with `encryptionKey`
   */
  readonly topic?: sns.ITopic;

  /**
   * No retraining starts within this time after the last execution of the pipeline started,
   * whatever started it. Whole seconds.
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
}

/**
 * Closes the loop: drift of a project's endpoints (a monitoring execution completing with
 * violations, or an alarm on a Model Monitor metric) starts the project's model-build pipeline.
 *
 * A Lambda handler in the tooling account decides: it starts at most one execution per event
 * (a client request token from the event id), none while an execution is running, none within
 * `cooldown` of the last start, passes parameters saying why, and tells the project's topic what
 * it did. It has a dead-letter queue and alarms. Its role can start and read only this pipeline.
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

  constructor(scope: Construct, id: string, props: DriftRetrainingProps) {
    super(scope, id);
    const monitors = props.monitors ?? [];
    const endpointNames = [...new Set([...(props.endpointNames ?? []), ...monitors.flatMap((m) => (m.endpointName ? [m.endpointName] : []))])];
    // Schedules too: a monitoring execution's event always names its schedule.
    const scheduleNames = [...new Set([...(props.monitoringScheduleNames ?? []), ...monitors.flatMap((m) => m.monitoringScheduleNames)])];
    validateDriftRetraining(this, { ...props, endpointNames, monitoringScheduleNames: scheduleNames });
    this.endpointNames = endpointNames;
    this.monitoringScheduleNames = scheduleNames;

    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', 'Encrypts the drift-to-retraining handler logs, dead letters, environment and notifications');
    // EventBridge writes undeliverable events into the key-encrypted dead-letter queue.
    this.encryptionKey.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    this.topic = props.topic ?? new sns.Topic(this, 'Topic', {
      displayName: `Drift and retraining of ${props.pipeline.pipelineName}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });

    const parameterNames = props.parameterNames ?? {};
    const handler = new EventHandlerFunction(this, 'Handler', {
      handler: 'drift-to-retraining',
      description: 'Starts the model-build pipeline when a monitored endpoint drifts',
      encryptionKey: this.encryptionKey,
      alarmTopic: props.alarmTopic ?? this.topic,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      // One decision at a time: two drift events cannot both see "nothing running" and start two.
      reservedConcurrentExecutions: 1,
      environment: {
        PIPELINE_NAME: props.pipeline.pipelineName,
        TOPIC_ARN: this.topic.topicArn,
        WATCHED_ENDPOINTS: Stack.of(this).toJsonString(endpointNames),
        WATCHED_MONITORING_SCHEDULES: Stack.of(this).toJsonString(scheduleNames),
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
    // deliver only this project's drift. Watched endpoints alone cannot be matched by the rules
    // (a monitoring execution's event names its endpoint only in its environment), so then the
    // handler sorts the events out.
    const filter = (props.endpointNames ?? []).length === 0 ? { scheduleNames } : {};
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

function validateDriftRetraining(scope: Construct, props: DriftRetrainingProps): void {
  const problems: string[] = [];
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
    this.encryptionKey.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    const queue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueue = queue;
    waiveDeadLetterQueue(queue);
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
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
