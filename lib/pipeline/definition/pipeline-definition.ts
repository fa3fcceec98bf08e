import * as fs from 'fs';
import { Token } from 'aws-cdk-lib';
import { renderValue } from './render';
import { PipelineParameter } from './parameter';
import { PipelineStep, SdkVersion } from './step';
import { allSteps, definitionProblems, vpcSettings } from './validation';

/**
 * `PipelineExperimentConfig`: the experiment and trial an execution is tracked under.
 */
export class PipelineExperimentConfig {
  /**
   * What the SageMaker Python SDK sets when given nothing: the pipeline's name as the experiment,
   * the execution id as the trial.
   */
  public static readonly DEFAULT = new PipelineExperimentConfig({ Get: 'Execution.PipelineName' }, { Get: 'Execution.PipelineExecutionId' });

  /** No experiment tracking: `"PipelineExperimentConfig": null`, as the SDK (v2 and v3) writes it. */
  public static readonly NONE = new PipelineExperimentConfig(undefined, undefined);

  /** An experiment and a trial of your choosing; both may hold expressions. */
  public static of(experimentName: string, trialName: string): PipelineExperimentConfig {
    return new PipelineExperimentConfig(experimentName, trialName);
  }

  private constructor(private readonly experimentName: any, private readonly trialName: any) {}

  /** The config's JSON, or null for NONE. Typed `any` because jsii has no JSON type. */
  public toJson(): any {
    if (this.experimentName === undefined) return null;
    return { ExperimentName: renderValue(this.experimentName), TrialName: renderValue(this.trialName) };
  }
}

/**
 * Props of an MLflow configuration.
 */
export interface MlflowConfigProps {
  /**
   * The ARN of the SageMaker managed MLflow tracking server (or MLflow app) the pipeline's
   * executions are tracked in (`MlflowResourceArn`).
   */
  readonly trackingServerArn: string;
  /**
   * The MLflow experiment (`MlflowExperimentName`).
   * @default - none: the service's default
   */
  readonly experimentName?: string;
}

/**
 * `MlflowConfig`: the SageMaker managed MLflow tracking server a pipeline's executions are
 * tracked in, the top-level field SDK v3 writes (`sagemaker-mlops` v3.20.0 workflow/pipeline.py).
 * Also gives jobs the tracking server in their environment (`environment()`).
 */
export class MlflowConfig {
  /** An MLflow configuration. */
  public static of(props: MlflowConfigProps): MlflowConfig {
    return new MlflowConfig(props);
  }

  /** The tracking server's ARN. */
  public readonly trackingServerArn: string;
  /** The experiment's name, if given. */
  public readonly experimentName?: string;

  private constructor(props: MlflowConfigProps) {
    const arn = props.trackingServerArn;
    // botocore sagemaker 2017-07-24, MlflowConfig.MlflowResourceArn:
    // arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:mlflow-[a-zA-Z-]*/.*
    if (!Token.isUnresolved(arn) && !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:mlflow-[a-zA-Z-]*\/.*$/.test(arn)) {
      throw new Error(`MlflowConfig: trackingServerArn '${arn}' is not the ARN of a SageMaker MLflow tracking server (arn:<partition>:sagemaker:<region>:<account>:mlflow-tracking-server/<name>); pass the server's ARN`);
    }
    const name = props.experimentName;
    if (name !== undefined && !Token.isUnresolved(name) && (name.length < 1 || name.length > 256)) {
      throw new Error(`MlflowConfig: experimentName '${name}' must be 1 to 256 characters`);
    }
    this.trackingServerArn = arn;
    this.experimentName = name;
  }

  /** The config's JSON (`MlflowResourceArn`, `MlflowExperimentName`). Typed `any` because jsii has no JSON type. */
  public toJson(): any {
    return { MlflowResourceArn: this.trackingServerArn, MlflowExperimentName: this.experimentName ?? null };
  }

  /**
   * Environment variables that point a job's MLflow client at the tracking server: the
   * `sagemaker-mlflow` plugin takes the server's ARN as tracking URI
   * (https://docs.aws.amazon.com/sagemaker/latest/dg/mlflow-track-experiments.html), MLflow reads
   * `MLFLOW_TRACKING_URI` and `MLFLOW_EXPERIMENT_NAME`. Spread it into a step's `environment`;
   * the job's role needs `sagemaker-mlflow:` permissions on the server.
   */
  public environment(): { [name: string]: string } {
    const env: { [name: string]: string } = { MLFLOW_TRACKING_URI: this.trackingServerArn };
    if (this.experimentName !== undefined) env.MLFLOW_EXPERIMENT_NAME = this.experimentName;
    return env;
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
  /**
   * MLflow tracking of the executions (`MlflowConfig`, SDK v3's top-level field).
   * @default - none (SDK v2 writes no `MlflowConfig`; SDK v3 writes `"MlflowConfig": null`)
   */
  readonly mlflowConfig?: MlflowConfig;
  /**
   * Whose output to reproduce where SDK v2 and v3 differ: a tuning job's resource config
   * (`HyperParameterTuningResourceConfig` or `ResourceConfig`) and `"MlflowConfig": null` when
   * there is none (v3 writes it, v2 does not).
   * @default SdkVersion.V2
   */
  readonly sdkVersion?: SdkVersion;
}

/** A step that runs in a VPC, as its definition says. */
export interface StepVpcSettings {
  /** The step's name. */
  readonly stepName: string;
  /** The step's type, e.g. `Processing`. */
  readonly stepType: string;
  /** The subnet ids: literals or CloudFormation tokens, or expressions' JSON when given at run time. Typed `any` because jsii has no JSON type. */
  readonly subnets: any[];
  /** The security group ids, likewise. Typed `any` because jsii has no JSON type. */
  readonly securityGroupIds: any[];
  /** The role ARNs the step's jobs run as (literals or tokens; JSON objects when given at run time). Typed `any` because jsii has no JSON type. */
  readonly roleArns: any[];
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

  /**
   * The definition's JSON without validating it, to inspect a definition that `toJson()` refuses.
   * Typed `any` because jsii has no JSON type.
   */
  public renderWithoutValidation(): any {
    return this.render().json;
  }

  /** The step types the definition uses, e.g. `['Processing', 'Training']`. */
  public get stepTypes(): string[] {
    return [...new Set(allSteps(this.toJson()).map((s) => s.type))].sort();
  }

  /**
   * The steps that run in a VPC (a `VpcConfig` in their job's request: processing and check
   * steps' `NetworkConfig`, training, tuning, model and AutoML steps), with their subnets,
   * security groups and job roles: what the job roles' EC2 network-interface permissions are
   * derived from.
   */
  public get vpcSettings(): StepVpcSettings[] {
    return vpcSettings(this.toJson());
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
  const sdkVersion = props.sdkVersion ?? SdkVersion.V2;
  const json: Record<string, any> = {
    Version: '2020-12-01',
    Metadata: {},
    Parameters: (props.parameters ?? []).map((p) => p.toDeclaration()),
    PipelineExperimentConfig: (props.experimentConfig ?? PipelineExperimentConfig.DEFAULT).toJson(),
  };
  // SDK v3 always writes MlflowConfig, null when there is none (pipeline.py definition()).
  if (props.mlflowConfig || sdkVersion === SdkVersion.V3) json.MlflowConfig = props.mlflowConfig ? renderValue(props.mlflowConfig.toJson()) : null;
  json.Steps = props.steps.map((s) => s.toJson({ sdkVersion }));
  return { json, problems };
}
