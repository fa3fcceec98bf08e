import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CfnElement, Stack, Stage, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { HOLE } from './glob';
import { asArray, CfnTemplate, EvalEnv, Evaluator, partitionOf } from './values';

/** How a template reaches an account: `cdk deploy`, a promotion pipeline, or a Service Catalog launch. */
export type TemplateKind = 'stack' | 'promotion' | 'product';

/** An account and region; undefined where the app leaves it to deploy time. */
export interface Env {
  readonly account?: string;
  readonly region?: string;
}

/** The CodePipeline CloudFormation action that deploys a promotion template. */
export interface PipelineDeployAction {
  /** The template holding the pipeline. */
  readonly host: ModelTemplate;
  readonly hostDeployment: Deployment;
  readonly pipelineLogicalId: string;
  readonly stageName: string;
  readonly actionName: string;
  /** Path of the action in the pipeline resource, e.g. `Properties/Stages/2/Actions/0`. */
  readonly location: string;
  readonly actionMode: string;
  /** The raw Configuration of the action. */
  readonly configuration: Record<string, unknown>;
}

/** One deployment of a template: where, under which stack name, by whom. */
export interface Deployment {
  readonly index: number;
  readonly env: Env;
  /** The stack name, when known at synth. */
  readonly stackName?: string;
  /** The pipeline action that deploys it (promotion templates). */
  readonly action?: PipelineDeployAction;
  /**
   * Parameter values known at synth: the literal values of the action's ParameterOverrides (a
   * value holding a CodePipeline variable `#{...}` is known only when the pipeline runs).
   */
  readonly parameters?: Record<string, string>;
}

/** The stack-shaped subset of a cloud assembly stack artifact the model starts from. */
export interface AssemblyStack {
  readonly templatePath: string;
  readonly accountId?: string;
  readonly region?: string;
}

/** A template of the app and every deployment of it. */
export class ModelTemplate {
  public readonly deployments: Deployment[] = [];
  /** Templates deployed, in every deployment order, before this one. */
  public readonly before = new Set<ModelTemplate>();
  /** The template whose pipeline or portfolio deploys this one. */
  public host?: ModelTemplate;
  private readonly evaluators = new Map<string, Evaluator>();
  private constructPaths?: Map<string, string>;

  constructor(
    public readonly kind: TemplateKind,
    public readonly templatePath: string,
    public readonly template: CfnTemplate,
    /** The stack construct the template was synthesized from, when the tree has it. */
    public readonly stack: Stack | undefined,
    /** A readable name: the construct path of the stack, or the file. */
    public readonly displayName: string,
  ) {}

  /** Readable name of a deployment: the stack name and environment. */
  public describe(d?: Deployment): string {
    const what = this.kind === 'stack' ? 'stack' : this.kind === 'promotion' ? 'promotion template' : 'Service Catalog product template';
    const name = d?.stackName ?? this.deployments.find((x) => x.stackName)?.stackName;
    const env = d ? ` in ${d.env.account ?? '<unknown account>'}/${d.env.region ?? '<unknown region>'}` : '';
    return `${what} ${this.displayName}${name && name !== this.displayName ? ` (stack ${name})` : ''}${env}`;
  }

  public get resources() {
    return this.template.Resources ?? {};
  }

  /**
   * An evaluator for one deployment. `identity` mode writes unknown pseudo parameters as markers
   * that only equal themselves (so two values of the same deployment compare); `pattern` mode
   * writes them as HOLE (any text).
   */
  public evaluator(d: Deployment, mode: 'identity' | 'pattern'): Evaluator {
    const key = `${d.index}:${mode}`;
    let e = this.evaluators.get(key);
    if (!e) {
      // No ':' inside a marker: it stands in an ARN, whose parts are read between colons.
      const marker = (what: string) => (mode === 'pattern' ? HOLE : `\uE001${what}|${this.templatePath.replace(/:/g, '|')}#${d.index}\uE001`);
      const region = d.env.region ?? marker('region');
      const env: EvalEnv = {
        account: d.env.account ?? marker('account'),
        region,
        partition: d.env.region ? partitionOf(d.env.region) : marker('partition'),
        stackName: d.stackName ?? marker('stack'),
        urlSuffix: d.env.region ? (d.env.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com') : marker('suffix'),
      };
      e = new Evaluator(this.template, env, d.parameters);
      this.evaluators.set(key, e);
    }
    return e;
  }

  /** The construct path of a resource, when the construct tree has the stack. */
  public constructPath(logicalId: string): string | undefined {
    if (!this.stack) return undefined;
    if (!this.constructPaths) {
      this.constructPaths = new Map();
      const stack = this.stack;
      for (const c of stack.node.findAll()) {
        if (CfnElement.isCfnElement(c) && Stack.of(c) === stack) {
          this.constructPaths.set(stack.resolve(c.logicalId), c.node.path);
        }
      }
    }
    return this.constructPaths.get(logicalId) ?? this.stack.node.path;
  }
}

interface AssetEntry {
  readonly sourcePath: string;
  readonly packaging: string;
  readonly objectKeys: string[];
}

/**
 * The templates of an app and when and where each is deployed:
 *
 * 1. the app's stacks, in the order of their dependencies (`cdk deploy --all`);
 * 2. the templates CodePipeline CloudFormation deploy actions deploy, found from the action's
 *    `TemplatePath` through its S3 source action's object key to the host stack's file asset
 *    (deployed after every stack of the app, once per action, in the action's account and region);
 * 3. Service Catalog product templates (`LoadTemplateFromURL` of an asset), launched after their
 *    portfolio's stack.
 */
export class DeploymentModel {
  /** All templates, app stacks first in deploy order, then promotion and product templates. */
  public readonly templates: ModelTemplate[] = [];
  /** Discovery steps that could not be followed, for the report. */
  public readonly notes: string[] = [];
  private readonly byPath = new Map<string, ModelTemplate>();
  private readonly stacksByTemplateHash = new Map<string, Stack>();
  private readonly manifests = new Map<string, any>();
  private readonly assetsByTemplate = new Map<ModelTemplate, AssetEntry[]>();
  private readonly fileHashes = new Map<string, string>();

  public static build(root: IConstruct, stacks: AssemblyStack[]): DeploymentModel {
    const model = new DeploymentModel();
    model.load(root, stacks);
    return model;
  }

  private load(root: IConstruct, stacks: AssemblyStack[]): void {
    const allStacks = root.node.findAll().filter((c): c is Stack => Stack.isStack(c));
    const stackByFile = new Map<string, Stack>();
    for (const s of allStacks) {
      const outdir = Stage.of(s)?.outdir;
      if (outdir) stackByFile.set(path.resolve(outdir, s.templateFile), s);
    }

    // 1. the app's stacks
    const appTemplates = new Map<Stack, ModelTemplate>();
    for (const a of stacks) {
      const file = path.resolve(a.templatePath);
      const stack = stackByFile.get(file);
      const t = new ModelTemplate('stack', file, readJson(file), stack, stack?.node.path ?? path.basename(file));
      const stackName = stack && !Token.isUnresolved(stack.stackName) ? stack.stackName : undefined;
      t.deployments.push({ index: 0, env: { account: a.accountId, region: a.region }, stackName });
      this.add(t);
      if (stack) appTemplates.set(stack, t);
    }
    for (const s of allStacks) {
      if (appTemplates.has(s)) continue;
      const outdir = Stage.of(s)?.outdir;
      const file = outdir ? path.resolve(outdir, s.templateFile) : undefined;
      if (file && fs.existsSync(file)) this.stacksByTemplateHash.set(this.hashFile(file), s);
    }
    this.orderAppStacks(appTemplates);

    // 2. and 3., from every template that holds pipelines or products (discovered ones too)
    const appStackTemplates = [...this.templates];
    for (let i = 0; i < this.templates.length; i++) {
      const host = this.templates[i];
      for (const [logicalId, resource] of Object.entries(host.resources)) {
        if (resource.Type === 'AWS::CodePipeline::Pipeline') this.discoverPipeline(host, logicalId, appStackTemplates);
        if (resource.Type === 'AWS::ServiceCatalog::CloudFormationProduct') this.discoverProduct(host, logicalId);
      }
    }
  }

  private add(t: ModelTemplate): void {
    this.templates.push(t);
    this.byPath.set(t.templatePath, t);
  }

  /** Topological order of the app's stacks (dependencies first), and what each is deployed after. */
  private orderAppStacks(appTemplates: Map<Stack, ModelTemplate>): void {
    const ordered: ModelTemplate[] = [];
    const state = new Map<ModelTemplate, 'visiting' | 'done'>();
    const visit = (t: ModelTemplate) => {
      if (state.get(t) === 'done' || state.get(t) === 'visiting') return;
      state.set(t, 'visiting');
      for (const dep of t.stack?.dependencies ?? []) {
        const d = appTemplates.get(dep);
        if (d) {
          visit(d);
          t.before.add(d);
          for (const x of d.before) t.before.add(x);
        }
      }
      state.set(t, 'done');
      ordered.push(t);
    };
    for (const t of this.templates) visit(t);
    this.templates.splice(0, this.templates.length, ...ordered);
  }

  private discoverPipeline(host: ModelTemplate, pipelineId: string, appStacks: ModelTemplate[]): void {
    const props = host.resources[pipelineId].Properties ?? {};
    const stages = asArray(props.Stages) as any[];
    for (const hostDeployment of host.deployments) {
      const ev = host.evaluator(hostDeployment, 'pattern');
      // output artifact name -> the S3 source action's object key
      const sources = new Map<string, string>();
      for (const stage of stages) {
        for (const action of asArray(stage?.Actions) as any[]) {
          const type = action?.ActionTypeId ?? {};
          if (type.Category === 'Source' && type.Provider === 'S3') {
            const key = ev.evaluate(action.Configuration?.S3ObjectKey);
            for (const out of asArray(action.OutputArtifacts) as any[]) sources.set(String(out?.Name), key);
          }
        }
      }
      stages.forEach((stage, s) => {
        asArray(stage?.Actions).forEach((action: any, a: number) => {
          const type = action?.ActionTypeId ?? {};
          if (type.Category !== 'Deploy' || type.Provider !== 'CloudFormation') return;
          const configuration = (action.Configuration ?? {}) as Record<string, unknown>;
          const actionMode = ev.evaluate(configuration.ActionMode);
          if (actionMode === 'DELETE_ONLY' || actionMode === 'CHANGE_SET_EXECUTE') return;
          const location = `Properties/Stages/${s}/Actions/${a}`;
          const templatePath = ev.evaluate(configuration.TemplatePath);
          const sep = templatePath.indexOf('::');
          if (sep < 0 || templatePath.includes(HOLE)) {
            this.notes.push(`${host.displayName} ${pipelineId} ${location}: TemplatePath ${JSON.stringify(configuration.TemplatePath)} is not a literal Artifact::file; its template is not checked`);
            return;
          }
          const artifact = templatePath.slice(0, sep);
          const fileInArtifact = templatePath.slice(sep + 2);
          const objectKey = sources.get(artifact);
          const file = objectKey === undefined ? undefined : this.assetFile(host, hostDeployment, objectKey, fileInArtifact);
          if (!file) {
            this.notes.push(`${host.displayName} ${pipelineId} ${location}: no file asset of ${host.displayName} is the source of artifact ${artifact}; its template is not checked`);
            return;
          }
          const t = this.templateAt(file, 'promotion', host);
          if (t.kind === 'promotion') {
            for (const app of appStacks) t.before.add(app);
          }
          const roleAccount = accountOfArn(ev.evaluate(action.RoleArn));
          const region = action.Region === undefined ? hostDeployment.env.region : literal(ev.evaluate(action.Region));
          const stackName = literal(ev.evaluate(configuration.StackName));
          t.deployments.push({
            index: t.deployments.length,
            env: { account: roleAccount ?? hostDeployment.env.account, region },
            stackName,
            parameters: parameterOverrides(ev.evaluate(configuration.ParameterOverrides)),
            action: {
              host, hostDeployment, pipelineLogicalId: pipelineId, stageName: String(stage?.Name ?? s), actionName: String(action?.Name ?? a),
              location, actionMode, configuration,
            },
          });
        });
      });
    }
  }

  private discoverProduct(host: ModelTemplate, productId: string): void {
    const props = host.resources[productId].Properties ?? {};
    for (const hostDeployment of host.deployments) {
      const ev = host.evaluator(hostDeployment, 'pattern');
      asArray(props.ProvisioningArtifactParameters).forEach((artifact: any, i: number) => {
        const url = ev.evaluate(artifact?.Info?.LoadTemplateFromURL);
        const objectKey = url.split('/').pop() ?? '';
        const file = objectKey.includes(HOLE) ? undefined : this.assetFile(host, hostDeployment, objectKey, undefined);
        if (!file) {
          this.notes.push(`${host.displayName} ${productId} Properties/ProvisioningArtifactParameters/${i}: ${JSON.stringify(artifact?.Info?.LoadTemplateFromURL)} is not a file asset of ${host.displayName}; its template is not checked`);
          return;
        }
        const t = this.templateAt(file, 'product', host);
        if (t.kind === 'product') {
          t.before.add(host);
          for (const x of host.before) t.before.add(x);
        }
        t.deployments.push({ index: t.deployments.length, env: hostDeployment.env });
      });
    }
  }

  /** The model's template at a path, created on first sight. */
  private templateAt(file: string, kind: TemplateKind, host: ModelTemplate): ModelTemplate {
    const existing = this.byPath.get(file);
    if (existing) return existing;
    const stack = this.stacksByTemplateHash.get(this.hashFile(file));
    const t = new ModelTemplate(kind, file, readJson(file), stack, stack?.node.path ?? path.relative(path.dirname(host.templatePath), file));
    t.host = host;
    this.add(t);
    return t;
  }

  private hashFile(file: string): string {
    let h = this.fileHashes.get(file);
    if (!h) {
      h = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      this.fileHashes.set(file, h);
    }
    return h;
  }

  /** The file of the host's file asset whose object key is `objectKey` (for a zipped directory, the file in it). */
  public assetFile(host: ModelTemplate, d: Deployment, objectKey: string, fileInArtifact: string | undefined): string | undefined {
    const ev = host.evaluator(d, 'pattern');
    const sub = (s: string) => s.replace(/\$\{(AWS::[A-Za-z]+)\}/g, (_w, p: string) => ev.evaluate({ Ref: p }));
    for (const asset of this.assetsOf(host)) {
      if (!asset.objectKeys.some((k) => sub(k) === objectKey)) continue;
      if (asset.packaging === 'zip') {
        // a zipped directory: the template is a file in the directory (a zip file we cannot read)
        if (!fileInArtifact || !fs.existsSync(asset.sourcePath) || !fs.statSync(asset.sourcePath).isDirectory()) return undefined;
        const file = path.join(asset.sourcePath, fileInArtifact);
        return fs.existsSync(file) ? path.resolve(file) : undefined;
      }
      return fs.existsSync(asset.sourcePath) && fs.statSync(asset.sourcePath).isFile() ? path.resolve(asset.sourcePath) : undefined;
    }
    return undefined;
  }

  /** The file assets of an app stack, from its asset manifests in the cloud assembly. */
  private assetsOf(t: ModelTemplate): AssetEntry[] {
    const cached = this.assetsByTemplate.get(t);
    if (cached) return cached;
    const out: AssetEntry[] = [];
    const dir = path.dirname(t.templatePath);
    const manifestFile = path.join(dir, 'manifest.json');
    let manifest = this.manifests.get(manifestFile);
    if (manifest === undefined) {
      manifest = fs.existsSync(manifestFile) ? readJson(manifestFile) : null;
      this.manifests.set(manifestFile, manifest);
    }
    const artifacts = (manifest?.artifacts ?? {}) as Record<string, any>;
    const stackArtifact = Object.values(artifacts).find((a) => a?.type === 'aws:cloudformation:stack' && a?.properties?.templateFile === path.basename(t.templatePath));
    for (const depId of asArray(stackArtifact?.dependencies) as string[]) {
      const dep = artifacts[depId];
      if (dep?.type !== 'cdk:asset-manifest' || typeof dep.properties?.file !== 'string') continue;
      const assets = readJson(path.join(dir, dep.properties.file));
      for (const entry of Object.values((assets.files ?? {}) as Record<string, any>)) {
        out.push({
          sourcePath: path.join(dir, String(entry?.source?.path ?? '')),
          packaging: String(entry?.source?.packaging ?? 'file'),
          objectKeys: Object.values((entry?.destinations ?? {}) as Record<string, any>).map((x) => String(x?.objectKey)),
        });
      }
    }
    this.assetsByTemplate.set(t, out);
    return out;
  }
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}


/** The literal values of a deploy action's ParameterOverrides (a JSON object); values with CodePipeline variables are left out. */
function parameterOverrides(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed && typeof parsed === 'object' ? parsed as Record<string, unknown> : {})) {
    if (typeof v === 'string' && !v.includes('#{') && literal(v) !== undefined) out[k] = v;
  }
  return out;
}

/** A value without holes or markers, else undefined. */
export function literal(s: string): string | undefined {
  return /[\uE000\uE001]/.test(s) ? undefined : s;
}

/** The 12-digit account of an ARN, when literal. */
export function accountOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined;
}
