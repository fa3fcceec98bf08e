import { IResolvable, IResolveContext, ResolutionTypeHint, Token } from 'aws-cdk-lib';
import { renderValue } from './render';

/**
 * A value SageMaker Pipelines computes at run time: a `Get` of a parameter, an execution
 * variable or a step property, `Std:Join`, `Std:JsonGet`, or a literal.
 *
 * An expression goes where the definition takes a string or a number through `asString()` /
 * `asNumber()` (or `${expression}` in a template string); when the definition is rendered it
 * becomes the JSON the SageMaker Python SDK emits for it. A string mixing literal text and
 * expressions becomes a `Std:Join` on "".
 */
export abstract class PipelineExpression implements IResolvable {
  /**
   * `Std:Join`: the values joined with `on` at run time. Values may hold expressions
   * (`expression.asString()`).
   */
  public static join(on: string, values: string[]): PipelineExpression {
    return new JoinExpression(on, values);
  }

  /**
   * `Std:JsonGet`: the value at `jsonPath` in a property file a processing step wrote.
   */
  public static jsonGet(options: JsonGetOptions): PipelineExpression {
    return new JsonGetExpression(options.stepName, options.propertyFileName, options.jsonPath);
  }

  /**
   * A `Get` of any path the DSL has no typed accessor for, e.g. `Steps.Train.FinalMetricDataList['rmse'].Value`.
   */
  public static get(path: string): PipelineExpression {
    return new GetExpression(path);
  }

  /** A literal string, for a condition operand. */
  public static fromString(value: string): PipelineExpression {
    return new LiteralExpression(value);
  }

  /** A literal number, for a condition operand. */
  public static fromNumber(value: number): PipelineExpression {
    return new LiteralExpression(value);
  }

  /** A literal boolean, for a condition operand. */
  public static fromBoolean(value: boolean): PipelineExpression {
    return new LiteralExpression(value);
  }

  /** Whether `x` is a pipeline expression. */
  public static isPipelineExpression(x: any): x is PipelineExpression {
    return x instanceof PipelineExpression;
  }

  public readonly creationStack: string[] = [];

  /** Expressions may stand for strings or numbers; no single hint applies. */
  public readonly typeHint?: ResolutionTypeHint = undefined;

  /**
   * The JSON SageMaker reads for this expression, e.g. `{ "Get": "Parameters.InputData" }`.
   *
   * Returns a JSON value (object, string, number or boolean); typed `any` because jsii has no JSON type.
   */
  public abstract toJson(): any;

  public resolve(_context: IResolveContext): any {
    return this.toJson();
  }

  /** This expression where the definition takes a string. */
  public asString(): string {
    return Token.asString(this);
  }

  /** This expression where the definition takes a number. */
  public asNumber(): number {
    return Token.asNumber(this);
  }

  public toString(): string {
    return Token.asString(this);
  }
}

/**
 * Where `Std:JsonGet` reads.
 */
export interface JsonGetOptions {
  /** The processing step that declares the property file. */
  readonly stepName: string;
  /** The property file's name (`PropertyFileName`). */
  readonly propertyFileName: string;
  /** The JSON path in the file, e.g. `regression_metrics.mse.value`. */
  readonly jsonPath: string;
}

class GetExpression extends PipelineExpression {
  constructor(public readonly path: string) {
    super();
  }

  public toJson(): any {
    return { Get: this.path };
  }
}

class LiteralExpression extends PipelineExpression {
  constructor(private readonly value: any) {
    super();
  }

  public toJson(): any {
    return this.value;
  }
}

class JoinExpression extends PipelineExpression {
  constructor(private readonly on: string, private readonly values: string[]) {
    super();
  }

  public toJson(): any {
    return { 'Std:Join': { On: this.on, Values: this.values.map((v) => renderValue(v)) } };
  }
}

class JsonGetExpression extends PipelineExpression {
  constructor(private readonly stepName: string, private readonly propertyFileName: string, private readonly jsonPath: string) {
    super();
  }

  public toJson(): any {
    return {
      'Std:JsonGet': {
        PropertyFile: { Get: `Steps.${this.stepName}.PropertyFiles.${this.propertyFileName}` },
        Path: this.jsonPath,
      },
    };
  }
}

/**
 * A variable of the running pipeline execution (`Execution.*`).
 */
export class ExecutionVariable extends PipelineExpression {
  /** `Execution.PipelineExecutionId`: the execution's id. */
  public static readonly PIPELINE_EXECUTION_ID = new ExecutionVariable('PipelineExecutionId');
  /** `Execution.PipelineExecutionArn`: the execution's ARN. */
  public static readonly PIPELINE_EXECUTION_ARN = new ExecutionVariable('PipelineExecutionArn');
  /** `Execution.PipelineName`: the pipeline's name. */
  public static readonly PIPELINE_NAME = new ExecutionVariable('PipelineName');
  /** `Execution.PipelineArn`: the pipeline's ARN. */
  public static readonly PIPELINE_ARN = new ExecutionVariable('PipelineArn');
  /** `Execution.StartDateTime`: when the execution started. */
  public static readonly START_DATE_TIME = new ExecutionVariable('StartDateTime');
  /** `Execution.CurrentDateTime`: the time the expression is evaluated. */
  public static readonly CURRENT_DATE_TIME = new ExecutionVariable('CurrentDateTime');

  /** The names SageMaker knows after `Execution.`. */
  public static readonly NAMES: string[] = ['PipelineExecutionId', 'PipelineExecutionArn', 'PipelineName', 'PipelineArn', 'StartDateTime', 'CurrentDateTime'];

  /**
   * @param variableName the variable's name after `Execution.`, e.g. `PipelineExecutionId`
   */
  private constructor(
    /** The variable's name after `Execution.` (for example `PipelineExecutionId`). */
    public readonly variableName: string,
  ) {
    super();
  }

  public toJson(): any {
    return { Get: `Execution.${this.variableName}` };
  }
}
