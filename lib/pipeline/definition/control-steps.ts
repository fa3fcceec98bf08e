import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Condition } from './condition';
import { PipelineExpression } from './expression';
import { renderValue } from './render';
import { CacheConfig, PipelineStep, StepOptions, StepRenderOptions } from './step';

/**
 * Props of a condition step.
 */
export interface ConditionStepProps extends StepOptions {
  /** The conditions; all must hold for the if branch. */
  readonly conditions: Condition[];
  /**
   * Steps run when the conditions hold (`IfSteps`).
   * @default - none
   */
  readonly ifSteps?: PipelineStep[];
  /**
   * Steps run otherwise (`ElseSteps`).
   * @default - none
   */
  readonly elseSteps?: PipelineStep[];
}

/**
 * A `Condition` step: runs one of two branches of steps. The branches' steps belong to the
 * condition step; do not list them in the definition's steps too. Both branches may be empty:
 * the step then only computes its `outcome` (the SDK's integration test
 * `test_two_step_fail_pipeline_with_join_fn` creates and runs such a pipeline on SageMaker, and
 * AWS's pipeline-definition schema makes `IfSteps` and `ElseSteps` optional lists).
 */
export class ConditionStep extends PipelineStep {
  constructor(name: string, private readonly props: ConditionStepProps) {
    super(name, 'Condition', props);
  }

  /** Whether the conditions held (`Outcome`). */
  public get outcome(): PipelineExpression {
    return this.property('Outcome');
  }

  public get childSteps(): PipelineStep[] {
    return [...(this.props.ifSteps ?? []), ...(this.props.elseSteps ?? [])];
  }

  protected renderBody(options: StepRenderOptions): any {
    return {
      Arguments: {
        Conditions: this.props.conditions.map((c) => c.toJson()),
        IfSteps: (this.props.ifSteps ?? []).map((s) => s.toJson(options)),
        ElseSteps: (this.props.elseSteps ?? []).map((s) => s.toJson(options)),
      },
    };
  }
}

/**
 * Props of a fail step.
 */
export interface FailStepProps extends StepOptions {
  /**
   * Why the execution failed; may hold expressions.
   * @default '' (the SDK writes an empty message)
   */
  readonly errorMessage?: string;
}

/**
 * A `Fail` step: ends the execution as failed.
 */
export class FailStep extends PipelineStep {
  constructor(name: string, private readonly props: FailStepProps = {}) {
    super(name, 'Fail', props);
  }

  protected renderBody(_options: StepRenderOptions): any {
    return { Arguments: { ErrorMessage: renderValue(this.props.errorMessage ?? '') } };
  }
}

/**
 * The type of an output of a Lambda or callback step.
 */
export enum StepOutputType {
  /** `String` */
  STRING = 'String',
  /** `Integer` */
  INTEGER = 'Integer',
  /** `Boolean` */
  BOOLEAN = 'Boolean',
  /** `Float` */
  FLOAT = 'Float',
}

/**
 * An output of a Lambda or callback step (`OutputParameters`).
 */
export interface StepOutput {
  /** The output's name. */
  readonly outputName: string;
  /**
   * Its type.
   * @default StepOutputType.STRING
   */
  readonly outputType?: StepOutputType;
}

function outputParameters(outputs?: StepOutput[]): any[] {
  return (outputs ?? []).map((o) => ({ OutputName: o.outputName, OutputType: o.outputType ?? StepOutputType.STRING }));
}

/**
 * Props of a Lambda step.
 */
export interface LambdaStepProps extends StepOptions {
  /** The function invoked (`FunctionArn`). */
  readonly lambdaFunction: lambda.IFunction;
  /**
   * The event the function receives (`Arguments`); values may hold expressions.
   * @default - an empty event
   */
  readonly inputs?: { [name: string]: any };
  /**
   * The outputs read from the function's result.
   * @default - none
   */
  readonly outputs?: StepOutput[];
  /**
   * Whether a previous successful run with the same arguments is reused (`CacheConfig`).
   * @default - not cached
   */
  readonly cacheConfig?: CacheConfig;
}

/**
 * A `Lambda` step: invokes a Lambda function (SageMaker waits up to 10 minutes for it).
 */
export class LambdaStep extends PipelineStep {
  constructor(name: string, private readonly props: LambdaStepProps) {
    super(name, 'Lambda', props);
  }

  /** An output of the function (`OutputParameters['<name>']`). */
  public outputParameter(outputName: string): PipelineExpression {
    return this.property(`OutputParameters['${outputName}']`);
  }

  protected renderBody(_options: StepRenderOptions): any {
    return {
      Arguments: renderValue(this.props.inputs ?? {}),
      FunctionArn: renderValue(this.props.lambdaFunction.functionArn),
      OutputParameters: outputParameters(this.props.outputs),
    };
  }
}

/**
 * Props of a callback step.
 */
export interface CallbackStepProps extends StepOptions {
  /**
   * The queue the step sends its token to (`SqsQueueUrl`). A queue of this app renders its URL
   * as a CloudFormation token; to import a queue with a literal URL in the definition, use
   * `sqs.Queue.fromQueueAttributes(scope, id, { queueArn, queueUrl })` (`fromQueueArn` builds
   * the URL from tokens of the stack).
   */
  readonly queue: sqs.IQueue;
  /**
   * The message's arguments (`Arguments`); values may hold expressions.
   * @default - none
   */
  readonly inputs?: { [name: string]: any };
  /**
   * The outputs the callback sends back.
   * @default - none
   */
  readonly outputs?: StepOutput[];
  /**
   * Whether a previous successful run with the same arguments is reused (`CacheConfig`).
   * @default - not cached
   */
  readonly cacheConfig?: CacheConfig;
}

/**
 * A `Callback` step: sends a token to an SQS queue and waits for `SendPipelineExecutionStepSuccess`.
 */
export class CallbackStep extends PipelineStep {
  constructor(name: string, private readonly props: CallbackStepProps) {
    super(name, 'Callback', props);
  }

  /** An output sent with the callback (`OutputParameters['<name>']`). */
  public outputParameter(outputName: string): PipelineExpression {
    return this.property(`OutputParameters['${outputName}']`);
  }

  protected renderBody(_options: StepRenderOptions): any {
    return {
      Arguments: renderValue(this.props.inputs ?? {}),
      SqsQueueUrl: renderValue(this.props.queue.queueUrl),
      OutputParameters: outputParameters(this.props.outputs),
    };
  }
}
