import { ExecutionVariable } from './expression';

/**
 * A step of a definition's JSON, found at any depth (top level or a condition's branch).
 * @internal
 */
export interface FoundStep {
  readonly json: any;
  readonly name: string;
  readonly type: string;
  /** The condition step whose branch holds it. */
  readonly parent?: string;
}

const PARAMETER_TYPES = ['String', 'Integer', 'Float', 'Boolean'];
const STEP_NAME = /^[A-Za-z0-9\-_]{1,64}$/;

/**
 * Every step of a definition's JSON, condition branches included.
 * @internal
 */
export function allSteps(definition: any): FoundStep[] {
  const found: FoundStep[] = [];
  const visit = (steps: any, parent?: string) => {
    if (!Array.isArray(steps)) return;
    for (const step of steps) {
      if (!isStep(step)) continue;
      found.push({ json: step, name: step.Name, type: step.Type, parent });
      if (step.Type === 'Condition') {
        visit(step.Arguments?.IfSteps, step.Name);
        visit(step.Arguments?.ElseSteps, step.Name);
      }
    }
  };
  visit(definition?.Steps);
  return found;
}

function isStep(x: any): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && typeof x.Name === 'string' && typeof x.Type === 'string';
}

/**
 * The problems of a pipeline definition's JSON, each naming the step: unique step names
 * (condition branches included), every `Get` and `Std:JsonGet` resolving to a declared parameter,
 * a known execution variable, a step of the pipeline or a property file it declares, no dependency
 * cycles, condition branches of steps (both may be empty: the service runs such a step).
 * @internal
 */
export function definitionProblems(definition: any): string[] {
  const problems: string[] = [];
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    return ['a pipeline definition must be a JSON object'];
  }
  if (definition.Version !== '2020-12-01') {
    problems.push(`version ${JSON.stringify(definition.Version)} is not 2020-12-01`);
  }
  if (!Array.isArray(definition.Steps) || definition.Steps.length === 0) {
    problems.push('the pipeline has no steps');
  }

  // Parameters
  const parameters = new Set<string>();
  for (const [i, p] of (Array.isArray(definition.Parameters) ? definition.Parameters : []).entries()) {
    if (typeof p?.Name !== 'string') {
      problems.push(`parameter #${i} has no name`);
      continue;
    }
    if (parameters.has(p.Name)) problems.push(`parameter '${p.Name}' is declared more than once`);
    parameters.add(p.Name);
    if (!PARAMETER_TYPES.includes(p.Type)) problems.push(`parameter '${p.Name}' has type ${JSON.stringify(p.Type)}, not one of ${PARAMETER_TYPES.join(', ')}`);
    if (Array.isArray(p.EnumValues) && p.DefaultValue !== undefined && !p.EnumValues.includes(p.DefaultValue)) {
      problems.push(`parameter '${p.Name}' has default ${JSON.stringify(p.DefaultValue)} outside its enum values`);
    }
  }

  // Shape of steps and condition branches
  const checkEntries = (entries: any, where: string) => {
    if (entries === undefined) return;
    if (!Array.isArray(entries)) {
      problems.push(`${where} is not a list of steps`);
      return;
    }
    entries.forEach((entry: any, i: number) => {
      if (!isStep(entry)) problems.push(`${where} holds ${describe(entry)} at #${i}, not a step with a Name and a Type`);
    });
  };
  checkEntries(definition.Steps, 'the pipeline\'s Steps');
  const steps = allSteps(definition);
  for (const step of steps) {
    if (!STEP_NAME.test(step.name)) problems.push(`step '${step.name}' has a name SageMaker rejects (1 to 64 of A-Z a-z 0-9 - _)`);
    if (step.type === 'Condition') {
      const args = step.json.Arguments ?? {};
      checkEntries(args.IfSteps, `condition step '${step.name}' IfSteps`);
      checkEntries(args.ElseSteps, `condition step '${step.name}' ElseSteps`);
      if (!Array.isArray(args.Conditions) || args.Conditions.length === 0) problems.push(`condition step '${step.name}' has no conditions`);
    }
  }

  // Property files are written to one of the step's outputs
  for (const step of steps) {
    const files = step.json.PropertyFiles;
    if (files === undefined) continue;
    if (!Array.isArray(files)) {
      problems.push(`step '${step.name}' has PropertyFiles that are not a list`);
      continue;
    }
    const declared = step.json.Arguments?.ProcessingOutputConfig?.Outputs;
    if (declared !== undefined && !Array.isArray(declared)) {
      problems.push(`step '${step.name}' has ProcessingOutputConfig.Outputs that are not a list`);
      continue;
    }
    const outputs = (declared ?? []).map((o: any) => o?.OutputName);
    for (const file of files) {
      if (typeof file?.PropertyFileName !== 'string' || typeof file?.OutputName !== 'string' || typeof file?.FilePath !== 'string') {
        problems.push(`step '${step.name}' has a property file without PropertyFileName, OutputName and FilePath`);
      } else if (!outputs.includes(file.OutputName)) {
        problems.push(`step '${step.name}' writes property file '${file.PropertyFileName}' to output '${file.OutputName}' which the step does not have`);
      }
    }
  }

  // Unique names
  const byName = new Map<string, FoundStep[]>();
  for (const step of steps) byName.set(step.name, [...(byName.get(step.name) ?? []), step]);
  for (const [name, same] of byName) {
    if (same.length > 1) problems.push(`step name '${name}' is used by ${same.length} steps`);
  }

  // References and the dependency graph
  const edges = new Map<string, Set<string>>();
  const addEdge = (from: string, to: string) => edges.set(from, new Set([...(edges.get(from) ?? []), to]));
  for (const step of steps) {
    if (step.parent) addEdge(step.name, step.parent);
    const dependsOn = step.json.DependsOn;
    if (dependsOn !== undefined && !Array.isArray(dependsOn)) problems.push(`step '${step.name}' has a DependsOn that is not a list of step names`);
    for (const dep of Array.isArray(dependsOn) ? dependsOn : []) {
      if (!byName.has(dep)) problems.push(`step '${step.name}' depends on step '${dep}' which is not in the pipeline`);
      else addEdge(step.name, dep);
    }
    const own = { ...step.json };
    if (step.type === 'Condition') own.Arguments = { Conditions: step.json.Arguments?.Conditions };
    for (const ref of references(own)) {
      const problem = checkReference(ref, parameters, byName);
      if (problem) problems.push(`step '${step.name}' ${problem}`);
      else if (ref.step) addEdge(step.name, ref.step);
    }
  }
  for (const ref of references(definition.PipelineExperimentConfig ?? {})) {
    const problem = checkReference(ref, parameters, byName);
    if (problem) problems.push(`the experiment config ${problem}`);
  }
  for (const ref of references(definition.MlflowConfig ?? {})) {
    const problem = checkReference(ref, parameters, byName);
    if (problem) problems.push(`the MLflow config ${problem}`);
  }

  const cycle = findCycle(edges);
  if (cycle) problems.push(`steps form a dependency cycle: ${cycle.map((s) => `'${s}'`).join(' -> ')}`);
  return problems;
}

interface Reference {
  /** The `Get` path, or the property file name of a legacy `Std:JsonGet`. */
  readonly path: string;
  /** The step referenced, if any. */
  readonly step?: string;
  /** A legacy `Std:JsonGet` naming its property file as a bare string. */
  readonly bareProperyFile?: boolean;
}

function references(value: any): Reference[] {
  const out: Reference[] = [];
  const visit = (v: any) => {
    if (Array.isArray(v)) {
      v.forEach(visit);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (typeof v.Get === 'string' && Object.keys(v).length === 1) {
      out.push({ path: v.Get, step: stepOf(v.Get) });
      return;
    }
    const jsonGet = v['Std:JsonGet'];
    if (jsonGet && typeof jsonGet.PropertyFile === 'string') {
      out.push({ path: jsonGet.PropertyFile, bareProperyFile: true });
    }
    Object.values(v).forEach(visit);
  };
  visit(value);
  return out;
}

function stepOf(path: string): string | undefined {
  const m = /^Steps\.([^.[]+)/.exec(path);
  return m ? m[1] : undefined;
}

function checkReference(ref: Reference, parameters: Set<string>, steps: Map<string, FoundStep[]>): string | undefined {
  if (ref.bareProperyFile) {
    const declared = [...steps.values()].flat().some((s) => propertyFiles(s.json).includes(ref.path));
    return declared ? undefined : `reads property file '${ref.path}' which no step declares`;
  }
  const [root, rest] = [ref.path.split('.')[0], ref.path.slice(ref.path.indexOf('.') + 1)];
  switch (root) {
    case 'Parameters':
      return parameters.has(rest) ? undefined : `references parameter '${rest}' which is not declared`;
    case 'Execution':
      return ExecutionVariable.NAMES.includes(rest) ? undefined : `references execution variable '${rest}' which SageMaker does not have`;
    case 'Steps': {
      const target = ref.step!;
      const found = steps.get(target);
      if (!found) return `references step '${target}' which is not in the pipeline`;
      const m = new RegExp(`^Steps\\.${escape(target)}\\.PropertyFiles\\.(.+)$`).exec(ref.path);
      if (m && !found.some((s) => propertyFiles(s.json).includes(m[1]))) {
        return `reads property file '${m[1]}' which step '${target}' does not declare`;
      }
      return undefined;
    }
    default:
      return `has a Get of '${ref.path}', which is not a parameter, an execution variable or a step property`;
  }
}

function propertyFiles(step: any): string[] {
  return Array.isArray(step.PropertyFiles) ? step.PropertyFiles.map((f: any) => f?.PropertyFileName) : [];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function describe(x: any): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'an object';
  return JSON.stringify(x);
}

function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      if (state.get(next) === 'visiting') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...edges.keys()].sort()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Where each step's job names its VPC: processing and check steps in `NetworkConfig.VpcConfig`,
 * training and model steps in `VpcConfig`, tuning steps in their training job definitions',
 * AutoML steps in `AutoMLJobConfig.SecurityConfig.VpcConfig`.
 */
const VPC_PATHS: Record<string, string[][]> = {
  Processing: [['NetworkConfig', 'VpcConfig']],
  QualityCheck: [['NetworkConfig', 'VpcConfig']],
  ClarifyCheck: [['NetworkConfig', 'VpcConfig']],
  Training: [['VpcConfig']],
  Model: [['VpcConfig']],
  Tuning: [['TrainingJobDefinition', 'VpcConfig']],
  AutoML: [['AutoMLJobConfig', 'SecurityConfig', 'VpcConfig']],
};

/** The role fields of each step type's job request that SageMaker runs the job as. */
const ROLE_PATHS: Record<string, string[][]> = {
  Processing: [['RoleArn']],
  QualityCheck: [['RoleArn']],
  ClarifyCheck: [['RoleArn']],
  Training: [['RoleArn']],
  Model: [['ExecutionRoleArn']],
  Tuning: [['TrainingJobDefinition', 'RoleArn']],
  AutoML: [['RoleArn']],
};

function at(value: any, path: string[]): any {
  return path.reduce((v, k) => (v && typeof v === 'object' ? v[k] : undefined), value);
}

/**
 * The steps of a definition's JSON that run in a VPC, with subnets, security groups and roles.
 * @internal
 */
export function vpcSettings(definition: any): Array<{ stepName: string; stepType: string; subnets: any[]; securityGroupIds: any[]; roleArns: any[] }> {
  const out: Array<{ stepName: string; stepType: string; subnets: any[]; securityGroupIds: any[]; roleArns: any[] }> = [];
  for (const step of allSteps(definition)) {
    const args = step.json.Arguments;
    const definitions = step.type === 'Tuning' && Array.isArray(args?.TrainingJobDefinitions)
      ? args.TrainingJobDefinitions.map((d: any) => ({ TrainingJobDefinition: d })) : [args];
    for (const request of definitions) {
      for (const path of VPC_PATHS[step.type] ?? []) {
        const vpc = at(request, path);
        if (!vpc || typeof vpc !== 'object') continue;
        out.push({
          stepName: step.name,
          stepType: step.type,
          subnets: Array.isArray(vpc.Subnets) ? vpc.Subnets : [],
          securityGroupIds: Array.isArray(vpc.SecurityGroupIds) ? vpc.SecurityGroupIds : [],
          roleArns: (ROLE_PATHS[step.type] ?? []).map((p) => at(request, p)).filter((r) => r !== undefined),
        });
      }
    }
  }
  return out;
}
