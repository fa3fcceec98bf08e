import { HOLE } from './glob';
import { RESOURCE_TYPES } from './resource-types';

/** A CloudFormation resource as a template holds it. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly Metadata?: Record<string, unknown>;
}

/** A CloudFormation template, as much of it as the rules read. */
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { readonly Default?: unknown; readonly Type?: string }>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Outputs?: Record<string, unknown>;
  readonly Conditions?: Record<string, unknown>;
  readonly Transform?: unknown;
}

/**
 * What the pseudo parameters of one deployment of a template stand for. A value the check does
 * not know is HOLE (any text) or, when a rule compares identities within one deployment, a
 * marker that equals only itself.
 */
export interface EvalEnv {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  readonly urlSuffix: string;
}

/** The partition of a region (aws-cn for cn-*, aws-us-gov for us-gov-*, aws otherwise). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

export function asArray<T>(v: T | T[] | undefined | null): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** The logical id a value refers to directly (`{ Ref: X }` or `{ Fn::GetAtt: [X, attr] }`), with the attribute. */
export function directReference(value: unknown): { readonly logicalId: string; readonly attribute?: string } | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 1) return undefined;
  if (typeof o.Ref === 'string' && !o.Ref.startsWith('AWS::')) return { logicalId: o.Ref };
  const att = o['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') return { logicalId: att[0], attribute: String(att[1]) };
  if (typeof att === 'string') {
    const dot = att.indexOf('.');
    return dot > 0 ? { logicalId: att.slice(0, dot), attribute: att.slice(dot + 1) } : undefined;
  }
  return undefined;
}

/**
 * The logical ids of the template's resources a value references (Ref, GetAtt, `${X}` in Sub),
 * at any depth.
 */
export function referencedIds(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedIds(v, into);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) {
        into.add(v);
      } else if (k === 'Fn::GetAtt') {
        if (Array.isArray(v) && typeof v[0] === 'string') into.add(v[0]);
        else if (typeof v === 'string') into.add(v.split('.')[0]);
      } else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string') {
          for (const m of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
            const name = m[1].split('.')[0];
            if (!name.startsWith('AWS::')) into.add(name);
          }
        }
        if (Array.isArray(v)) referencedIds(v[1], into);
      } else {
        referencedIds(v, into);
      }
    }
  }
  return into;
}

/**
 * Evaluates CloudFormation values to strings, as far as they are known at synth. Refs and
 * attributes of the template's resources become what CloudFormation returns (names and ARNs of
 * the resource types the check knows, with HOLE for generated parts); parameters, imports and
 * conditions become HOLE.
 */
export class Evaluator {
  private readonly cache = new Map<string, string>();

  constructor(
    public readonly template: CfnTemplate,
    public readonly env: EvalEnv,
    /** Values of parameters known for this deployment (e.g. literal parameter overrides). */
    private readonly parameters: Record<string, string> = {},
  ) {}

  public evaluate(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return HOLE;
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length !== 1) return HOLE;
    const fn = keys[0];
    const arg = o[fn];
    switch (fn) {
      case 'Ref':
        return typeof arg === 'string' ? this.ref(arg) : HOLE;
      case 'Fn::GetAtt': {
        if (Array.isArray(arg) && typeof arg[0] === 'string') return this.getAtt(arg[0], String(arg[1]));
        if (typeof arg === 'string' && arg.includes('.')) return this.getAtt(arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1));
        return HOLE;
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) return HOLE;
        return (arg[1] as unknown[]).map((v) => this.evaluate(v)).join(arg[0]);
      }
      case 'Fn::Sub':
        return this.sub(arg);
      case 'Fn::Select': {
        if (!Array.isArray(arg)) return HOLE;
        const index = Number(this.evaluate(arg[0]));
        const list = this.list(arg[1]);
        return list && Number.isInteger(index) && index >= 0 && index < list.length ? list[index] : HOLE;
      }
      case 'Fn::FindInMap': {
        if (!Array.isArray(arg)) return HOLE;
        const [m, k1, k2] = arg.map((v) => this.evaluate(v));
        const found = this.template.Mappings?.[m]?.[k1]?.[k2];
        return typeof found === 'string' || typeof found === 'number' ? String(found) : HOLE;
      }
      default:
        return HOLE;
    }
  }

  /** A list value (a literal array, or Fn::Split of a known string), or undefined. */
  public list(value: unknown): string[] | undefined {
    if (Array.isArray(value)) return value.map((v) => this.evaluate(v));
    if (value && typeof value === 'object' && 'Fn::Split' in (value as object)) {
      const arg = (value as Record<string, unknown>)['Fn::Split'];
      if (!Array.isArray(arg) || typeof arg[0] !== 'string') return undefined;
      const text = this.evaluate(arg[1]);
      return text.includes(HOLE) ? undefined : text.split(arg[0]);
    }
    return undefined;
  }

  private ref(name: string): string {
    switch (name) {
      case 'AWS::Partition': return this.env.partition;
      case 'AWS::Region': return this.env.region;
      case 'AWS::AccountId': return this.env.account;
      case 'AWS::StackName': return this.env.stackName;
      case 'AWS::URLSuffix': return this.env.urlSuffix;
      case 'AWS::NoValue': return '';
      default:
        break;
    }
    if (name.startsWith('AWS::')) return HOLE;
    if (name in this.parameters) return this.parameters[name];
    const resource = this.template.Resources?.[name];
    if (!resource) return HOLE;
    const info = RESOURCE_TYPES[resource.Type];
    if (!info) return HOLE;
    switch (info.ref) {
      case 'name': return this.nameOf(name);
      case 'arn': return this.arnOf(name);
      case 'url': return `https://sqs.${this.env.region}.${this.env.urlSuffix}/${this.env.account}/${this.nameOf(name)}`;
      default: return HOLE;
    }
  }

  private getAtt(logicalId: string, attribute: string): string {
    const resource = this.template.Resources?.[logicalId];
    if (!resource) return HOLE;
    const info = RESOURCE_TYPES[resource.Type];
    if (!info) return HOLE;
    if ((info.arnAttributes ?? ['Arn']).includes(attribute)) return this.arnOf(logicalId);
    if ((info.nameAttributes ?? []).includes(attribute)) return this.nameOf(logicalId);
    return HOLE;
  }

  /** The physical name of a resource of the template: its name property, or HOLE when CloudFormation generates it. */
  public nameOf(logicalId: string): string {
    const resource = this.template.Resources?.[logicalId];
    const info = resource ? RESOURCE_TYPES[resource.Type] : undefined;
    if (!resource || !info?.nameProperty) return HOLE;
    const v = resource.Properties?.[info.nameProperty];
    return v === undefined ? HOLE : this.guarded(`name:${logicalId}`, () => this.evaluate(v));
  }

  /** The ARN of a resource of the template, HOLE where it is not known. */
  public arnOf(logicalId: string): string {
    const resource = this.template.Resources?.[logicalId];
    const info = resource ? RESOURCE_TYPES[resource.Type] : undefined;
    if (!resource || !info?.arn) return HOLE;
    return this.guarded(`arn:${logicalId}`, () => info.arn!(this.nameOf(logicalId), this.env, resource.Properties ?? {}, (v) => this.evaluate(v)));
  }

  /** Evaluates once, and treats a reference cycle as unknown. */
  private guarded(key: string, produce: () => string): string {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    this.cache.set(key, HOLE);
    const v = produce();
    this.cache.set(key, v);
    return v;
  }

  private sub(arg: unknown): string {
    const text = Array.isArray(arg) ? arg[0] : arg;
    const vars = Array.isArray(arg) && arg[1] && typeof arg[1] === 'object' ? arg[1] as Record<string, unknown> : {};
    if (typeof text !== 'string') return HOLE;
    return text.replace(/\$\{([^}]*)\}/g, (whole, expr: string) => {
      if (expr.startsWith('!')) return `\${${expr.slice(1)}}`;
      if (expr in vars) return this.evaluate(vars[expr]);
      const dot = expr.indexOf('.');
      if (dot > 0 && !expr.startsWith('AWS::')) return this.getAtt(expr.slice(0, dot), expr.slice(dot + 1));
      return expr.length > 0 ? this.ref(expr) : whole;
    });
  }
}
