import { globsIntersect, hasHole, show } from '../glob';
import { actionMatches, creations, identityAllows, rolePermissions } from '../identities';
import { Deployment, ModelTemplate } from '../model';
import { accountPrincipal, conditionValues, parseNamedPrincipal, policySources, principalValues } from '../policies';
import { Rule, RuleContext } from '../rule';
import { asArray, directReference } from '../values';

interface Assumer {
  /** The assuming role's logical id, when in the same template as the trust policy. */
  readonly ref?: string;
  /** Its ARN as a pattern (HOLE where unknown). */
  readonly arn: string;
  /** Its account as a pattern. */
  readonly account: string;
}

/**
 * How a role's trust policy admits a principal: by its ARN (enough within an account), through
 * its account (the assumer's identity policy must then allow sts:AssumeRole), or not at all.
 */
function trustAdmits(t: ModelTemplate, d: Deployment, roleId: string, who: Assumer): 'arn' | 'account' | 'no' {
  const ev = t.evaluator(d, 'pattern');
  let best: 'arn' | 'account' | 'no' = 'no';
  for (const source of policySources(t)) {
    if (source.logicalId !== roleId || source.kind !== 'trust') continue;
    for (const s of source.statements) {
      if (s.effect !== 'Allow' || !s.actions.some((a) => actionMatches(ev.evaluate(a), 'sts:AssumeRole'))) continue;
      for (const v of principalValues(s, 'AWS')) {
        if (who.ref && directReference(v)?.logicalId === who.ref) return 'arn';
        const value = ev.evaluate(v);
        if (value === '*') return 'arn';
        const account = accountPrincipal(value);
        if (account !== undefined) {
          if (!globsIntersect(account, who.account)) continue;
          const principalArn = conditionValues(s, 'aws:PrincipalArn');
          if (principalArn.length === 0 || principalArn.some((c) => c.values.some((x) => globsIntersect(ev.evaluate(x), who.arn)))) best = 'account';
        } else if (parseNamedPrincipal(value) && globsIntersect(value, who.arn)) {
          return 'arn';
        }
      }
    }
  }
  return best;
}

function trustedPrincipals(t: ModelTemplate, d: Deployment, roleId: string): string {
  const ev = t.evaluator(d, 'pattern');
  const out: string[] = [];
  for (const source of policySources(t)) {
    if (source.logicalId !== roleId || source.kind !== 'trust') continue;
    for (const s of source.statements) {
      for (const type of ['AWS', 'Service', 'Federated'] as const) {
        for (const v of principalValues(s, type)) out.push(show(ev.evaluate(v)));
      }
    }
  }
  return out.length > 0 ? out.join(', ') : 'nobody';
}

/**
 * Every CodePipeline action `RoleArn` must be assumable by the pipeline role: CodePipeline assumes
 * an action's role with the pipeline role's credentials (CodePipeline API Reference,
 * ActionDeclaration `roleArn`: "This is assumed through the roleArn for the pipeline"). A role does
 * not trust itself unless its trust policy says so (IAM, "Announcing an update to IAM role trust
 * policy behavior"), so the pipeline role as an action role needs a trust policy admitting itself.
 * A role of the same template must trust the pipeline role (or its account, with the pipeline
 * role allowed sts:AssumeRole on it); a role of another account, found by name in the model, must
 * trust the pipeline role's ARN or account (with aws:PrincipalArn), and the pipeline role's
 * policies must allow sts:AssumeRole on it. Roles the app does not create are only checked for
 * the pipeline role's permission; roles whose ARN is not known at synth are not judged.
 */
export const pipelineActionRoleAssumable: Rule = {
  id: 'Deployability-PipelineActionRoleAssumable',
  summary: 'every CodePipeline action role can be assumed by the pipeline role',
  documentationUrl: 'https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html',
  check(ctx: RuleContext) {
    const created = creations(ctx.model);
    for (const t of ctx.model.templates) {
      for (const [pipelineId, r] of Object.entries(t.resources)) {
        if (r.Type !== 'AWS::CodePipeline::Pipeline') continue;
        ctx.coverage.see(t, pipelineId);
        const stages = asArray(r.Properties?.Stages) as any[];
        const pipelineRoleRef = directReference(r.Properties?.RoleArn);
        const pipelineRole = pipelineRoleRef && t.resources[pipelineRoleRef.logicalId]?.Type === 'AWS::IAM::Role' ? pipelineRoleRef.logicalId : undefined;
        for (const d of t.deployments) {
          const ev = t.evaluator(d, 'pattern');
          const identity = t.evaluator(d, 'identity');
          const assumer: Assumer = { ref: pipelineRole, arn: ev.evaluate(r.Properties?.RoleArn), account: ev.evaluate({ Ref: 'AWS::AccountId' }) };
          const permissions = pipelineRole ? rolePermissions(ctx.model, t, d, pipelineRole) : undefined;
          const mayAssume = (arnPattern: string, ids: string[]) => !permissions || permissions.opaque
            || identityAllows(permissions.statements, (v) => ev.evaluate(v), 'sts:AssumeRole', arnPattern, ids);
          stages.forEach((stage, s) => {
            asArray(stage?.Actions).forEach((action: any, a: number) => {
              if (action?.RoleArn === undefined) return;
              const where = `action ${stage?.Name ?? s}/${action?.Name ?? a} of pipeline ${pipelineId} (${t.describe(d)})`;
              const report = (message: string, fix: string) => ctx.report({ template: t, logicalId: pipelineId, location: `Properties/Stages/${s}/Actions/${a}/RoleArn`, message, fix });
              const ref = directReference(action.RoleArn);
              const local = ref && t.resources[ref.logicalId]?.Type === 'AWS::IAM::Role' ? ref.logicalId : undefined;
              if (local && local === pipelineRole) {
                const admits = trustAdmits(t, d, local, { ref: local, arn: ev.arnOf(local), account: assumer.account });
                if (admits === 'arn' || (admits === 'account' && mayAssume(ev.arnOf(local), [local]))) return;
                report(
                  `${where} names the pipeline's own role ${local} as its RoleArn, but ${local} trusts only ${trustedPrincipals(t, d, local)}: CodePipeline assumes an action's role with the pipeline role's credentials, and a role does not trust itself unless its trust policy says so, so the action fails`,
                  'leave the action\'s RoleArn out so CodePipeline runs it with the pipeline role (aws-cdk: usePipelineRoleForActions: true), or give the action a role of its own that trusts the pipeline role',
                );
                return;
              }
              if (local) {
                const admits = trustAdmits(t, d, local, assumer);
                if (admits === 'arn' || (admits === 'account' && mayAssume(ev.arnOf(local), [local]))) return;
                report(
                  admits === 'no'
                    ? `${where} runs as ${local}, which trusts only ${trustedPrincipals(t, d, local)}, not the pipeline role ${show(assumer.arn)}: CodePipeline cannot assume it`
                    : `${where} runs as ${local}, which trusts the pipeline's account, but the pipeline role's policies do not allow sts:AssumeRole on it: CodePipeline cannot assume it`,
                  `let ${local} trust the pipeline role (assumedBy: pipeline.role) and allow the pipeline role sts:AssumeRole on it`,
                );
                return;
              }
              const arn = ev.evaluate(action.RoleArn);
              const named = parseNamedPrincipal(identity.evaluate(action.RoleArn));
              if (hasHole(arn) || !named || named.kind !== 'role') return;
              const creator = created.find((c) => c.kind === 'role' && c.pathAndName === named.pathAndName && c.account === named.account && !(c.template === t && c.deployment === d));
              if (creator) {
                const admits = trustAdmits(creator.template, creator.deployment, creator.logicalId, { arn: assumer.arn, account: assumer.account });
                if (admits === 'no') {
                  report(
                    `${where} runs as ${show(arn)}, created by ${creator.logicalId} of ${creator.template.describe(creator.deployment)}, which trusts only ${trustedPrincipals(creator.template, creator.deployment, creator.logicalId)}, not the pipeline role ${show(assumer.arn)}: CodePipeline cannot assume it`,
                    `let ${creator.logicalId} trust the pipeline role's ARN, or its account with an ArnEquals aws:PrincipalArn condition on the pipeline role`,
                  );
                  return;
                }
              }
              if (!mayAssume(arn, [])) {
                report(
                  `${where} runs as ${show(arn)}, but the pipeline role ${pipelineRole ?? show(assumer.arn)} is not allowed sts:AssumeRole on it: CodePipeline cannot assume it`,
                  `allow the pipeline role sts:AssumeRole on ${show(arn)}`,
                );
              }
            });
          });
        }
      }
    }
  },
};
