import { mkdtempSync, readdirSync, readFileSync, statSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';

/** A CloudFormation template as synthesized. */
export interface CfnTemplate {
  readonly file: string;
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, unknown> }>;
}

/** Synthesizes `build` into a fresh directory and reads every template it wrote. */
export function synthesizeTemplates(build: (app: App) => void, context: Record<string, unknown> = {}): CfnTemplate[] {
  const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-rehearsal-'));
  const app = new App({ outdir, context });
  build(app);
  app.synth();
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.template.json')) files.push(full);
    }
  };
  walk(outdir);
  return files.sort().map((file) => ({ file, ...JSON.parse(readFileSync(file, 'utf8')) }));
}

/** A Lambda function as its template defines it. */
export interface SynthesizedFunction {
  readonly template: CfnTemplate;
  readonly logicalId: string;
  readonly properties: Record<string, any>;
  /** `Environment.Variables`, tokens unresolved. */
  readonly variables: Record<string, unknown>;
  /** The function's timeout in seconds (Lambda's default is 3). */
  readonly timeoutSeconds: number;
}

/**
 * The functions of a handler (by `POWERTOOLS_SERVICE_NAME`, which our handlers' functions carry)
 * in templates whose file name matches `templateName`.
 */
export function functionsOf(templates: CfnTemplate[], handler: string, templateName: RegExp = /./): SynthesizedFunction[] {
  const found: SynthesizedFunction[] = [];
  for (const template of templates.filter((t) => templateName.test(path.basename(t.file)))) {
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const variables = resource.Properties?.Environment?.Variables;
      if (resource.Type === 'AWS::Lambda::Function' && variables?.POWERTOOLS_SERVICE_NAME === handler) {
        found.push({ template, logicalId, properties: resource.Properties!, variables, timeoutSeconds: resource.Properties!.Timeout ?? 3 });
      }
    }
  }
  return found;
}

/** What the tokens of a template stand for in the rehearsal: local names of resources, and the pseudo parameters. */
export interface TokenValues {
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
  /** `Ref` of a logical id: the local name (a table name, a pipeline name, a topic ARN). */
  readonly refs?: Record<string, string>;
  /** `Fn::GetAtt` of a logical id and attribute, as `<id>.<attribute>`. */
  readonly attributes?: Record<string, string>;
}

/**
 * Resolves a template value: strings stay, `Ref` and `Fn::GetAtt` take the given local values,
 * `Fn::Join` and `Fn::Select`/`Fn::Split` are evaluated. Anything else fails naming the token, so a
 * rehearsal never runs with a value nobody chose.
 */
export function resolveValue(value: unknown, tokens: TokenValues, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if ('Ref' in o) {
      const ref = String(o.Ref);
      const pseudo: Record<string, string | undefined> = {
        'AWS::AccountId': tokens.account, 'AWS::Region': tokens.region, 'AWS::Partition': tokens.partition ?? 'aws', 'AWS::URLSuffix': 'amazonaws.com',
      };
      const v = pseudo[ref] ?? tokens.refs?.[ref];
      if (v === undefined) throw new Error(`${where}: no local value for { Ref: ${ref} }`);
      return v;
    }
    if ('Fn::GetAtt' in o) {
      const [id, attribute] = o['Fn::GetAtt'] as [string, string];
      const v = tokens.attributes?.[`${id}.${attribute}`];
      if (v === undefined) throw new Error(`${where}: no local value for { Fn::GetAtt: [${id}, ${attribute}] }`);
      return v;
    }
    if ('Fn::Join' in o) {
      const [separator, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => resolveValue(p, tokens, where)).join(separator);
    }
    if ('Fn::Select' in o) {
      const [index, list] = o['Fn::Select'] as [number, unknown];
      const l = list as Record<string, unknown>;
      if ('Fn::Split' in l) {
        const [sep, source] = l['Fn::Split'] as [string, unknown];
        return resolveValue(source, tokens, where).split(sep)[Number(index)];
      }
    }
  }
  throw new Error(`${where}: cannot resolve ${JSON.stringify(value)}`);
}

/** The environment a function gets, its tokens replaced by local values. */
export function resolvedEnvironment(fn: SynthesizedFunction, tokens: TokenValues): Record<string, string> {
  return Object.fromEntries(Object.entries(fn.variables).map(([name, value]) => [name, resolveValue(value, tokens, `${fn.logicalId}.Environment.Variables.${name}`)]));
}

/** Any JSON value of a template with its tokens resolved (an event pattern, action parameters). */
export function resolveDeep(value: unknown, tokens: TokenValues, where: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveDeep(v, tokens, `${where}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if (['Ref', 'Fn::GetAtt', 'Fn::Join', 'Fn::Select'].some((k) => k in o) && Object.keys(o).length === 1) return resolveValue(o, tokens, where);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveDeep(v, tokens, `${where}.${k}`)]));
  }
  return value;
}
