import * as path from 'path';
import {
  accountPrincipal, actionMatches, asArray, creations, Deployment, DeploymentModel, directReference, Evaluator, globMatches,
  HOLE, hasHole, ModelTemplate, parseNamedPrincipal, referencedIds, RESOURCE_TYPES, rolePermissions, show,
} from '../../checks/assembly-model';
import { eventLabel, eventObject, eventsEmittedBy, patternMayMatch, SampleEvent, shortDetailType } from './cloud-events';

/** What a node of the picture is; it decides its shape. */
export type NodeKind =
  | 'registry' | 'sagemaker-pipeline' | 'codepipeline' | 'endpoint' | 'monitor' | 'event-bus' | 'forwarding'
  | 'function' | 'state-machine' | 'build-project' | 'bucket' | 'alarm' | 'schedule' | 'product' | 'project'
  | 'external' | 'stack';

export interface GraphNode {
  readonly id: string;
  readonly kind: NodeKind;
  /** Lines of the label, the first one saying what it is. */
  readonly lines: string[];
}

/** One deployed stack: an app stack (`cdk deploy`) or a template a pipeline deploys. */
export interface StackGroup {
  readonly id: string;
  readonly lines: string[];
  readonly nodes: GraphNode[];
}

export interface AccountGroup {
  readonly id: string;
  readonly lines: string[];
  readonly stacks: StackGroup[];
  /** Nodes of the account outside the app's stacks (a bus the app only sends to, events from outside the app). */
  readonly nodes: GraphNode[];
}

export type EdgeKind = 'event' | 'start' | 'deploy' | 'assume';

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label?: string;
}

export interface PlatformGraph {
  readonly accounts: AccountGroup[];
  readonly edges: GraphEdge[];
}

/** What the cloud assembly says of an app stack that its template does not. */
export interface AppStackInfo {
  readonly stackName: string;
}

/**
 * Draws the deployment model: accounts, the stacks deployed to each (app stacks and the
 * templates pipelines deploy), their key resources, and what connects them across stacks and
 * accounts (EventBridge rules and buses, permissions to start pipelines, pipeline deployments,
 * roles assumed across stacks). Everything comes from the templates: CloudFormation types and
 * properties, not the constructs that made them.
 */
export function buildPlatformGraph(model: DeploymentModel, appStacks: Map<string, AppStackInfo>): PlatformGraph {
  return new GraphBuilder(model, appStacks).build();
}

/** Key resources: always drawn. */
const KEY_TYPES: Record<string, NodeKind> = {
  'AWS::SageMaker::ModelPackageGroup': 'registry',
  'AWS::SageMaker::Pipeline': 'sagemaker-pipeline',
  'AWS::CodePipeline::Pipeline': 'codepipeline',
  'AWS::SageMaker::Endpoint': 'endpoint',
  'AWS::SageMaker::MonitoringSchedule': 'monitor',
  'AWS::Events::EventBus': 'event-bus',
  'AWS::ServiceCatalog::CloudFormationProduct': 'product',
  'AWS::SageMaker::Project': 'project',
};

/** Resources drawn only when they take part in a flow. */
const FLOW_TYPES: Record<string, NodeKind> = {
  'AWS::Lambda::Function': 'function',
  'AWS::StepFunctions::StateMachine': 'state-machine',
  'AWS::CodeBuild::Project': 'build-project',
  'AWS::S3::Bucket': 'bucket',
  'AWS::CloudWatch::Alarm': 'alarm',
  'AWS::Events::Rule': 'schedule',
  'AWS::Scheduler::Schedule': 'schedule',
};

/** The role property of the resource types that act with a role of their own. */
const ROLE_PROPERTY: Record<string, string> = {
  'AWS::Lambda::Function': 'Role',
  'AWS::CodeBuild::Project': 'ServiceRole',
  'AWS::StepFunctions::StateMachine': 'RoleArn',
  'AWS::CodePipeline::Pipeline': 'RoleArn',
};

/**
 * The IAM actions that start a workflow, and the resource type each starts (Service
 * Authorization Reference, as cfn-lint's Policies.json lists them: sagemaker
 * StartPipelineExecution on `pipeline`, codepipeline StartPipelineExecution on `pipeline`,
 * states StartExecution on `stateMachine`, codebuild StartBuild on `project`).
 */
const START_ACTIONS: Array<{ readonly action: string; readonly type: string }> = [
  { action: 'sagemaker:StartPipelineExecution', type: 'AWS::SageMaker::Pipeline' },
  { action: 'codepipeline:StartPipelineExecution', type: 'AWS::CodePipeline::Pipeline' },
  { action: 'states:StartExecution', type: 'AWS::StepFunctions::StateMachine' },
  { action: 'codebuild:StartBuild', type: 'AWS::CodeBuild::Project' },
];

/** What a Service Catalog product's template launches, in words. */
const LAUNCHED: Record<string, string> = {
  'AWS::SageMaker::ModelPackageGroup': 'model registry',
  'AWS::SageMaker::Pipeline': 'SageMaker pipeline',
  'AWS::CodePipeline::Pipeline': 'CodePipeline',
  'AWS::SageMaker::Endpoint': 'endpoint',
  'AWS::SageMaker::MonitoringSchedule': 'model monitor',
  'AWS::S3::Bucket': 'bucket',
  'AWS::Lambda::Function': 'Lambda function',
};

/** One deployment of a template: the unit a stack group draws. */
class Instance {
  public readonly nodes = new Map<string, GraphNode>();
  public readonly ev: Evaluator;
  public id = '';

  constructor(
    public readonly template: ModelTemplate,
    public readonly deployment: Deployment,
    public readonly stackName: string | undefined,
    public readonly account: string | undefined,
    public readonly region: string | undefined,
  ) {
    this.ev = template.evaluator(deployment, 'pattern');
  }

  public get resources() {
    return this.template.resources;
  }

  public get defaultBus(): string {
    return busKey(this.account, this.region, 'default');
  }
}

interface BusTarget { readonly kind: 'bus'; readonly key: string }
interface ResourceTarget { readonly kind: 'resource'; readonly inst: Instance; readonly logicalId: string }
type Target = BusTarget | ResourceTarget;

interface Rule {
  readonly inst: Instance;
  readonly logicalId: string;
  readonly bus: string;
  readonly pattern: unknown;
  readonly targets: Target[];
  matched: boolean;
}

/** An edge whose source is the emitter, decided once the flow reaches a consumer. */
const EMITTER = '\uE002emitter';

function busKey(account: string | undefined, region: string | undefined, name: string): string {
  return `${account ?? 'unknown'}|${region ?? 'unknown'}|${name}`;
}

/** Mermaid ids: letters, digits and underscores. */
function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A logical id without the hash CDK appends (`ApprovalTriggerHandlerFunction443D973E` -> `ApprovalTriggerHandlerFunction`). */
function readableId(logicalId: string): string {
  const m = /^(.+?)[0-9A-F]{8}$/.exec(logicalId);
  return m ? m[1] : logicalId;
}

/** Text cut into lines of about `width` characters at spaces. */
export function wrap(text: string, width = 44): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

class GraphBuilder {
  private readonly instances: Instance[] = [];
  /** template path + deployment index -> instance */
  private readonly byDeployment = new Map<string, Instance>();
  private readonly exports = new Map<string, { inst: Instance; value: unknown }>();
  private readonly edges = new Map<string, GraphEdge & { labels: Set<string> }>();
  private readonly accountNodes = new Map<string, Map<string, GraphNode>>();
  private readonly busNodes = new Map<string, string>();
  private readonly collapsedInto = new Map<string, string>();
  private readonly rulesByBus = new Map<string, Rule[]>();
  /** account -> promotion stage -> its position in the pipeline */
  private readonly deployStages = new Map<string, Map<string, number>>();
  private arnIndex?: Map<string, Array<{ inst: Instance; logicalId: string }>>;

  constructor(private readonly model: DeploymentModel, private readonly appStacks: Map<string, AppStackInfo>) {}

  public build(): PlatformGraph {
    this.collectInstances();
    this.collectExports();
    for (const inst of this.instances) this.addKeyNodes(inst);
    this.collectRules();
    this.routeEvents();
    this.addStartEdges();
    this.addDeployEdges();
    this.addAssumeEdges();
    return this.assemble();
  }

  // ---------------------------------------------------------------- instances

  private collectInstances(): void {
    const seen = new Map<string, Instance>();
    for (const t of this.model.templates) {
      if (t.kind === 'product') continue;
      for (const d of t.deployments) {
        const stackName = d.stackName ?? (t.kind === 'stack' ? this.appStacks.get(t.templatePath)?.stackName : undefined);
        const key = `${t.templatePath}|${d.env.account}|${d.env.region}|${stackName}`;
        let inst = seen.get(key);
        if (!inst) {
          inst = new Instance(t, d, stackName, d.env.account, d.env.region);
          seen.set(key, inst);
          this.instances.push(inst);
        }
        this.byDeployment.set(`${t.templatePath}#${d.index}`, inst);
      }
    }
    const sortKey = (i: Instance) => [i.account ?? '~', i.region ?? '~', i.stackName ?? '~', i.template.templatePath].join('|');
    this.instances.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    const nameOf = (i: Instance) => sanitize(i.stackName ?? path.basename(path.dirname(i.template.templatePath)));
    const count = new Map<string, number>();
    for (const inst of this.instances) count.set(nameOf(inst), (count.get(nameOf(inst)) ?? 0) + 1);
    const ids = new Set<string>();
    for (const inst of this.instances) {
      const name = nameOf(inst);
      const base = count.get(name)! > 1 ? `s_${name}_${sanitize(inst.account ?? 'unknown')}_${sanitize(inst.region ?? 'unknown')}` : `s_${name}`;
      let id = base;
      for (let n = 2; ids.has(id); n++) id = `${base}_${n}`;
      ids.add(id);
      inst.id = id;
    }
  }

  private instanceOf(t: ModelTemplate, d: Deployment): Instance | undefined {
    return this.byDeployment.get(`${t.templatePath}#${d.index}`);
  }

  /** Exports of app stacks, by account, region and name, for `Fn::ImportValue`. */
  private collectExports(): void {
    for (const inst of this.instances) {
      for (const output of Object.values((inst.template.template.Outputs ?? {}) as Record<string, any>)) {
        if (output?.Export?.Name === undefined) continue;
        const name = inst.ev.evaluate(output.Export.Name);
        if (!hasHole(name)) this.exports.set(`${inst.account}|${inst.region}|${name}`, { inst, value: output.Value });
      }
    }
  }

  /**
   * A template value as text: imports replaced by what the exporting stack exports, attributes
   * the deployability check does not know (monitoring schedule ARNs) written out, then evaluated
   * as the check does (HOLE where unknown at synth).
   */
  private value(inst: Instance, v: unknown): string {
    return inst.ev.evaluate(this.substitute(inst, v, 0));
  }

  private substitute(inst: Instance, v: unknown, depth: number): unknown {
    if (Array.isArray(v)) return v.map((x) => this.substitute(inst, x, depth));
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === 'Fn::ImportValue' && depth < 3) {
      const name = this.value(inst, o['Fn::ImportValue']);
      const exported = this.exports.get(`${inst.account}|${inst.region}|${name}`);
      return exported ? this.value(exported.inst, exported.value) : HOLE;
    }
    const ref = directReference(v);
    if (ref && ref.attribute && inst.resources[ref.logicalId]?.Type === 'AWS::SageMaker::MonitoringSchedule' && ref.attribute === 'MonitoringScheduleArn') {
      return this.arnOf(inst, ref.logicalId);
    }
    return Object.fromEntries(keys.map((k) => [k, this.substitute(inst, o[k], depth)]));
  }

  private nameOf(inst: Instance, logicalId: string): string {
    const r = inst.resources[logicalId];
    if (r?.Type === 'AWS::SageMaker::MonitoringSchedule') {
      return r.Properties?.MonitoringScheduleName === undefined ? HOLE : this.value(inst, r.Properties.MonitoringScheduleName);
    }
    return inst.ev.nameOf(logicalId);
  }

  /** The ARN of a resource (HOLE where unknown); ARN formats of cfn-lint's Policies.json. */
  private arnOf(inst: Instance, logicalId: string): string {
    const r = inst.resources[logicalId];
    if (r?.Type === 'AWS::SageMaker::MonitoringSchedule') {
      const env = inst.ev.env;
      return `arn:${env.partition}:sagemaker:${env.region}:${env.account}:monitoring-schedule/${this.nameOf(inst, logicalId)}`;
    }
    return inst.ev.arnOf(logicalId);
  }

  /** Literal ARNs of the app's resources, for targets and policy resources written as ARNs. */
  private arns(): Map<string, Array<{ inst: Instance; logicalId: string }>> {
    if (!this.arnIndex) {
      this.arnIndex = new Map();
      for (const inst of this.instances) {
        for (const [logicalId, r] of Object.entries(inst.resources)) {
          if (!RESOURCE_TYPES[r.Type]?.arn && r.Type !== 'AWS::SageMaker::MonitoringSchedule') continue;
          const arn = this.arnOf(inst, logicalId);
          if (hasHole(arn)) continue;
          const list = this.arnIndex.get(arn) ?? [];
          list.push({ inst, logicalId });
          this.arnIndex.set(arn, list);
        }
      }
    }
    return this.arnIndex;
  }

  // ---------------------------------------------------------------- nodes

  private nodeId(inst: Instance, logicalId: string): string {
    return `${inst.id}__${sanitize(logicalId)}`;
  }

  private addKeyNodes(inst: Instance): void {
    for (const logicalId of Object.keys(inst.resources).sort()) {
      const type = inst.resources[logicalId].Type;
      const kind = KEY_TYPES[type] ?? (type === 'AWS::Events::Rule' && this.forwardsToBus(inst, logicalId) ? 'forwarding' : undefined);
      if (kind) this.ensureNode(inst, logicalId, kind);
    }
    // the Lambda functions and CodeBuild projects a pipeline runs are drawn as part of the pipeline
    for (const [logicalId, r] of Object.entries(inst.resources)) {
      if (r.Type !== 'AWS::CodePipeline::Pipeline') continue;
      for (const stage of asArray(r.Properties?.Stages) as any[]) {
        for (const action of asArray(stage?.Actions) as any[]) {
          const provider = action?.ActionTypeId?.Provider;
          const ref = directReference(provider === 'Lambda' ? action?.Configuration?.FunctionName : provider === 'CodeBuild' ? action?.Configuration?.ProjectName : undefined);
          if (ref && inst.resources[ref.logicalId]) this.collapsedInto.set(this.nodeId(inst, ref.logicalId), this.nodeId(inst, logicalId));
        }
      }
    }
  }

  private forwardsToBus(inst: Instance, logicalId: string): boolean {
    const own = this.ruleBus(inst, logicalId);
    return (asArray(inst.resources[logicalId].Properties?.Targets) as any[]).some((t) => {
      const target = this.resolveTarget(inst, t?.Arn);
      return target?.kind === 'bus' && target.key !== own;
    });
  }

  /** The node of a resource, drawn from now on. */
  private ensureNode(inst: Instance, logicalId: string, kind: NodeKind = FLOW_TYPES[inst.resources[logicalId].Type] ?? 'stack'): string {
    const id = this.nodeId(inst, logicalId);
    if (!inst.nodes.has(logicalId)) inst.nodes.set(logicalId, { id, kind, lines: this.describe(inst, logicalId, kind) });
    return id;
  }

  /** The node that acts for a resource: the pipeline that runs it, or its own. */
  private actorNode(inst: Instance, logicalId: string): string {
    return this.collapsedInto.get(this.nodeId(inst, logicalId)) ?? this.ensureNode(inst, logicalId);
  }

  private describe(inst: Instance, logicalId: string, kind: NodeKind): string[] {
    const r = inst.resources[logicalId];
    const p = r.Properties ?? {};
    const name = this.nameOf(inst, logicalId);
    const named = hasHole(name) ? readableId(logicalId) : name;
    const text = (v: unknown) => show(this.value(inst, v));
    switch (kind) {
      case 'registry': {
        const readers = this.policyAccounts(inst, p.ModelPackageGroupPolicy).filter((a) => a !== inst.account);
        return ['model registry', named, ...(readers.length > 0 ? [`shared with ${readers.join(', ')}`] : [])];
      }
      case 'sagemaker-pipeline':
        return ['SageMaker pipeline', named];
      case 'codepipeline':
        return ['CodePipeline', named, ...this.pipelineSummary(inst, p)];
      case 'endpoint':
        return ['endpoint', named];
      case 'monitor': {
        const config = p.MonitoringScheduleConfig ?? {};
        const what = [config.MonitoringType, config.ScheduleConfig?.ScheduleExpression].filter((x) => x !== undefined).map(text);
        return ['model monitor', named, ...(what.length > 0 ? [what.join(' · ')] : [])];
      }
      case 'event-bus':
        return ['event bus', named];
      case 'forwarding': {
        const targets = (asArray(p.Targets) as any[]).map((t) => this.resolveTarget(inst, t?.Arn)).filter((t): t is BusTarget => t?.kind === 'bus');
        const to = [...new Set(targets.map((t) => {
          const [account, region, bus] = t.key.split('|');
          return `to ${bus} of ${account}${region !== inst.region ? ` in ${region}` : ''}`;
        }))];
        // What it forwards, when its pattern names detail-types: three rules of one account to one
        // bus are otherwise the same box.
        const detailTypes = asArray(p.EventPattern?.['detail-type']).filter((d): d is string => typeof d === 'string')
          .map((d) => shortDetailType({ source: String(asArray(p.EventPattern?.source)[0] ?? ''), detailType: d, detail: {}, identifying: [] }));
        const what = detailTypes.length > 2 ? [`${detailTypes.slice(0, 2).join(', ')}, …`] : detailTypes.length > 0 ? [detailTypes.join(', ')] : [];
        return ['event forwarding', ...what.flatMap((w) => wrap(w)), ...to];
      }
      case 'function':
        return ['Lambda function', ...(p.Description !== undefined ? wrap(text(p.Description)) : [named])];
      case 'state-machine':
        return ['Step Functions state machine', named];
      case 'build-project':
        return ['CodeBuild project', ...(p.Description !== undefined ? wrap(text(p.Description)) : [named])];
      case 'bucket':
        return ['S3 bucket', named];
      case 'alarm':
        return ['CloudWatch alarm', named];
      case 'schedule':
        return ['schedule', ...(p.ScheduleExpression !== undefined ? [text(p.ScheduleExpression)] : []), ...(p.Description !== undefined ? wrap(text(p.Description)) : [])];
      case 'product':
        return ['Service Catalog product', ...(p.Name !== undefined ? [text(p.Name)] : [named]), ...this.productSummary(inst, logicalId)];
      case 'project':
        return ['SageMaker project', p.ProjectName !== undefined ? text(p.ProjectName) : named];
      default:
        return [r.Type, named];
    }
  }

  /** Accounts a resource policy names as AWS principals. */
  private policyAccounts(inst: Instance, doc: unknown): string[] {
    const accounts = new Set<string>();
    for (const s of asArray((doc as any)?.Statement) as any[]) {
      if (s?.Effect === 'Deny') continue;
      for (const principal of asArray(s?.Principal?.AWS)) {
        const arn = this.value(inst, principal);
        const account = accountPrincipal(arn) ?? parseNamedPrincipal(arn)?.account;
        if (account && !hasHole(account)) accounts.add(account);
      }
    }
    return [...accounts].sort();
  }

  private pipelineSummary(inst: Instance, p: Record<string, any>): string[] {
    const stages = (asArray(p.Stages) as any[]).map((s) => show(this.value(inst, s?.Name)));
    const sources: string[] = [];
    for (const stage of asArray(p.Stages) as any[]) {
      for (const action of asArray(stage?.Actions) as any[]) {
        const c = action?.Configuration ?? {};
        const repo = c.FullRepositoryId ?? c.RepositoryName;
        if (action?.ActionTypeId?.Category === 'Source' && repo !== undefined) {
          sources.push(`source: ${show(this.value(inst, repo))}${c.BranchName !== undefined ? ` (${show(this.value(inst, c.BranchName))})` : ''}`);
        }
      }
    }
    return [...(stages.length > 0 ? [stages.join(' → ')] : []), ...sources];
  }

  /** What a product's templates launch: the product templates the deployment model found from its `LoadTemplateFromURL`. */
  private productSummary(inst: Instance, logicalId: string): string[] {
    const launched = new Set<string>();
    for (const artifact of asArray(inst.resources[logicalId].Properties?.ProvisioningArtifactParameters) as any[]) {
      const objectKey = this.value(inst, artifact?.Info?.LoadTemplateFromURL).split('/').pop() ?? '';
      const file = hasHole(objectKey) ? undefined : this.model.assetFile(inst.template, inst.deployment, objectKey, undefined);
      const product = this.model.templates.find((t) => t.kind === 'product' && t.templatePath === file);
      for (const r of Object.values(product?.resources ?? {})) if (LAUNCHED[r.Type]) launched.add(LAUNCHED[r.Type]);
    }
    return launched.size > 0 ? [`launches: ${[...launched].sort().join(', ')}`] : [];
  }

  // ---------------------------------------------------------------- events

  /** The bus a rule is on: its EventBusName (a name or an ARN), else its account's default bus. */
  private ruleBus(inst: Instance, logicalId: string): string | undefined {
    const name = inst.resources[logicalId].Properties?.EventBusName;
    if (name === undefined) return inst.defaultBus;
    const text = this.value(inst, name);
    const arn = /^arn:[^:]+:events:([^:]+):([^:]+):event-bus\/(.+)$/.exec(text);
    const key = arn ? busKey(arn[2], arn[1], arn[3]) : busKey(inst.account, inst.region, text);
    return hasHole(key) ? undefined : key;
  }

  /** What a rule or schedule target's ARN designates: a bus, or a resource of the app. */
  private resolveTarget(inst: Instance, arnValue: unknown): Target | undefined {
    const ref = directReference(arnValue);
    if (ref && inst.resources[ref.logicalId]) {
      if (inst.resources[ref.logicalId].Type === 'AWS::Events::EventBus') {
        const name = this.nameOf(inst, ref.logicalId);
        return hasHole(name) ? undefined : { kind: 'bus', key: busKey(inst.account, inst.region, name) };
      }
      return { kind: 'resource', inst, logicalId: ref.logicalId };
    }
    const text = this.value(inst, arnValue);
    const bus = /^arn:[^:]+:events:([^:]+):([^:]+):event-bus\/(.+)$/.exec(text);
    if (bus && !hasHole(text)) return { kind: 'bus', key: busKey(bus[2], bus[1], bus[3]) };
    if (!hasHole(text)) {
      const found = this.arns().get(text);
      if (found?.length === 1) return { kind: 'resource', inst: found[0].inst, logicalId: found[0].logicalId };
      return undefined;
    }
    // an ARN with a generated name: the one resource of this template it is built from
    const ids = [...referencedIds(arnValue)].filter((id) => inst.resources[id] && RESOURCE_TYPES[inst.resources[id].Type]?.arn);
    return ids.length === 1 ? { kind: 'resource', inst, logicalId: ids[0] } : undefined;
  }

  private collectRules(): void {
    for (const inst of this.instances) {
      for (const logicalId of Object.keys(inst.resources).sort()) {
        const r = inst.resources[logicalId];
        if (r.Type !== 'AWS::Events::Rule' || this.value(inst, r.Properties?.State ?? 'ENABLED') === 'DISABLED') continue;
        const p = r.Properties ?? {};
        const targets = (asArray(p.Targets) as any[]).map((t) => this.resolveTarget(inst, t?.Arn)).filter((t): t is Target => t !== undefined);
        if (p.ScheduleExpression !== undefined) {
          this.scheduleEdges(inst, logicalId, targets);
          continue;
        }
        const bus = this.ruleBus(inst, logicalId);
        if (bus === undefined || p.EventPattern === undefined) continue;
        const rule: Rule = { inst, logicalId, bus, pattern: this.pattern(inst, p.EventPattern), targets, matched: false };
        const list = this.rulesByBus.get(bus) ?? [];
        list.push(rule);
        this.rulesByBus.set(bus, list);
      }
      for (const logicalId of Object.keys(inst.resources).sort()) {
        const r = inst.resources[logicalId];
        if (r.Type !== 'AWS::Scheduler::Schedule' || this.value(inst, r.Properties?.State ?? 'ENABLED') === 'DISABLED') continue;
        const target = this.resolveTarget(inst, r.Properties?.Target?.Arn);
        this.scheduleEdges(inst, logicalId, target ? [target] : []);
      }
    }
  }

  private scheduleEdges(inst: Instance, logicalId: string, targets: Target[]): void {
    for (const t of targets) {
      if (t.kind !== 'resource') continue;
      this.addEdge(this.ensureNode(inst, logicalId, 'schedule'), this.ensureNode(t.inst, t.logicalId), 'event', 'on schedule');
    }
  }

  /** An event pattern with its intrinsic values evaluated (a JSON string is parsed). */
  private pattern(inst: Instance, v: unknown): unknown {
    if (typeof v === 'string') {
      try {
        return JSON.parse(v);
      } catch {
        return undefined;
      }
    }
    const walk = (x: unknown): unknown => {
      if (Array.isArray(x)) return x.map(walk);
      if (!x || typeof x !== 'object') return x;
      const keys = Object.keys(x as object);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return this.value(inst, x);
      return Object.fromEntries(keys.map((k) => [k, walk((x as Record<string, unknown>)[k])]));
    };
    return walk(v);
  }

  /**
   * Follows every event the app's resources send through the rules of their account's default
   * bus, and once through the buses those rules forward to: EventBridge does not forward an event
   * a second time ("If a receiver account sets up a rule that sends events received from a sender
   * account on to a third account, these events are not sent to the third account", and the same
   * between buses of one account: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html).
   */
  private routeEvents(): void {
    for (const inst of this.instances) {
      for (const logicalId of Object.keys(inst.resources).sort()) {
        const r = inst.resources[logicalId];
        const emitted = eventsEmittedBy({
          type: r.Type,
          properties: r.Properties ?? {},
          name: this.nameOf(inst, logicalId),
          arn: this.arnOf(inst, logicalId),
          evaluate: (v) => this.value(inst, v),
        });
        for (const e of emitted) {
          const name = this.nameOf(inst, logicalId);
          const pending = this.deliver(e, eventObject(e, inst.account, inst.region), inst.defaultBus, 0, hasHole(name) ? readableId(logicalId) : name);
          if (pending.length === 0) continue;
          const from = this.ensureNode(inst, logicalId);
          for (const edge of pending) this.addEdge(edge.from === EMITTER ? from : edge.from, edge.to, edge.kind, edge.label);
        }
      }
    }
    // rules on a default bus that no resource of the app feeds: AWS services of that account send
    // them events the app does not define (an existing registry, a bucket of another app, ...)
    for (const rules of [...this.rulesByBus.values()]) {
      for (const rule of rules) {
        if (rule.matched || !rule.bus.endsWith('|default')) continue;
        const consumers = rule.targets.filter((t): t is ResourceTarget => t.kind === 'resource');
        if (consumers.length === 0) continue;
        const id = `ext_${rule.inst.id}__${sanitize(rule.logicalId)}`;
        this.accountNode(rule.inst.account, id, 'external', ['events from outside this app', ...wrap(externalLabel(rule.pattern))]);
        for (const t of consumers) this.addEdge(id, this.ensureNode(t.inst, t.logicalId), 'event');
      }
    }
  }

  private deliver(e: SampleEvent, event: Record<string, unknown>, bus: string, hop: number, origin: string): GraphEdge[] {
    const out: GraphEdge[] = [];
    for (const rule of this.rulesByBus.get(bus) ?? []) {
      if (!patternMayMatch(rule.pattern, event)) continue;
      rule.matched = true;
      for (const target of rule.targets) {
        if (target.kind === 'bus') {
          if (hop > 0 || target.key === bus) continue;
          const downstream = this.deliver(e, event, target.key, hop + 1, origin);
          if (downstream.length === 0) continue;
          const forwarding = this.ensureNode(rule.inst, rule.logicalId, 'forwarding');
          const busNode = this.busNode(target.key);
          out.push({ from: EMITTER, to: forwarding, kind: 'event', label: shortDetailType(e) });
          out.push({ from: forwarding, to: busNode, kind: 'event' });
          for (const d of downstream) out.push(d.from === EMITTER ? { ...d, from: busNode, label: `${d.label} · from ${origin}` } : d);
        } else {
          out.push({ from: EMITTER, to: this.ensureNode(target.inst, target.logicalId), kind: 'event', label: eventLabel(rule.pattern, e) });
        }
      }
    }
    return out;
  }

  /** The node of an event bus: the app's EventBus resource, or a node of the account for a bus the app does not create. */
  private busNode(key: string): string {
    const known = this.busNodes.get(key);
    if (known) return known;
    const [account, region, name] = key.split('|');
    for (const inst of this.instances) {
      if (inst.account !== account || inst.region !== region) continue;
      for (const [logicalId, r] of Object.entries(inst.resources)) {
        if (r.Type === 'AWS::Events::EventBus' && this.nameOf(inst, logicalId) === name) {
          const id = this.ensureNode(inst, logicalId, 'event-bus');
          this.busNodes.set(key, id);
          return id;
        }
      }
    }
    const id = `bus_${sanitize(account)}_${sanitize(region)}_${sanitize(name)}`;
    this.accountNode(account === 'unknown' ? undefined : account, id, 'event-bus', [name === 'default' ? 'default event bus' : 'event bus', ...(name === 'default' ? [] : [name]), region]);
    this.busNodes.set(key, id);
    return id;
  }

  private accountNode(account: string | undefined, id: string, kind: NodeKind, lines: string[]): void {
    const key = account ?? 'unknown';
    const nodes = this.accountNodes.get(key) ?? new Map<string, GraphNode>();
    if (!nodes.has(id)) nodes.set(id, { id, kind, lines });
    this.accountNodes.set(key, nodes);
  }

  // ---------------------------------------------------------------- permissions

  /** The statements of the role a resource acts with (its role property names a role of its template). */
  private roleStatements(inst: Instance, logicalId: string) {
    const prop = ROLE_PROPERTY[inst.resources[logicalId].Type];
    const ref = prop ? directReference(inst.resources[logicalId].Properties?.[prop]) : undefined;
    if (!ref || inst.resources[ref.logicalId]?.Type !== 'AWS::IAM::Role') return [];
    return rolePermissions(this.model, inst.template, inst.deployment, ref.logicalId).statements.filter((s) => s.effect === 'Allow' && s.notActions.length === 0);
  }

  /** Who may start a pipeline, state machine or build: an edge from each function, project or pipeline whose role allows it. */
  private addStartEdges(): void {
    for (const inst of this.instances) {
      for (const logicalId of Object.keys(inst.resources).sort()) {
        if (!ROLE_PROPERTY[inst.resources[logicalId].Type]) continue;
        for (const s of this.roleStatements(inst, logicalId)) {
          const actions = s.actions.map((a) => this.value(inst, a));
          for (const start of START_ACTIONS) {
            if (!actions.some((a) => actionMatches(a, start.action))) continue;
            for (const resource of s.resources) {
              for (const target of this.policyTargets(inst, resource, start.type)) {
                if (target.inst === inst && target.logicalId === logicalId) continue;
                const from = this.actorNode(inst, logicalId);
                if (this.collapsedInto.get(this.nodeId(target.inst, target.logicalId)) === from) continue;
                const to = this.ensureNode(target.inst, target.logicalId);
                if (from !== to) this.addEdge(from, to, 'start', start.action.split(':')[1]);
              }
            }
          }
        }
      }
    }
  }

  /** The app's resources of a type that a policy's Resource element designates (`*` alone designates none: it names nothing). */
  private policyTargets(inst: Instance, resource: unknown, type: string): Array<{ inst: Instance; logicalId: string }> {
    const ref = directReference(resource);
    if (ref && inst.resources[ref.logicalId]) return inst.resources[ref.logicalId].Type === type ? [{ inst, logicalId: ref.logicalId }] : [];
    const text = this.value(inst, resource);
    if (text === '*' || !text.startsWith('arn:')) return [];
    if (!hasHole(text) && !/[*?]/.test(text)) {
      return (this.arns().get(text) ?? []).filter((t) => t.inst.resources[t.logicalId].Type === type);
    }
    if (!hasHole(text)) {
      const out: Array<{ inst: Instance; logicalId: string }> = [];
      for (const [arn, list] of this.arns()) if (globMatches(text, arn)) out.push(...list.filter((t) => t.inst.resources[t.logicalId].Type === type));
      return out;
    }
    const ids = [...referencedIds(resource)].filter((id) => inst.resources[id]?.Type === type);
    return ids.length === 1 ? [{ inst, logicalId: ids[0] }] : [];
  }

  /** Roles of other stacks a function, project or pipeline may assume (`sts:AssumeRole` on a role the app names and creates). */
  private addAssumeEdges(): void {
    const created = creations(this.model);
    for (const inst of this.instances) {
      for (const logicalId of Object.keys(inst.resources).sort()) {
        if (!ROLE_PROPERTY[inst.resources[logicalId].Type]) continue;
        for (const s of this.roleStatements(inst, logicalId)) {
          if (!s.actions.some((a) => actionMatches(this.value(inst, a), 'sts:AssumeRole'))) continue;
          for (const resource of s.resources) {
            const named = parseNamedPrincipal(this.value(inst, resource));
            if (!named || named.kind !== 'role') continue;
            for (const c of created) {
              if (c.kind !== 'role' || c.account !== named.account || c.pathAndName !== named.pathAndName) continue;
              const owner = this.instanceOf(c.template, c.deployment);
              if (!owner || owner === inst) continue;
              this.addEdge(this.actorNode(inst, logicalId), owner.id, 'assume', 'assumes role');
            }
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- deployments

  /** The templates pipelines deploy: an edge from the pipeline to each stack, labelled with its stage. */
  private addDeployEdges(): void {
    for (const t of this.model.templates) {
      for (const d of t.deployments) {
        const action = d.action;
        const inst = this.instanceOf(t, d);
        const host = action ? this.instanceOf(action.host, action.hostDeployment) : undefined;
        if (!action || !inst || !host) continue;
        this.addEdge(this.ensureNode(host, action.pipelineLogicalId), inst.id, 'deploy', this.stageLabel(host, action));
        if (inst.account) {
          const stages = this.deployStages.get(inst.account) ?? new Map<string, number>();
          const position = (asArray(host.resources[action.pipelineLogicalId]?.Properties?.Stages) as any[]).findIndex((st) => String(st?.Name) === action.stageName);
          stages.set(action.stageName, Math.min(stages.get(action.stageName) ?? Infinity, position));
          this.deployStages.set(inst.account, stages);
        }
      }
    }
  }

  /** The stage of a deploy action, and whether a manual approval comes before it (an earlier stage, or an earlier run order of its stage). */
  private stageLabel(host: Instance, action: NonNullable<Deployment['action']>): string {
    const stages = asArray(host.resources[action.pipelineLogicalId]?.Properties?.Stages) as any[];
    const index = stages.findIndex((s) => String(s?.Name) === action.stageName);
    const actions = asArray(stages[index]?.Actions) as any[];
    const runOrder = (a: any) => Number(a?.RunOrder ?? 1);
    const deploy = actions.find((a) => String(a?.Name) === action.actionName);
    const isApproval = (a: any) => a?.ActionTypeId?.Category === 'Approval';
    const approved = stages.slice(0, Math.max(index, 0)).some((s) => (asArray(s?.Actions) as any[]).some(isApproval))
      || actions.some((a) => isApproval(a) && runOrder(a) < runOrder(deploy));
    return `${action.stageName}${approved ? ', after manual approval' : ''}`;
  }

  // ---------------------------------------------------------------- output

  private addEdge(from: string, to: string, kind: EdgeKind, label?: string): void {
    const key = `${from}|${to}|${kind}`;
    const existing = this.edges.get(key);
    if (existing) {
      if (label) existing.labels.add(label);
      return;
    }
    this.edges.set(key, { from, to, kind, labels: new Set(label ? [label] : []) });
  }

  private assemble(): PlatformGraph {
    const accounts = new Map<string, AccountGroup>();
    const accountOf = (account: string | undefined): AccountGroup => {
      const key = account ?? 'unknown';
      let group = accounts.get(key);
      if (!group) {
        const stages = [...(account ? this.deployStages.get(account) ?? [] : [])]
          .sort(([a, i], [b, j]) => i - j || a.localeCompare(b)).map(([name]) => name);
        group = {
          id: `acct_${sanitize(key)}`,
          lines: [account ? `account ${account}` : 'account unknown at synth (environment-agnostic stacks)', ...(stages.length > 0 ? [`promotion: ${stages.join(', ')}`] : [])],
          stacks: [],
          nodes: [],
        };
        accounts.set(key, group);
      }
      return group;
    };
    for (const inst of this.instances) {
      const group = accountOf(inst.account);
      const kind = inst.deployment.action || inst.template.kind === 'promotion' ? 'deployed by CodePipeline' : undefined;
      const title = `stack ${inst.stackName ?? '(named at deploy time)'} · ${inst.region ?? 'region unknown at synth'}`;
      const nodes = [...inst.nodes.values()].sort((a, b) => a.id.localeCompare(b.id));
      group.stacks.push({
        id: inst.id,
        lines: [title, ...(kind ? [kind] : []), ...(nodes.length === 0 ? [`${Object.keys(inst.resources).length} resources`] : [])],
        nodes,
      });
    }
    for (const [key, nodes] of this.accountNodes) {
      accountOf(key === 'unknown' ? undefined : key).nodes.push(...[...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)));
    }
    const sorted = [...accounts.entries()].sort(([a], [b]) => (a === 'unknown' ? 1 : b === 'unknown' ? -1 : a.localeCompare(b))).map(([, g]) => g);
    const edges = [...this.edges.values()]
      .map(({ labels, ...e }) => ({ ...e, label: labels.size > 0 ? [...labels].sort().join(' / ') : undefined }))
      .sort((a, b) => `${a.from}|${a.to}|${a.kind}`.localeCompare(`${b.from}|${b.to}|${b.kind}`));
    return { accounts: sorted, edges };
  }
}

/** What a rule fed from outside the app waits for: its detail-type and the values its pattern names. */
function externalLabel(pattern: unknown): string {
  const p = (pattern ?? {}) as Record<string, unknown>;
  const types = asArray(p['detail-type'] as unknown).filter((t): t is string => typeof t === 'string');
  const sources = asArray(p.source as unknown).filter((t): t is string => typeof t === 'string');
  const values: string[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) {
      for (const m of x) {
        if (typeof m === 'string' && !hasHole(m)) values.push(m);
        else if (m && typeof m === 'object' && typeof (m as any).prefix === 'string') values.push(`${(m as any).prefix}…`);
        else if (m && typeof m === 'object' && typeof (m as any).suffix === 'string') values.push(`…${(m as any).suffix}`);
      }
    } else if (x && typeof x === 'object') {
      for (const v of Object.values(x)) walk(v);
    }
  };
  walk(p.detail);
  const head = types.length > 0 ? types.join(', ') : sources.length > 0 ? `events of ${sources.join(', ')}` : 'any event';
  const shown = [...new Set(values)];
  return shown.length > 0 ? `${head}: ${shown.slice(0, 3).join(', ')}${shown.length > 3 ? ', …' : ''}` : head;
}
