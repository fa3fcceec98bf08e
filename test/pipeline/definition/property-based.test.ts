import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as fc from 'fast-check';
import {
  Condition, ConditionStep, FailStep, ParameterBoolean, ParameterFloat, ParameterInteger, ParameterString, PipelineDefinition,
  PipelineExpression, PipelineParameter, PipelineStep, ProcessingStep, TrainingStep,
} from '../../../lib/pipeline/definition';

const role = iam.Role.fromRoleArn(new Stack(new App()), 'Role', 'arn:aws:iam::111111111111:role/jobs', { mutable: false });

/** A step of a random DAG: its kind and the earlier steps it depends on, by data or by DependsOn. */
interface StepPlan {
  readonly kind: 'processing' | 'training' | 'fail';
  readonly dataFrom: number[];
  readonly dependsOn: number[];
  readonly cacheDays?: number;
}

interface DagPlan {
  readonly steps: StepPlan[];
  readonly parameters: { kind: 'string' | 'integer' | 'float' | 'boolean'; withDefault: boolean }[];
  /** How many of the last steps go into a condition's branches (0: no condition). */
  readonly branched: number;
}

const indices = fc.array(fc.nat({ max: 20 }), { maxLength: 3 });
const planArb: fc.Arbitrary<DagPlan> = fc.record({
  steps: fc.array(fc.record({
    kind: fc.constantFrom('processing' as const, 'training' as const, 'fail' as const),
    dataFrom: indices,
    dependsOn: indices,
    cacheDays: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
  }), { minLength: 1, maxLength: 8 }),
  parameters: fc.array(fc.record({
    kind: fc.constantFrom('string' as const, 'integer' as const, 'float' as const, 'boolean' as const),
    withDefault: fc.boolean(),
  }), { maxLength: 4 }),
  branched: fc.nat({ max: 3 }),
});

/** Builds the plan with the DSL: each step may only use earlier steps, so the graph is a DAG. */
function build(plan: DagPlan): PipelineDefinition {
  const parameters: PipelineParameter[] = plan.parameters.map((p, i) => {
    const name = `P${i}`;
    switch (p.kind) {
      case 'string': return new ParameterString(name, p.withDefault ? { defaultValue: `v${i}` } : {});
      case 'integer': return new ParameterInteger(name, p.withDefault ? { defaultValue: i } : {});
      case 'float': return new ParameterFloat(name, p.withDefault ? { defaultValue: i + 0.5 } : {});
      default: return new ParameterBoolean(name, p.withDefault ? { defaultValue: i % 2 === 0 } : {});
    }
  });
  const stringParameter = parameters.find((p) => p.parameterType === 'String');
  const steps: PipelineStep[] = [];
  plan.steps.forEach((s, i) => {
    const earlier = (picks: number[]) => [...new Set(picks.filter(() => i > 0).map((k) => k % i))].map((k) => steps[k]);
    const dataFrom = earlier(s.dataFrom).filter((d): d is ProcessingStep | TrainingStep => d instanceof ProcessingStep || d instanceof TrainingStep);
    const dependsOn = earlier(s.dependsOn);
    const uri = (d: ProcessingStep | TrainingStep) => (d instanceof ProcessingStep ? d.outputS3Uri('out') : d.modelArtifacts);
    const name = `step-${i}`;
    const cacheConfig = s.cacheDays ? { enabled: true, expireAfter: `P${s.cacheDays}D` } : undefined;
    if (s.kind === 'processing') {
      steps.push(new ProcessingStep(name, {
        processingResources: { clusterConfig: { instanceType: stringParameter ? stringParameter.asString() : 'ml.m5.large', instanceCount: 1, volumeSizeInGb: 30 } },
        appSpecification: { imageUri: 'image:1' },
        role,
        processingInputs: dataFrom.map((d, k) => ({ inputName: `in${k}`, s3Input: { s3Uri: uri(d), localPath: `/opt/ml/processing/in${k}` } })),
        processingOutputConfig: { outputs: [{ outputName: 'out', s3Output: { s3Uri: `s3://bucket/${name}`, localPath: '/opt/ml/processing/out' } }] },
        dependsOn,
        cacheConfig,
      }));
    } else if (s.kind === 'training') {
      steps.push(new TrainingStep(name, {
        algorithmSpecification: { trainingInputMode: 'File', trainingImage: 'image:2' },
        role,
        outputDataConfig: { s3OutputPath: PipelineExpression.join('/', ['s3://bucket', name]).asString() },
        resourceConfig: { instanceType: 'ml.m5.large', instanceCount: 1, volumeSizeInGb: 30 },
        stoppingCondition: { maxRuntimeInSeconds: 3600 },
        inputDataConfig: dataFrom.map((d, k) => ({ channelName: `c${k}`, dataSource: { s3DataSource: { s3Uri: uri(d) } } })),
        dependsOn,
        cacheConfig,
      }));
    } else {
      steps.push(new FailStep(name, { errorMessage: dataFrom.length > 0 ? `failed after ${uri(dataFrom[0])}` : 'failed', dependsOn }));
    }
  });

  // Steps of a condition's branches may be depended on only by steps of the same branch, so
  // branch the last steps only when no earlier step reaches them.
  let top = steps;
  const branched = Math.min(plan.branched, steps.length);
  if (branched > 0) {
    const inBranch = steps.slice(steps.length - branched);
    const half = Math.ceil(inBranch.length / 2);
    const condition = new ConditionStep('gate', {
      conditions: [Condition.greaterThanOrEqualTo(PipelineExpression.fromNumber(1), PipelineExpression.fromNumber(0))],
      ifSteps: inBranch.slice(0, half),
      elseSteps: inBranch.slice(half),
    });
    top = [...steps.slice(0, steps.length - branched), condition];
  }
  return PipelineDefinition.fromSteps({ parameters, steps: top });
}

describe('random DAGs built with the DSL', () => {
  test('serialize to plain JSON, validate, and import back to the same JSON', () => {
    fc.assert(fc.property(planArb, (plan) => {
      // WHEN
      const json = build(plan).toJson();

      // THEN plain JSON (no tokens, no undefined), valid, and fromJson keeps it as it is
      const text = JSON.stringify(json);
      expect(text).not.toMatch(/\$\{Token\[/);
      expect(JSON.parse(text)).toEqual(json);
      const imported = PipelineDefinition.fromJson(text);
      expect(imported.validate()).toEqual([]);
      expect(imported.toJson()).toEqual(json);
    }), { numRuns: 150 });
  });

  test('fails to import when a random step reads a step that is not there', () => {
    fc.assert(fc.property(planArb, fc.nat(), (plan, pick) => {
      // GIVEN a valid definition where one step gets a Get of a missing step
      const json = build(plan).toJson();
      const target = json.Steps[pick % json.Steps.length];
      target.Description = { Get: 'Steps.missing-step.Outcome' };

      // THEN
      expect(() => PipelineDefinition.fromObject(json))
        .toThrow(new RegExp(`step '${target.Name}' references step 'missing-step' which is not in the pipeline`));
    }), { numRuns: 50 });
  });

  test('fails to import when a random dependency closes a cycle', () => {
    fc.assert(fc.property(planArb.filter((p) => p.steps.length >= 2), (plan) => {
      // GIVEN top-level steps a then b where b depends on a; then a depends on b
      const json = build({ ...plan, branched: 0 }).toJson();
      const [a, b] = [json.Steps[0], json.Steps[json.Steps.length - 1]];
      b.DependsOn = [...new Set([...(b.DependsOn ?? []), a.Name])];
      a.DependsOn = [...(a.DependsOn ?? []), b.Name];

      // THEN
      expect(() => PipelineDefinition.fromObject(json)).toThrow(/steps form a dependency cycle/);
    }), { numRuns: 50 });
  });
});

describe('JSON from outside', () => {
  const fixture = JSON.parse(require('fs').readFileSync(require('path').join(__dirname, '..', 'fixtures', 'dynamic-sagemaker-pipelines-framework.pipeline_definition.json'), 'utf8'));

  /** Every path to a value of the JSON. */
  function paths(value: any, prefix: (string | number)[] = []): (string | number)[][] {
    if (typeof value !== 'object' || value === null) return [prefix];
    const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    return [prefix, ...keys.flatMap((k) => paths(value[k], [...prefix, k]))];
  }
  const allPaths = paths(fixture).filter((p) => p.length > 0);

  test('any JSON value is either a valid definition or refused with a message, never a crash', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      try {
        PipelineDefinition.fromObject(value);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toMatch(/^invalid pipeline definition: |^a pipeline definition must be/);
      }
    }), { numRuns: 300 });
  });

  test('an SDK definition with one value replaced by any JSON is validated without crashing', () => {
    fc.assert(fc.property(fc.nat({ max: allPaths.length - 1 }), fc.jsonValue({ maxDepth: 2 }), (pick, replacement) => {
      // GIVEN the SDK's definition with one value swapped
      const broken = JSON.parse(JSON.stringify(fixture));
      const target = allPaths[pick];
      let parent = broken;
      for (const key of target.slice(0, -1)) parent = parent[key];
      parent[target[target.length - 1]] = replacement;

      // THEN it validates or is refused naming what is wrong
      try {
        const definition = PipelineDefinition.fromObject(broken);
        expect(definition.validate()).toEqual([]);
      } catch (e) {
        expect((e as Error).message).toMatch(/^invalid pipeline definition: \S/);
      }
    }), { numRuns: 500 });
  });
});

describe('counterexamples found by the properties', () => {
  test('fails, without crashing, for a step whose processing outputs are not a list', () => {
    // found by 'an SDK definition with one value replaced by any JSON...': Outputs replaced by {}
    const fixture = JSON.parse(require('fs').readFileSync(require('path').join(__dirname, '..', 'fixtures', 'dynamic-sagemaker-pipelines-framework.pipeline_definition.json'), 'utf8'));
    const step = fixture.Steps.find((s: any) => Array.isArray(s.PropertyFiles) && s.Arguments?.ProcessingOutputConfig);
    expect(step).toBeDefined();
    step.Arguments.ProcessingOutputConfig.Outputs = {};
    expect(() => PipelineDefinition.fromJson(JSON.stringify(fixture)))
      .toThrow(new RegExp(`step '${step.Name}' has ProcessingOutputConfig.Outputs that are not a list`));
  });
});
