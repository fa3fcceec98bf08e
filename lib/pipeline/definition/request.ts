import { PipelineExpression } from './expression';
import { isPlainObject, renderValue } from './render';

/**
 * Field names of the SageMaker API whose capitals a camelCase name loses.
 */
const FIELD_NAMES: Record<string, string> = {
  VolumeSizeInGb: 'VolumeSizeInGB',
  SupportedResponseMimeTypes: 'SupportedResponseMIMETypes',
  MaxPayloadInMb: 'MaxPayloadInMB',
  AutoMlJobConfig: 'AutoMLJobConfig',
  AutoMlJobObjective: 'AutoMLJobObjective',
  MaxAutoMlJobRuntimeInSeconds: 'MaxAutoMLJobRuntimeInSeconds',
};

/**
 * Fields whose value is a map the user names (environment, hyperparameters...): its keys are
 * kept as they are.
 */
const MAP_FIELDS = new Set([
  'Environment', 'HyperParameters', 'StaticHyperParameters', 'CustomerMetadataProperties',
  'HookParameters', 'CollectionParameters', 'ProfilingParameters', 'RuleParameters',
]);

/**
 * Turns typed step arguments (camelCase, after the SageMaker API request shapes) into the
 * request JSON (PascalCase): a `role`-like field holding an IAM role becomes `<Field>Arn`
 * with the role's ARN; maps the user names keep their keys; expressions render as JSON.
 */
export function toRequest(value: any): any {
  if (value === undefined || value === null) return value;
  if (Array.isArray(value)) return value.map(toRequest);
  if (value instanceof PipelineExpression || !isPlainObject(value)) return renderValue(value);
  const out: Record<string, any> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const field = fieldName(key);
    if (isRole(v)) {
      out[`${field}Arn`] = renderValue((v as any).roleArn);
      continue;
    }
    out[field] = MAP_FIELDS.has(field) ? renderValue(v) : toRequest(v);
  }
  return out;
}

function fieldName(key: string): string {
  const pascal = key.charAt(0).toUpperCase() + key.slice(1);
  return FIELD_NAMES[pascal] ?? pascal;
}

function isRole(value: any): boolean {
  return typeof value === 'object' && value !== null && !isPlainObject(value)
    && typeof value.roleArn === 'string' && typeof value.grantPassRole === 'function';
}

/**
 * The request for typed arguments, with the escape hatch's raw fields laid over it.
 */
export function requestWith(args: any, additionalArguments?: { [key: string]: any }): any {
  const request = toRequest(args) ?? {};
  for (const [k, v] of Object.entries(additionalArguments ?? {})) {
    request[k] = renderValue(v);
  }
  return request;
}
