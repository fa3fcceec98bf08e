import { PipelineExpression } from './expression';

/**
 * A parameter of the pipeline, given a value when an execution starts (`Parameters.*`).
 *
 * Use `ParameterString`, `ParameterInteger`, `ParameterFloat` or `ParameterBoolean`, named as in
 * the SageMaker Python SDK; the parameter is an expression that reads its value.
 */
export abstract class PipelineParameter extends PipelineExpression {
  /** The name of the parameter. */
  public readonly name: string;
  /** `String`, `Integer`, `Float` or `Boolean`. */
  public readonly parameterType: string;

  protected constructor(name: string, parameterType: string) {
    super();
    this.name = name;
    this.parameterType = parameterType;
  }

  public toJson(): any {
    return { Get: `Parameters.${this.name}` };
  }

  /**
   * The parameter's declaration in the definition's `Parameters`, e.g.
   * `{ "Name": "InputData", "Type": "String", "DefaultValue": "s3://..." }`.
   */
  public abstract toDeclaration(): any;
}

/**
 * Options of a string parameter.
 */
export interface ParameterStringOptions {
  /**
   * The value when an execution gives none.
   * @default - none: every execution must give one
   */
  readonly defaultValue?: string;
  /**
   * The values the parameter may take.
   * @default - any string
   */
  readonly enumValues?: string[];
}

/**
 * A string parameter (`"Type": "String"`).
 */
export class ParameterString extends PipelineParameter {
  constructor(name: string, private readonly options: ParameterStringOptions = {}) {
    super(name, 'String');
  }

  public toDeclaration(): any {
    return declaration(this, this.options.defaultValue, this.options.enumValues);
  }
}

/**
 * Options of an integer parameter.
 */
export interface ParameterIntegerOptions {
  /**
   * The value when an execution gives none.
   * @default - none: every execution must give one
   */
  readonly defaultValue?: number;
}

/**
 * An integer parameter (`"Type": "Integer"`).
 */
export class ParameterInteger extends PipelineParameter {
  constructor(name: string, private readonly options: ParameterIntegerOptions = {}) {
    super(name, 'Integer');
  }

  public toDeclaration(): any {
    return declaration(this, this.options.defaultValue);
  }
}

/**
 * Options of a float parameter.
 */
export interface ParameterFloatOptions {
  /**
   * The value when an execution gives none.
   * @default - none: every execution must give one
   */
  readonly defaultValue?: number;
}

/**
 * A float parameter (`"Type": "Float"`).
 */
export class ParameterFloat extends PipelineParameter {
  constructor(name: string, private readonly options: ParameterFloatOptions = {}) {
    super(name, 'Float');
  }

  public toDeclaration(): any {
    return declaration(this, this.options.defaultValue);
  }
}

/**
 * Options of a boolean parameter.
 */
export interface ParameterBooleanOptions {
  /**
   * The value when an execution gives none.
   * @default - none: every execution must give one
   */
  readonly defaultValue?: boolean;
}

/**
 * A boolean parameter (`"Type": "Boolean"`).
 */
export class ParameterBoolean extends PipelineParameter {
  constructor(name: string, private readonly options: ParameterBooleanOptions = {}) {
    super(name, 'Boolean');
  }

  public toDeclaration(): any {
    return declaration(this, this.options.defaultValue);
  }
}

function declaration(parameter: PipelineParameter, defaultValue?: any, enumValues?: string[]): any {
  const out: Record<string, any> = { Name: parameter.name, Type: parameter.parameterType };
  if (defaultValue !== undefined) out.DefaultValue = defaultValue;
  if (enumValues !== undefined) out.EnumValues = enumValues;
  return out;
}
