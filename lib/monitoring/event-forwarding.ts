import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NagRules, waive } from '../private/compliance';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { createEncryptionKey } from '../private/encryption-key';
import { eventBridgeOfThisAccount, monitorAlarmPattern, PROCESSING_JOB_STATE_CHANGE } from './drift-events';

/** `detail-type` of a SageMaker endpoint's state change. */
const ENDPOINT_STATE_CHANGE = 'SageMaker Endpoint State Change';
/** `detail-type` of a SageMaker endpoint deployment's (blue/green, rolling) state change. */
const ENDPOINT_DEPLOYMENT_STATE_CHANGE = 'SageMaker Endpoint Deployment State Change';

/**
 * One source's events, as an account forwards them and the tooling bus admits them.
 */
export interface ForwardedEventSelection {
  /**
   * The event source, such as `aws.sagemaker`.
   */
  readonly source: string;

  /**
   * The detail types forwarded from that source.
   */
  readonly detailTypes: string[];
}

interface ForwardedRule {
  readonly id: string;
  readonly description: string;
  readonly pattern: events.EventPattern;
}

/**
 * Which events an account forwards to the tooling account's bus, and so which the bus admits from
 * it: `production()`, `staging()`, or SageMaker events of detail types of your choice.
 */
export class ForwardedEvents {
  /**
   * What a production account forwards: its Model Monitor executions (processing jobs started by a
   * monitoring schedule), the state changes of its Model Monitor metric alarms, and its endpoints'
   * state and deployment changes.
   */
  public static production(): ForwardedEvents {
    return new ForwardedEvents([
      {
        id: 'MonitoringExecutions',
        description: 'Forwards Model Monitor executions to the tooling account',
        pattern: {
          source: ['aws.sagemaker'],
          detailType: [PROCESSING_JOB_STATE_CHANGE],
          // Only processing jobs a monitoring schedule started.
          detail: { MonitoringScheduleArn: events.Match.exists() },
        },
      },
      {
        id: 'MonitorAlarms',
        description: 'Forwards Model Monitor metric alarms entering ALARM to the tooling account',
        pattern: monitorAlarmPattern(),
      },
      ENDPOINT_EVENTS,
    ]);
  }

  /**
   * What a staging account forwards: its endpoints' state and deployment changes, nothing of
   * monitoring (staging is not monitored, and its drift must never retrain production's model).
   */
  public static staging(): ForwardedEvents {
    return new ForwardedEvents([ENDPOINT_EVENTS]);
  }

  /**
   * SageMaker events of these detail types, whatever they concern.
   */
  public static sageMaker(detailTypes: string[]): ForwardedEvents {
    const bad = detailTypes.filter((t) => !Token.isUnresolved(t) && !/^SageMaker [A-Za-z ]+$/.test(t));
    if (detailTypes.length === 0 || bad.length > 0) {
      throw new Error(`ForwardedEvents.sageMaker: detailTypes must be SageMaker detail types such as 'SageMaker Endpoint State Change', got ${detailTypes.length === 0 ? 'none' : bad.map((b) => JSON.stringify(b)).join(', ')}`);
    }
    return new ForwardedEvents([{
      id: 'SageMakerEvents',
      description: 'Forwards SageMaker events to the tooling account',
      pattern: { source: ['aws.sagemaker'], detailType: [...new Set(detailTypes)] },
    }]);
  }

  /** The sources and detail types these events are made of, for the bus policy. */
  public readonly selections: ForwardedEventSelection[];

  private constructor(private readonly rules: ForwardedRule[]) {
    const bySource = new Map<string, Set<string>>();
    for (const rule of rules) {
      for (const source of rule.pattern.source ?? []) {
        const types = bySource.get(source) ?? new Set<string>();
        for (const t of rule.pattern.detailType ?? []) types.add(t);
        bySource.set(source, types);
      }
    }
    this.selections = [...bySource.entries()].map(([source, types]) => ({ source, detailTypes: [...types].sort() }));
  }

  /**
   * These events and those of `other`: what an account that is both staging and production forwards.
   */
  public combinedWith(other: ForwardedEvents): ForwardedEvents {
    const seen = new Set(this.rules.map((r) => r.id));
    return new ForwardedEvents([...this.rules, ...other.rules.filter((r) => !seen.has(r.id))]);
  }

  /** @internal the forwarding rules, one per kind of event */
  public _rules(): ForwardedRule[] {
    return this.rules;
  }
}

const ENDPOINT_EVENTS: ForwardedRule = {
  id: 'EndpointEvents',
  description: 'Forwards SageMaker endpoint state and deployment changes to the tooling account',
  pattern: { source: ['aws.sagemaker'], detailType: [ENDPOINT_STATE_CHANGE, ENDPOINT_DEPLOYMENT_STATE_CHANGE] },
};

/**
 * Properties of `EventForwarding`.
 */
export interface EventForwardingProps {
  /**
   * ARN of the tooling account's event bus (see `PlatformEventBus`).
   */
  readonly targetEventBusArn: string;

  /**
   * The events to forward; the tooling bus must admit them from this account
   * (`PlatformEventBus` `sources`).
   *
   * @default ForwardedEvents.production()
   */
  readonly events?: ForwardedEvents;

  /**
   * SageMaker event detail types to forward, instead of `events`.
   *
   * @deprecated use `events: ForwardedEvents.sageMaker(detailTypes)`
   * @default - `events`
   */
  readonly detailTypes?: string[];

  /**
   * Key for the dead-letter queue of events that could not be forwarded.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;
}

/** The SageMaker events a workload account forwarded by default before `ForwardedEvents`. */
export const DEFAULT_FORWARDED_DETAIL_TYPES = [
  PROCESSING_JOB_STATE_CHANGE,
  ENDPOINT_STATE_CHANGE,
  ENDPOINT_DEPLOYMENT_STATE_CHANGE,
];

/**
 * Forwards events from a staging or production account to the tooling account's event bus: by
 * default what production sends (Model Monitor executions and metric alarms, endpoint state and
 * deployment changes), with `ForwardedEvents.staging()` only endpoint changes. One rule per kind of
 * event, with a dead-letter queue for events the bus did not accept.
 *
 * This is the one route by which a workload account's drift reaches the tooling bus: a monitor
 * that also forwards its own events (`ModelMonitor` `eventBus`) would deliver each one twice.
 */
export class EventForwarding extends Construct {
  /** The first forwarding rule (Model Monitor executions, for production). */
  public readonly rule: events.Rule;
  /** The forwarding rules, one per kind of event. */
  public readonly rules: events.Rule[];
  /** What is forwarded. */
  public readonly forwardedEvents: ForwardedEvents;
  /** Events that could not be delivered to the tooling bus. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The role EventBridge assumes to put events on the tooling bus. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: EventForwardingProps) {
    super(scope, id);
    if (props.events && props.detailTypes) {
      throw new Error(`EventForwarding ${this.node.path}: give events or detailTypes, not both`);
    }
    this.forwardedEvents = props.events ?? (props.detailTypes ? ForwardedEvents.sageMaker(props.detailTypes) : ForwardedEvents.production());
    const stack = Stack.of(this);
    const key = props.encryptionKey ?? createEncryptionKey(this, 'Key', 'Encrypts events that could not be forwarded to the tooling account');
    // EventBridge itself writes undeliverable events into the key-encrypted dead-letter queue.
    key.grant(eventBridgeOfThisAccount(stack), 'kms:Decrypt', 'kms:GenerateDataKey');
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    waive(this.deadLetterQueue, {
      rules: [...NagRules.dlqOfDlq],
      reason: 'this queue is itself the dead-letter queue of the forwarding rule; a queue behind it would only move the problem',
    });
    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: eventBridgeOfThisAccount(stack),
      description: 'Puts SageMaker events on the tooling account event bus',
    });
    const bus = events.EventBus.fromEventBusArn(this, 'TargetBus', props.targetEventBusArn);
    const target = new targets.EventBus(bus, { role: this.role, deadLetterQueue: this.deadLetterQueue });
    this.rules = this.forwardedEvents._rules().map((r) => new events.Rule(this, r.id, {
      description: r.description,
      eventPattern: r.pattern,
      targets: [target],
    }));
    this.rule = this.rules[0];
  }
}

