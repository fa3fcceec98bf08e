import { globsIntersect, hasHole } from './glob';
import { IamCatalogue } from './iam-catalogue';
import { Deployment, DeploymentModel, ModelTemplate } from './model';
import { attachedLogicalId, policySources, Statement } from './policies';
import { RESOURCE_TYPES } from './resource-types';
import { asArray, directReference, referencedIds } from './values';

/** A role or user with an explicit name, created by one deployment of a template. */
export interface Creation {
  readonly template: ModelTemplate;
  readonly deployment: Deployment;
  readonly logicalId: string;
  readonly kind: 'role' | 'user';
  /** The account, or the deployment's account marker when unknown. */
  readonly account: string;
  readonly pathAndName: string;
}

const creationCache = new WeakMap<DeploymentModel, Creation[]>();

/** Every role and user with an explicit name the model's templates create, per deployment. */
export function creations(model: DeploymentModel): Creation[] {
  const cached = creationCache.get(model);
  if (cached) return cached;
  const out: Creation[] = [];
  for (const t of model.templates) {
    for (const d of t.deployments) {
      const ev = t.evaluator(d, 'identity');
      for (const [logicalId, r] of Object.entries(t.resources)) {
        const kind = r.Type === 'AWS::IAM::Role' ? 'role' : r.Type === 'AWS::IAM::User' ? 'user' : undefined;
        if (!kind) continue;
        const nameProp = kind === 'role' ? 'RoleName' : 'UserName';
        if (r.Properties?.[nameProp] === undefined) continue;
        const name = ev.evaluate(r.Properties[nameProp]);
        if (hasHole(name)) continue;
        const p = r.Properties?.Path === undefined ? '/' : ev.evaluate(r.Properties.Path);
        const pathPart = p.replace(/^\//, '');
        out.push({ template: t, deployment: d, logicalId, kind, account: ev.evaluate({ Ref: 'AWS::AccountId' }), pathAndName: `${pathPart}${pathPart && !pathPart.endsWith('/') ? '/' : ''}${name}` });
      }
    }
  }
  creationCache.set(model, out);
  return out;
}

/** Whether two accounts (literal, or markers of one deployment) are the same. */
export function sameAccount(a: string, b: string): boolean {
  return a === b;
}

/** Whether `from` reaches `to` through the template's references (Ref, GetAtt, Sub) and DependsOn. */
export function dependsOn(t: ModelTemplate, from: string, to: string): boolean {
  const seen = new Set<string>([from]);
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const r = t.resources[id];
    if (!r) continue;
    const next = referencedIds(r.Properties);
    for (const d of asArray(r.DependsOn)) next.add(d);
    for (const n of next) {
      if (n === to) return true;
      if (!seen.has(n) && t.resources[n]) {
        seen.add(n);
        queue.push(n);
      }
    }
  }
  return false;
}

/** The identity statements of a role of a template, and whether some of its permissions cannot be seen. */
export interface RolePermissions {
  readonly statements: Statement[];
  /** True when the role holds policies the check cannot read (AWS managed, imported). */
  readonly opaque: boolean;
}

/**
 * The identity statements attached to a role: its inline policies, the template's policies whose
 * `Roles` name it by Ref, and policies anywhere in the model that attach it by name in the same
 * account.
 */
export function rolePermissions(model: DeploymentModel, t: ModelTemplate, d: Deployment, roleId: string): RolePermissions {
  const role = t.resources[roleId];
  const statements: Statement[] = [];
  let opaque = false;
  const localPolicies = new Set<string>();
  for (const source of policySources(t)) {
    if (source.kind !== 'identity') continue;
    if (source.attachedTo.roles.some((r) => attachedLogicalId(r) === roleId)) {
      statements.push(...source.statements);
      localPolicies.add(source.logicalId);
    }
  }
  for (const arn of asArray(role?.Properties?.ManagedPolicyArns)) {
    const ref = directReference(arn);
    if (ref && t.resources[ref.logicalId]?.Type === 'AWS::IAM::ManagedPolicy') {
      if (!localPolicies.has(ref.logicalId)) {
        const source = policySources(t).find((s) => s.logicalId === ref.logicalId);
        if (source) statements.push(...source.statements);
      }
    } else {
      opaque = true;
    }
  }
  // policies of other templates (or the same) that attach the role by its name
  const info = RESOURCE_TYPES['AWS::IAM::Role'];
  const roleName = role?.Properties?.[info.nameProperty!] !== undefined ? t.evaluator(d, 'identity').evaluate(role.Properties![info.nameProperty!]) : undefined;
  if (roleName && !hasHole(roleName)) {
    const account = t.evaluator(d, 'identity').evaluate({ Ref: 'AWS::AccountId' });
    for (const other of model.templates) {
      for (const od of other.deployments) {
        const oev = other.evaluator(od, 'identity');
        if (!sameAccount(oev.evaluate({ Ref: 'AWS::AccountId' }), account)) continue;
        for (const source of policySources(other)) {
          if (source.kind !== 'identity') continue;
          if (source.attachedTo.roles.some((r) => typeof r === 'string' || !attachedLogicalId(r) ? oev.evaluate(r) === roleName : false)) {
            statements.push(...source.statements);
          }
        }
      }
    }
  }
  return { statements, opaque };
}

/**
 * Whether identity statements allow an action on a resource ARN (a pattern with holes). A
 * condition is taken as met (the check cannot evaluate it); Deny statements are not applied.
 */
export function identityAllows(statements: Statement[], evaluate: (v: unknown) => string, action: string, resourceArn: string, resourceIds: string[] = []): boolean {
  for (const s of statements) {
    if (s.effect !== 'Allow' || s.notActions.length > 0 || s.notResources.length > 0) continue;
    if (!s.actions.some((a) => actionMatches(evaluate(a), action))) continue;
    for (const r of s.resources) {
      const ref = directReference(r);
      if (ref && resourceIds.includes(ref.logicalId)) return true;
      if (globsIntersect(evaluate(r), resourceArn)) return true;
    }
  }
  return false;
}

/** Whether an action pattern of a policy (`kms:GenerateDataKey*`, `kms:*`, `*`) covers an action, case insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === '*') return true;
  return globsIntersect(pattern, action, { wildcardsB: false, ignoreCase: true });
}

/** The catalogue, for rules that expand actions. */
export function catalogue(): IamCatalogue {
  return IamCatalogue.get();
}
