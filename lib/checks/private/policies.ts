import { HOLE } from './glob';
import { ModelTemplate } from './model';
import { asArray, directReference, Evaluator } from './values';

/** Identity policies say what a role, user or group may do; resource policies who may use a resource; trust policies who may assume a role. */
export type PolicyKind = 'identity' | 'resource' | 'trust';

/** A policy document of a template resource. */
export interface PolicySource {
  readonly logicalId: string;
  readonly type: string;
  readonly kind: PolicyKind;
  /** Where the document is in the resource, e.g. `Properties/KeyPolicy`. */
  readonly location: string;
  /** The statements (a document given as a JSON string is parsed; an intrinsic one is evaluated first). */
  readonly statements: Statement[];
  /** Identity policies: the identities it is attached to, as written (`{ Ref: Role }` or a name). */
  readonly attachedTo: { readonly roles: unknown[]; readonly users: unknown[]; readonly groups: unknown[] };
}

/** One statement, with its elements as written. */
export interface Statement {
  readonly location: string;
  readonly sid?: string;
  readonly effect: string;
  readonly actions: unknown[];
  readonly notActions: unknown[];
  readonly resources: unknown[];
  readonly notResources: unknown[];
  readonly hasResource: boolean;
  /** `Principal` as written: `'*'`, or `{ AWS, Service, Federated, CanonicalUser }`. */
  readonly principal: unknown;
  readonly condition?: Record<string, Record<string, unknown>>;
}

/**
 * The resource types whose policies the rules read, with where their documents are. Resource
 * policies: KMS keys, S3 buckets, SNS topics, SQS queues, EventBridge buses, ECR repositories,
 * SageMaker model package groups, Secrets Manager secrets.
 */
const RESOURCE_POLICIES: Record<string, string> = {
  'AWS::KMS::Key': 'KeyPolicy',
  'AWS::S3::BucketPolicy': 'PolicyDocument',
  'AWS::SNS::TopicPolicy': 'PolicyDocument',
  'AWS::SQS::QueuePolicy': 'PolicyDocument',
  'AWS::Events::EventBus': 'Policy',
  'AWS::ECR::Repository': 'RepositoryPolicyText',
  'AWS::SageMaker::ModelPackageGroup': 'ModelPackageGroupPolicy',
  'AWS::SecretsManager::ResourcePolicy': 'ResourcePolicy',
};

const cache = new WeakMap<ModelTemplate, PolicySource[]>();

/** Every policy document of a template. */
export function policySources(t: ModelTemplate): PolicySource[] {
  const cached = cache.get(t);
  if (cached) return cached;
  const out: PolicySource[] = [];
  const d = t.deployments[0];
  const ev = d ? t.evaluator(d, 'pattern') : undefined;
  const none: PolicySource['attachedTo'] = { roles: [], users: [], groups: [] };
  for (const [logicalId, r] of Object.entries(t.resources)) {
    const props = r.Properties ?? {};
    const push = (kind: PolicyKind, location: string, doc: unknown, attachedTo = none) => {
      const document = parseDocument(doc, ev);
      if (document === undefined) return;
      out.push({ logicalId, type: r.Type, kind, location, statements: statementsOf(document, location), attachedTo });
    };
    switch (r.Type) {
      case 'AWS::IAM::Role':
        if (props.AssumeRolePolicyDocument) push('trust', 'Properties/AssumeRolePolicyDocument', props.AssumeRolePolicyDocument);
        asArray(props.Policies).forEach((p: any, i: number) => push('identity', `Properties/Policies/${i}/PolicyDocument`, p?.PolicyDocument, { roles: [{ Ref: logicalId }], users: [], groups: [] }));
        break;
      case 'AWS::IAM::User':
        asArray(props.Policies).forEach((p: any, i: number) => push('identity', `Properties/Policies/${i}/PolicyDocument`, p?.PolicyDocument, { roles: [], users: [{ Ref: logicalId }], groups: [] }));
        break;
      case 'AWS::IAM::Group':
        asArray(props.Policies).forEach((p: any, i: number) => push('identity', `Properties/Policies/${i}/PolicyDocument`, p?.PolicyDocument, { roles: [], users: [], groups: [{ Ref: logicalId }] }));
        break;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        push('identity', 'Properties/PolicyDocument', props.PolicyDocument, { roles: asArray(props.Roles), users: asArray(props.Users), groups: asArray(props.Groups) });
        break;
      case 'AWS::Events::EventBusPolicy':
        if (props.Statement) push('resource', 'Properties/Statement', { Statement: props.Statement });
        break;
      default: {
        const prop = RESOURCE_POLICIES[r.Type];
        if (prop && props[prop] !== undefined) push('resource', `Properties/${prop}`, props[prop]);
      }
    }
  }
  cache.set(t, out);
  return out;
}

function parseDocument(doc: unknown, ev: Evaluator | undefined): unknown {
  if (doc === undefined || doc === null) return undefined;
  if (typeof doc === 'string' || (typeof doc === 'object' && !('Statement' in (doc as object)))) {
    // a JSON string, or an intrinsic building one
    const text = typeof doc === 'string' ? doc : ev?.evaluate(doc) ?? HOLE;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  return doc;
}

function statementsOf(doc: unknown, location: string): Statement[] {
  const raw = (doc as { Statement?: unknown })?.Statement;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.filter((s) => s && typeof s === 'object').map((s: any, i: number) => ({
    location: Array.isArray(raw) ? `${location}/Statement/${i}` : `${location}/Statement`,
    sid: typeof s.Sid === 'string' ? s.Sid : undefined,
    effect: s.Effect === 'Deny' ? 'Deny' : 'Allow',
    actions: asArray(s.Action),
    notActions: asArray(s.NotAction),
    resources: asArray(s.Resource),
    notResources: asArray(s.NotResource),
    hasResource: s.Resource !== undefined,
    principal: s.Principal,
    condition: s.Condition && typeof s.Condition === 'object' ? s.Condition : undefined,
  }));
}

/** The values of one principal type of a statement (`AWS`, `Service`, ...); `'*'` for `Principal: "*"`. */
export function principalValues(statement: Statement, type: 'AWS' | 'Service' | 'Federated'): unknown[] {
  const p = statement.principal;
  if (p === '*') return ['*'];
  if (!p || typeof p !== 'object') return [];
  return asArray((p as Record<string, unknown>)[type]);
}

/** The values of a condition key in a statement, whatever the operator (`ArnLike`, `StringEquals`, ...), with the operator. */
export function conditionValues(statement: Statement, key: string): Array<{ readonly operator: string; readonly values: unknown[] }> {
  const out: Array<{ operator: string; values: unknown[] }> = [];
  for (const [operator, block] of Object.entries(statement.condition ?? {})) {
    for (const [k, v] of Object.entries(block ?? {})) {
      if (k.toLowerCase() === key.toLowerCase()) out.push({ operator, values: asArray(v) });
    }
  }
  return out;
}

/** The role, user or group of the template an `attachedTo` value names (by Ref), if any. */
export function attachedLogicalId(value: unknown): string | undefined {
  const ref = directReference(value);
  return ref && ref.attribute === undefined ? ref.logicalId : undefined;
}

/** What a principal ARN names: `arn:<partition>:iam::<account>:role/<path/name>` or `user/...`. */
export interface NamedPrincipal {
  readonly kind: 'role' | 'user';
  readonly account: string;
  /** The name with its path, e.g. `service-role/foo` or `foo`. */
  readonly pathAndName: string;
}

/** Parses a role or user ARN (literal, or built from pseudo parameters); undefined for anything else. */
export function parseNamedPrincipal(arn: string): NamedPrincipal | undefined {
  const m = /^arn:[^:]+:iam::([^:]+):(role|user)\/(.+)$/.exec(arn);
  if (!m || /[*?\uE000]/.test(m[3])) return undefined;
  return { kind: m[2] as 'role' | 'user', account: m[1], pathAndName: m[3] };
}

/** Whether a principal value is an account: `arn:<partition>:iam::<account>:root` or a bare account id. */
export function accountPrincipal(value: string): string | undefined {
  const m = /^arn:[^:]+:iam::([^:]+):root$/.exec(value);
  if (m) return m[1];
  return /^\d{12}$/.test(value) ? value : undefined;
}
