import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NagRules, waive } from '../private/compliance';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { createEncryptionKey } from '../private/encryption-key';

/**
 * Properties of `EventForwarding`.
 */
export interface EventForwardingProps {
  /**
   * ARN of the tooling account's event bus (see `PlatformEventBus`).
   */
  readonly targetEventBusArn: string;

  /**
   * SageMaker event detail types to forward.
   *
   * @default - monitoring executions, endpoint state changes and endpoint deployment state changes
   */
  readonly detailTypes?: string[];

  /**
   * Key for the dead-letter queue of events that could not be forwarded.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;
}

/** The SageMaker events a workload account forwards to the tooling account by default. */
export const DEFAULT_FORWARDED_DETAIL_TYPES = [
  'SageMaker Processing Job State Change',
  'SageMaker Endpoint State Change',
  'SageMaker Endpoint Deployment State Change',
];

/**
 * Forwards SageMaker events from a staging or production account to the tooling account's
 * event bus, with a dead-letter queue for events the bus did not accept.
 */
export class EventForwarding extends Construct {
  /** The forwarding rule. */
  public readonly rule: events.Rule;
  /** Events that could not be delivered to the tooling bus. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The role EventBridge assumes to put events on the tooling bus. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: EventForwardingProps) {
    super(scope, id);
    const key = props.encryptionKey ?? createEncryptionKey(this, 'Key', 'Encrypts SageMaker events that could not be forwarded to the tooling account');
    // EventBridge itself writes undeliverable events into the key-encrypted dead-letter queue.
    key.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
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
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'Puts SageMaker events on the tooling account event bus',
    });
    const bus = events.EventBus.fromEventBusArn(this, 'TargetBus', props.targetEventBusArn);
    this.rule = new events.Rule(this, 'Resource', {
      description: 'Forwards SageMaker events to the tooling account',
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: props.detailTypes ?? DEFAULT_FORWARDED_DETAIL_TYPES,
      },
      targets: [new targets.EventBus(bus, { role: this.role, deadLetterQueue: this.deadLetterQueue })],
    });
  }
}
