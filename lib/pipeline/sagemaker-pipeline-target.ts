import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { addToDeadLetterQueueResourcePolicy } from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IModelBuildPipeline } from './model-build-pipeline';
import { ManagedPolicyRole } from '../private/managed-policy-role';

/**
 * Props of a SageMaker pipeline target.
 */
export interface SageMakerPipelineTargetProps {
  /**
   * Pipeline parameters the execution starts with (`SageMakerPipelineParameters`).
   * @default - none: the parameters' defaults
   */
  readonly parameters?: { [name: string]: string };
  /**
   * The role EventBridge assumes to start the pipeline.
   * @default - a new role that may start only this pipeline
   */
  readonly role?: iam.IRole;
  /**
   * Where events that cannot start the pipeline go.
   * @default - none: they are dropped after the retries
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Retries of a failed start.
   * @default 185 (EventBridge's default)
   */
  readonly retryAttempts?: number;
  /**
   * How long a start is retried.
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
}

function parameterList(parameters?: { [name: string]: string }): { name: string; value: string }[] | undefined {
  const entries = Object.entries(parameters ?? {});
  return entries.length === 0 ? undefined : entries.map(([name, value]) => ({ name, value }));
}

function retryPolicy(props: SageMakerPipelineTargetProps): { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number } | undefined {
  if (props.retryAttempts === undefined && props.maxEventAge === undefined) return undefined;
  return { maximumRetryAttempts: props.retryAttempts, maximumEventAgeInSeconds: props.maxEventAge?.toSeconds() };
}

/**
 * An EventBridge rule target that starts a SageMaker pipeline execution with parameters
 * (aws-cdk has none: aws-cdk issue 14887). The role it makes may start only this pipeline.
 *
 *   rule.addTarget(new SageMakerPipelineTarget(pipeline, { parameters: { Reason: 'drift' } }));
 */
export class SageMakerPipelineTarget implements events.IRuleTarget {
  constructor(private readonly pipeline: IModelBuildPipeline, private readonly props: SageMakerPipelineTargetProps = {}) {}

  public bind(rule: events.IRuleRef, id?: string): events.RuleTargetConfig {
    const role = this.props.role ?? new ManagedPolicyRole(rule as unknown as Construct, `${id ?? 'Target'}Role`, {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(rule).account } },
      }),
      description: `Starts SageMaker pipeline ${this.pipeline.node.path} for rule ${rule.node.path}`,
    });
    this.pipeline.grantStartExecution(role);
    if (this.props.deadLetterQueue) addToDeadLetterQueueResourcePolicy(rule, this.props.deadLetterQueue);

    // RuleTargetConfig has no field for SageMakerPipelineParameters: set it on the target the rule
    // is adding (it is the rule's target number <n> of the id `Target<n>` the rule gives).
    const list = parameterList(this.props.parameters);
    const index = /^Target(\d+)$/.exec(id ?? '');
    if (list) {
      const cfnRule = rule.node.defaultChild as events.CfnRule | undefined;
      if (!index || !cfnRule) {
        throw new Error(`SageMakerPipelineTarget on ${rule.node.path}: pipeline parameters can be set only on a target added with rule.addTarget() to an events.Rule`);
      }
      cfnRule.addPropertyOverride(`Targets.${index[1]}.SageMakerPipelineParameters`, {
        PipelineParameterList: list.map((p) => ({ Name: p.name, Value: p.value })),
      });
    }
    return {
      arn: this.pipeline.pipelineArn,
      role,
      deadLetterConfig: this.props.deadLetterQueue ? { arn: this.props.deadLetterQueue.queueArn } : undefined,
      retryPolicy: retryPolicy(this.props),
      targetResource: this.pipeline,
    };
  }
}

/**
 * An EventBridge Scheduler target that starts a SageMaker pipeline execution with parameters.
 * The role it makes may start only this pipeline.
 */
export class SageMakerPipelineScheduleTarget implements scheduler.IScheduleTarget {
  constructor(private readonly pipeline: IModelBuildPipeline, private readonly props: SageMakerPipelineTargetProps = {}) {}

  public bind(schedule: scheduler.ISchedule): scheduler.ScheduleTargetConfig {
    const stack = Stack.of(schedule);
    const role = this.props.role ?? new ManagedPolicyRole(schedule as unknown as Construct, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Starts SageMaker pipeline ${this.pipeline.node.path} on schedule ${schedule.node.path}`,
    });
    this.pipeline.grantStartExecution(role);
    if (this.props.deadLetterQueue) this.props.deadLetterQueue.grantSendMessages(role);
    const list = parameterList(this.props.parameters);
    return {
      arn: this.pipeline.pipelineArn,
      role,
      sageMakerPipelineParameters: list ? { pipelineParameterList: list } : undefined,
      deadLetterConfig: this.props.deadLetterQueue ? { arn: this.props.deadLetterQueue.queueArn } : undefined,
      retryPolicy: retryPolicy(this.props),
    };
  }
}
