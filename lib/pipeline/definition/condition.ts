import { PipelineExpression } from './expression';

/**
 * A condition of a `ConditionStep`, serialized as the SageMaker Python SDK serializes it.
 *
 * Operands are expressions: parameters, execution variables, step properties, `Std:JsonGet`, or
 * literals (`PipelineExpression.fromNumber(0.7)`).
 */
export abstract class Condition {
  /** `Equals`: left == right. */
  public static equalTo(left: PipelineExpression, right: PipelineExpression): Condition {
    return new ComparisonCondition('Equals', left, right);
  }

  /** `GreaterThan`: left > right. */
  public static greaterThan(left: PipelineExpression, right: PipelineExpression): Condition {
    return new ComparisonCondition('GreaterThan', left, right);
  }

  /** `GreaterThanOrEqualTo`: left >= right. */
  public static greaterThanOrEqualTo(left: PipelineExpression, right: PipelineExpression): Condition {
    return new ComparisonCondition('GreaterThanOrEqualTo', left, right);
  }

  /** `LessThan`: left < right. */
  public static lessThan(left: PipelineExpression, right: PipelineExpression): Condition {
    return new ComparisonCondition('LessThan', left, right);
  }

  /** `LessThanOrEqualTo`: left <= right. */
  public static lessThanOrEqualTo(left: PipelineExpression, right: PipelineExpression): Condition {
    return new ComparisonCondition('LessThanOrEqualTo', left, right);
  }

  /** `In`: the value is one of the values. */
  public static isIn(value: PipelineExpression, values: PipelineExpression[]): Condition {
    return new InCondition(value, values);
  }

  /** `Not`: the condition does not hold. */
  public static negate(condition: Condition): Condition {
    return new NotCondition(condition);
  }

  /** `Or`: at least one of the conditions holds. */
  public static anyOf(conditions: Condition[]): Condition {
    return new OrCondition(conditions);
  }

  /**
   * The condition's JSON, e.g. `{ "Type": "GreaterThan", "LeftValue": ..., "RightValue": ... }`.
   * Typed `any` because jsii has no JSON type.
   */
  public abstract toJson(): any;
}

class ComparisonCondition extends Condition {
  constructor(private readonly type: string, private readonly left: PipelineExpression, private readonly right: PipelineExpression) {
    super();
  }

  public toJson(): any {
    return { Type: this.type, LeftValue: this.left.toJson(), RightValue: this.right.toJson() };
  }
}

class InCondition extends Condition {
  constructor(private readonly value: PipelineExpression, private readonly values: PipelineExpression[]) {
    super();
  }

  public toJson(): any {
    return { Type: 'In', QueryValue: this.value.toJson(), Values: this.values.map((v) => v.toJson()) };
  }
}

class NotCondition extends Condition {
  constructor(private readonly condition: Condition) {
    super();
  }

  public toJson(): any {
    // `Condition`, not `Expression`: the service rejected `Expression` ("unknown property",
    // aws/sagemaker-python-sdk#2746) and SDK v2.257.6 writes `Condition` (workflow/conditions.py).
    return { Type: 'Not', Condition: this.condition.toJson() };
  }
}

class OrCondition extends Condition {
  constructor(private readonly conditions: Condition[]) {
    super();
  }

  public toJson(): any {
    return { Type: 'Or', Conditions: this.conditions.map((c) => c.toJson()) };
  }
}
