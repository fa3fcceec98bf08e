import * as fs from 'fs';
import { renderValue } from './render';
import { PipelineParameter } from './parameter';
import { PipelineStep } from './step';
import { allSteps, definitionProblems } from './validation';

/**
 * `PipelineExperimentConfig`: the experiment and trial an execution is tracked under.
 */
export class PipelineExperimentConfig {
  /**
   * What the SageMaker Python SDK sets when given nothing: the pipeline's name as the experiment,
   * the execution id as the trial.
   */
  public static readonly DEFAULT = new PipelineExperimentConfig({ Get: 'Execution.PipelineName' }, { Get: 'Execution.PipelineExecutionId' });

  /** No experiment tracking: the definition has no `PipelineExperimentConfig`. */
  public static readonly NONE = new PipelineExperimentConfig(undefined, undefined);

  /** An experiment and a trial of your choosing; both may hold expressions. */
  public static of(experimentName: string, trialName: string): PipelineExperimentConfig {
    return new PipelineExperimentConfig(experimentName, trialName);
  }

  private constructor(private readonly experimentName: any, private readonly trialName: any) {}

  /** The config's JSON, or undefined for NONE. Typed `any` because jsii has no JSON type. */
  public toJson(): any {
    if (this.experimentName === undefined) return undefined;
    return { ExperimentName: renderValue(this.experimentName), TrialName: renderValue(this.trialName) };
  }
}

/**
 * Props of a definition built with the DSL.
 */
export interface PipelineDefinitionProps {
  /** The top-level steps (a condition step's branches are its own). */
  readonly steps: PipelineStep[];
  /**
   * The pipeline's parameters.
   * @default - none
   */
  readonly parameters?: PipelineParameter[];
  /**
   * Experiment tracking.
   * @default PipelineExperimentConfig.DEFAULT (as the SDK)
   */
  readonly experimentConfig?: PipelineExperimentConfig;
}

/**
 * A SageMaker pipeline definition (Version 2020-12-01): built with the typed DSL
 * (`fromSteps`) or taken as the SageMaker Python SDK emitted it (`fromJson`, `fromFile`).
 * Either way it is validated when built and again when rendered: unique step names,
 * resolvable `Get`s, no dependency cycles, each step placed once, condition branches of steps.
 */
export class PipelineDefinition {
  /**
   * A definition built with the DSL. Throws if it is invalid.
   */
  public static fromSteps(props: PipelineDefinitionProps): PipelineDefinition {
    const definition = new PipelineDefinition(() => renderSteps(props));
    definition.toJson();
    return definition;
  }

  /**
   * A definition as the SageMaker Python SDK emits it (`pipeline.definition()`), used as it is.
   * Throws if it is not JSON or is invalid.
   */
  public static fromJson(json: string): PipelineDefinition {
    let parsed: any;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new Error(`pipeline definition is not JSON: ${(e as Error).message}`);
    }
    return PipelineDefinition.fromObject(parsed);
  }

  /**
   * A definition from a JSON file the SageMaker Python SDK wrote. Read at synth time.
   */
  public static fromFile(path: string): PipelineDefinition {
    let text: string;
    try {
      text = fs.readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`cannot read pipeline definition file ${path}: ${(e as Error).message}`);
    }
    try {
      return PipelineDefinition.fromJson(text);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
  }

  /**
   * A definition from its parsed JSON (escape hatch: typed `any` because jsii has no JSON type).
   */
  public static fromObject(definition: any): PipelineDefinition {
    const copy = JSON.parse(JSON.stringify(definition));
    const result = new PipelineDefinition(() => ({ json: JSON.parse(JSON.stringify(copy)), problems: [] }));
    result.toJson();
    return result;
  }

  private constructor(private readonly render: () => { json: any; problems: string[] }) {}

  /**
   * The problems of the definition; empty when it is valid.
   */
  public validate(): string[] {
    const { json, problems } = this.render();
    return [...problems, ...definitionProblems(json)];
  }

  /**
   * The definition's JSON, as SageMaker reads it. Throws if the definition is invalid.
   * Typed `any` because jsii has no JSON type; CloudFormation tokens (e.g. a role's ARN) are left
   * in for the stack to resolve.
   */
  public toJson(): any {
    const { json, problems } = this.render();
    const all = [...problems, ...definitionProblems(json)];
    if (all.length > 0) {
      throw new Error(`invalid pipeline definition: ${all.join('; ')}`);
    }
    return json;
  }

  /** The step types the definition uses, e.g. `['Processing', 'Training']`. */
  public get stepTypes(): string[] {
    return [...new Set(allSteps(this.toJson()).map((s) => s.type))].sort();
  }
}

function renderSteps(props: PipelineDefinitionProps): { json: any; problems: string[] } {
  const problems: string[] = [];
  const seen = new Set<PipelineStep>();
  const visit = (steps: PipelineStep[], where: string) => {
    for (const step of steps) {
      if (seen.has(step)) problems.push(`step '${step.name}' appears more than once (again in ${where}); a step object can be placed once`);
      seen.add(step);
      visit(step.childSteps, `the branches of condition step '${step.name}'`);
    }
  };
  visit(props.steps, 'the pipeline\'s steps');
  const json: Record<string, any> = {
    Version: '2020-12-01',
    Metadata: {},
    Parameters: (props.parameters ?? []).map((p) => p.toDeclaration()),
  };
  const experiment = (props.experimentConfig ?? PipelineExperimentConfig.DEFAULT).toJson();
  if (experiment !== undefined) json.PipelineExperimentConfig = experiment;
  json.Steps = props.steps.map((s) => s.toJson());
  return { json, problems };
}
