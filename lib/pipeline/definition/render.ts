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

/**
 * `json.dumps(value)` as Python writes it by default (`", "` and `": "` separators, non-ASCII
 * escaped), which is how the SageMaker Python SDK writes JSON inside string fields (the Model
 * Monitor `dataset_format`, a model card's content). Strings and numbers that carry pipeline
 * expressions keep their token in the text, so `renderValue` turns the result into a
 * `Std:Join`: a string expression inside its quotes, a number expression bare.
 * @internal
 */
export function pythonJsonDumps(value: any): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PipelineExpression) return value.asString();
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'number') {
    if (!Token.isUnresolved(value)) return JSON.stringify(value);
    const token = Tokenization.reverseNumber(value);
    return token instanceof PipelineExpression ? token.asString() : Tokenization.stringifyNumber(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
  }
  throw new Error(`cannot write ${typeof value} as JSON`);
}
