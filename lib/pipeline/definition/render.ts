import { Token, Tokenization } from 'aws-cdk-lib';
import { PipelineExpression } from './expression';

/**
 * Renders a value of the definition: expressions (also those hidden in strings and numbers as
 * tokens) become their JSON, CloudFormation tokens stay for the stack to resolve.
 */
export function renderValue(value: any): any {
  if (value === undefined || value === null) {
    return value;
  }
  if (value instanceof PipelineExpression) {
    return value.toJson();
  }
  if (typeof value === 'string') {
    return renderString(value);
  }
  if (typeof value === 'number') {
    if (!Token.isUnresolved(value)) return value;
    const token = Tokenization.reverseNumber(value);
    return token instanceof PipelineExpression ? token.toJson() : value;
  }
  if (Array.isArray(value)) {
    return value.map(renderValue);
  }
  if (isPlainObject(value)) {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = renderValue(v);
    }
    return out;
  }
  return value;
}

function renderString(value: string): any {
  if (!Token.isUnresolved(value)) {
    return value;
  }
  const fragments = Tokenization.reverseString(value);
  if (fragments.length === 1) {
    const token = fragments.firstToken;
    return token instanceof PipelineExpression ? token.toJson() : value;
  }
  const parts: string[] = fragments.join({ join: (left: any, right: any) => (left instanceof Parts ? left : new Parts([left])).add(right) }).parts;
  let hasExpression = false;
  const values = parts.filter((p) => p !== '').map((part) => {
    if (!Token.isUnresolved(part)) return part;
    const token = Tokenization.reverse(part);
    if (token instanceof PipelineExpression) {
      hasExpression = true;
      return token.toJson();
    }
    return part;
  });
  return hasExpression ? { 'Std:Join': { On: '', Values: values } } : value;
}

class Parts {
  constructor(public readonly parts: string[]) {}
  public add(part: string): Parts {
    this.parts.push(part);
    return this;
  }
}

/** @internal */
export function isPlainObject(value: any): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
