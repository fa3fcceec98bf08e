import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { CfnParameter, Lazy, Stack } from 'aws-cdk-lib';
import * as sdk from '@aws-sdk/client-sagemaker';
import { ParameterString } from '../../lib/pipeline/definition';
import { INSTANCE_TYPES, SDK_VERSION } from '../../lib/private/sagemaker-instance-types.generated';
import { checkInstanceType, closest, INSTANCE_TYPE_KINDS, InstanceTypeKind, instanceTypesOf } from '../../lib/private/sagemaker-instance-types';

/*
 * Instance types are the SageMaker API's own enumerations, generated at build time from
 * @aws-sdk/client-sagemaker (scripts/generate-instance-types.mjs), never typed by hand.
 */
const KINDS = Object.keys(INSTANCE_TYPE_KINDS) as InstanceTypeKind[];

/** The SageMaker API model botocore ships (a source the project cites for AWS behaviour). */
function botocoreSageMakerModel(): { shapes: Record<string, { type: string; members?: Record<string, { shape: string }>; enum?: string[] }> } {
  const found = spawnSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`botocore is not importable by python3 (${found.stderr.trim()}); install it with: pip install "moto[server]"`);
  const file = path.join(found.stdout.trim(), 'data', 'sagemaker', '2017-07-24', 'service-2.json.gz');
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
}

describe('the generated instance types', () => {
  test('come from the installed @aws-sdk/client-sagemaker (run npm run build after changing it)', () => {
    // GIVEN
    const installed = require('@aws-sdk/client-sagemaker/package.json').version;

    // THEN
    expect(SDK_VERSION).toBe(installed);
  });

  test.each([
    ['ProductionVariantInstanceType', sdk.ProductionVariantInstanceType],
    ['TrainingInstanceType', sdk.TrainingInstanceType],
    ['ProcessingInstanceType', sdk.ProcessingInstanceType],
    ['TransformInstanceType', sdk.TransformInstanceType],
    ['InstanceType', sdk._InstanceType],
    ['AppInstanceType', sdk.AppInstanceType],
  ])('%s holds exactly the values of the SDK\'s enumeration', (shape, enumeration) => {
    // THEN
    expect([...INSTANCE_TYPES[shape]].sort()).toEqual([...new Set(Object.values(enumeration))].sort());
    expect(INSTANCE_TYPES[shape].length).toBeGreaterThan(5);
  });

  test('each kind is the enumeration the API model gives the field it names', () => {
    // GIVEN
    const { shapes } = botocoreSageMakerModel();

    // THEN
    const wrong = KINDS.flatMap((kind) => {
      const { field, shape } = INSTANCE_TYPE_KINDS[kind];
      const [structure, member] = field.split('.');
      const actual = shapes[structure]?.members?.[member]?.shape;
      return actual === shape ? [] : [`${kind}: ${field} is ${actual ?? 'not in the model'}, not ${shape}`];
    });
    expect(wrong).toEqual([]);
    // and the fields the kinds also cover, as their docs say
    expect(shapes.HyperParameterTuningResourceConfig.members!.InstanceType.shape).toBe('TrainingInstanceType');
    expect(shapes.ProcessingClusterConfig.members!.InstanceType.shape).toBe(INSTANCE_TYPE_KINDS.monitoring.shape);
  });

  test('are ordered by family, then by size as people read it', () => {
    // THEN
    const m5 = instanceTypesOf('endpoint').filter((t) => t.startsWith('ml.m5.'));
    expect(m5).toEqual(['ml.m5.large', 'ml.m5.xlarge', 'ml.m5.2xlarge', 'ml.m5.4xlarge', 'ml.m5.12xlarge', 'ml.m5.24xlarge']);
  });
});

describe('checkInstanceType', () => {
  test('accepts what the API accepts for the kind', () => {
    // THEN
    expect(checkInstanceType('endpoint', 'ml.m5.large')).toBeUndefined();
    expect(checkInstanceType('training', 'ml.p4d.24xlarge')).toBeUndefined();
    expect(checkInstanceType('monitoring', 'ml.m5.xlarge')).toBeUndefined();
    expect(checkInstanceType('studio-app', 'system')).toBeUndefined();
  });

  test('lets tokens and pipeline parameters through: they are known at deploy or run time only', () => {
    // GIVEN
    const stack = new Stack();
    const parameter = new CfnParameter(stack, 'InstanceType');

    // THEN
    expect(checkInstanceType('endpoint', parameter.valueAsString)).toBeUndefined();
    expect(checkInstanceType('endpoint', Lazy.string({ produce: () => 'ml.m5.huge' }))).toBeUndefined();
    expect(checkInstanceType('processing', new ParameterString('ProcessingInstanceType', { defaultValue: 'ml.m5.xlarge' }).asString())).toBeUndefined();
  });

  test('names the value, the kind, its field and the closest valid types', () => {
    // WHEN
    const problem = checkInstanceType('endpoint', 'ml.m5.huge');

    // THEN
    expect(problem).toBe(`instance type 'ml.m5.huge' is not one a real-time endpoint accepts (ProductionVariant.InstanceType in @aws-sdk/client-sagemaker ${SDK_VERSION}); closest: ml.m5.large, ml.m5.xlarge, ml.m5.2xlarge, ml.m5.4xlarge, ml.m5.12xlarge`);
  });

  test('says where a type is valid when it is not for this kind', () => {
    // WHEN
    const problem = checkInstanceType('transform', 'ml.t3.medium');

    // THEN
    expect(problem).toMatch(/^instance type 'ml\.t3\.medium' is not one a batch transform job accepts \(TransformResources\.InstanceType in @aws-sdk\/client-sagemaker [0-9.]+\), though it is one for a training job, processing job, monitoring job, notebook instance, Studio app; closest: /);
  });

  test('is lowercase and has no trailing period, like every error of the library', () => {
    for (const kind of KINDS) {
      const problem = checkInstanceType(kind, 'ml.m5.huge')!;
      expect(problem).toMatch(/^instance type /);
      expect(problem).not.toMatch(/\.$/);
    }
  });
});

describe('closest', () => {
  const endpoint = instanceTypesOf('endpoint');

  test.each([
    ['m5.large', ['ml.m5.large']],
    ['ML.M5.XLARGE', ['ml.m5.xlarge']],
    ['ml.m5.3xlarge', ['ml.m5.large', 'ml.m5.xlarge', 'ml.m5.2xlarge', 'ml.m5.4xlarge', 'ml.m5.12xlarge']],
    ['ml.g5.96xlarge', ['ml.g5.8xlarge', 'ml.g5.12xlarge', 'ml.g5.16xlarge', 'ml.g5.24xlarge', 'ml.g5.48xlarge']],
  ])('%s → %j', (value, expected) => {
    expect(closest(value, endpoint)).toEqual(expected);
  });

  test('an unknown family suggests the families nearest in spelling', () => {
    // WHEN
    const suggestions = closest('ml.p9.xlarge', instanceTypesOf('training'));

    // THEN
    expect(suggestions).toHaveLength(5);
    expect(suggestions[0]).toBe('ml.p2.xlarge');
    expect(suggestions.every((t) => /^ml\.p\d/.test(t))).toBe(true);
  });
});
