import { Token } from 'aws-cdk-lib';
import { INSTANCE_TYPES, SDK_VERSION } from './sagemaker-instance-types.generated';

/**
 * Where an instance type goes, each with the API field that takes it. The lists are the SageMaker
 * API's own enumerations (the shape of that field in the API model), generated at build time from
 * @aws-sdk/client-sagemaker by scripts/generate-instance-types.mjs.
 */
export const INSTANCE_TYPE_KINDS = {
  /** Real-time endpoint variants, production and shadow (ProductionVariant.InstanceType). */
  'endpoint': { what: 'real-time endpoint', field: 'ProductionVariant.InstanceType', shape: 'ProductionVariantInstanceType' },
  /** Training and tuning jobs (ResourceConfig.InstanceType, HyperParameterTuningResourceConfig.InstanceType). */
  'training': { what: 'training job', field: 'ResourceConfig.InstanceType', shape: 'TrainingInstanceType' },
  /** Processing jobs, including the data and model checks of a pipeline (ProcessingClusterConfig.InstanceType). */
  'processing': { what: 'processing job', field: 'ProcessingClusterConfig.InstanceType', shape: 'ProcessingInstanceType' },
  /** Model Monitor schedules and job definitions (MonitoringClusterConfig.InstanceType). */
  'monitoring': { what: 'monitoring job', field: 'MonitoringClusterConfig.InstanceType', shape: 'ProcessingInstanceType' },
  /** Batch transform jobs (TransformResources.InstanceType). */
  'transform': { what: 'batch transform job', field: 'TransformResources.InstanceType', shape: 'TransformInstanceType' },
  /** Notebook instances (CreateNotebookInstanceInput.InstanceType). */
  'notebook': { what: 'notebook instance', field: 'CreateNotebookInstanceInput.InstanceType', shape: 'InstanceType' },
  /** Studio apps (ResourceSpec.InstanceType). */
  'studio-app': { what: 'Studio app', field: 'ResourceSpec.InstanceType', shape: 'AppInstanceType' },
} as const;

/** A place an instance type goes: `'endpoint'`, `'training'`, `'processing'`, ... */
export type InstanceTypeKind = keyof typeof INSTANCE_TYPE_KINDS;

/** How many valid types a problem suggests. */
const SUGGESTIONS = 5;

/** The instance types SageMaker accepts for a kind, ordered by family and size. */
export function instanceTypesOf(kind: InstanceTypeKind): readonly string[] {
  const types = INSTANCE_TYPES[INSTANCE_TYPE_KINDS[kind].shape];
  if (!types) throw new Error(`no instance types generated for ${INSTANCE_TYPE_KINDS[kind].shape}: run 'npm run build'`);
  return types;
}

/**
 * The problem with an instance type, or `undefined` when SageMaker accepts it for the kind. The
 * problem names the value, the kind and the closest valid types, for example
 * `instance type 'ml.m5.huge' is not one a real-time endpoint accepts (ProductionVariant.InstanceType
 * in @aws-sdk/client-sagemaker 3.1138.0); closest: ml.m5.large, ml.m5.xlarge, ...`. Tokens (CloudFormation parameters, pipeline
 * parameters, values of other resources) pass: they are known at deploy or run time only.
 */
export function checkInstanceType(kind: InstanceTypeKind, value: string): string | undefined {
  if (Token.isUnresolved(value)) return undefined;
  const valid = instanceTypesOf(kind);
  if (valid.includes(value)) return undefined;
  const { what, field } = INSTANCE_TYPE_KINDS[kind];
  const elsewhere = (Object.keys(INSTANCE_TYPE_KINDS) as InstanceTypeKind[])
    .filter((k) => k !== kind && INSTANCE_TYPE_KINDS[k].shape !== INSTANCE_TYPE_KINDS[kind].shape && instanceTypesOf(k).includes(value))
    .map((k) => INSTANCE_TYPE_KINDS[k].what);
  const also = elsewhere.length > 0 ? `, though it is one for a ${elsewhere.join(', ')}` : '';
  return `instance type '${value}' is not one a ${what} accepts (${field} in @aws-sdk/client-sagemaker ${SDK_VERSION})${also}; closest: ${closest(value, valid).join(', ')}`;
}

/**
 * The valid types nearest a value: without the `ml.` prefix, the same type with it; in a known
 * family, that family's sizes nearest the size asked for; otherwise the nearest by edit distance.
 */
export function closest(value: string, valid: readonly string[]): string[] {
  const lower = value.toLowerCase();
  const prefixed = lower.startsWith('ml.') ? lower : `ml.${lower}`;
  if (valid.includes(prefixed)) return [prefixed];
  const [, family, size = ''] = prefixed.split('.');
  const sameFamily = valid.filter((t) => t.split('.')[1] === family);
  if (sameFamily.length > 0) {
    // A size that reads like one (ml.m5.3xlarge, ml.m5.xlage): the sizes around the nearest in
    // spelling. Anything else (ml.m5.huge): the family's sizes from the smallest.
    if (!/^(\d*x?lar?ge?|medium|small|micro|nano)$/.test(size)) return sameFamily.slice(0, SUGGESTIONS);
    const nearest = sameFamily.reduce((best, t) => (distance(size, t.split('.')[2]) < distance(size, best.split('.')[2]) ? t : best));
    const from = Math.max(0, Math.min(sameFamily.indexOf(nearest) - Math.floor(SUGGESTIONS / 2), sameFamily.length - SUGGESTIONS));
    return sameFamily.slice(from, from + SUGGESTIONS);
  }
  // An unknown family (ml.p9.xlarge): the families nearest in spelling, then the sizes.
  return [...valid]
    .map((t, order) => {
      const [, f = '', s = ''] = t.split('.');
      return { t, order, d: 4 * distance(family ?? '', f) + distance(size, s) };
    })
    .sort((a, b) => a.d - b.d || a.order - b.order)
    .slice(0, SUGGESTIONS)
    .map((x) => x.t);
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
