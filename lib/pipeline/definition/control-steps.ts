import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Condition } from './condition';
import { PipelineExpression } from './expression';
import { renderValue } from './render';
import { requestWith } from './request';
import { CacheConfig, JobStepOptions, PipelineStep, StepOptions } from './step';

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
 * condition step; do not list them in the definition's steps too.
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

  protected renderBody(): any {
    return {
      Arguments: {
        Conditions: this.props.conditions.map((c) => c.toJson()),
        IfSteps: (this.props.ifSteps ?? []).map((s) => s.toJson()),
        ElseSteps: (this.props.elseSteps ?? []).map((s) => s.toJson()),
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
   * @default - no message
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

  protected renderBody(): any {
    return { Arguments: this.props.errorMessage === undefined ? {} : { ErrorMessage: renderValue(this.props.errorMessage) } };
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

  protected renderBody(): any {
    return {
      Arguments: renderValue(this.props.inputs ?? {}),
      FunctionArn: this.props.lambdaFunction.functionArn,
      OutputParameters: outputParameters(this.props.outputs),
    };
  }
}

/**
 * Props of a callback step.
 */
export interface CallbackStepProps extends StepOptions {
  /** The queue the step sends its token to (`SqsQueueUrl`). */
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

  protected renderBody(): any {
    return {
      Arguments: renderValue(this.props.inputs ?? {}),
      SqsQueueUrl: this.props.queue.queueUrl,
      OutputParameters: outputParameters(this.props.outputs),
    };
  }
}

/** A `KeyValue` of an EMR step's Java properties. */
export interface EmrKeyValue {
  /** The key. */
  readonly key: string;
  /** The value. */
  readonly value: string;
}

/** `HadoopJarStep`. */
export interface HadoopJarStep {
  /** The JAR, e.g. `command-runner.jar`. */
  readonly jar: string;
  /**
   * Arguments.
   * @default - none
   */
  readonly args?: string[];
  /**
   * The main class.
   * @default - the JAR's manifest's
   */
  readonly mainClass?: string;
  /**
   * Java properties.
   * @default - none
   */
  readonly properties?: EmrKeyValue[];
}

/** `StepConfig` of an EMR step. */
export interface EmrStepConfig {
  /** The JAR to run. */
  readonly hadoopJarStep: HadoopJarStep;
}

/**
 * Props of an EMR step.
 */
export interface EmrStepProps extends JobStepOptions {
  /** The running EMR cluster the step is added to (`ClusterId`). */
  readonly clusterId: string;
  /** What the EMR step runs. */
  readonly stepConfig: EmrStepConfig;
}

/**
 * An `EMR` step: adds a step to a running Amazon EMR cluster.
 */
export class EmrStep extends PipelineStep {
  constructor(name: string, private readonly props: EmrStepProps) {
    super(name, 'EMR', props);
  }

  protected renderBody(): any {
    return {
      Arguments: requestWith({ clusterId: this.props.clusterId, stepConfig: this.props.stepConfig }, this.props.additionalArguments),
    };
  }
}
