import { hasHole } from '../glob';
import { creations, dependsOn, sameAccount } from '../identities';
import { parseNamedPrincipal, policySources, principalValues } from '../policies';
import { describeResource, Rule, RuleContext } from '../rule';
import { directReference } from '../values';

/** What each service answers when a policy names a principal that does not exist. */
function answer(type: string): string {
  switch (type) {
    case 'AWS::KMS::Key':
      // KMS API Reference, CreateKey/PutKeyPolicy `Policy`: "The principals in the key policy must exist and be visible to KMS."
      return 'KMS answers MalformedPolicyDocumentException ("Policy contains a statement with one or more invalid principals")';
    case 'AWS::S3::BucketPolicy':
      // https://repost.aws/knowledge-center/s3-invalid-principal-in-policy-error
      return 'S3 answers MalformedPolicy ("Invalid principal in policy")';
    case 'AWS::IAM::Role':
      return 'IAM answers MalformedPolicyDocument ("Invalid principal in policy")';
    default:
      return 'the service rejects the policy (principals of a resource policy must exist when it is set)';
  }
}

/**
 * A role or user named by ARN as a principal in a resource or trust policy must exist when the
 * policy is deployed: AWS resolves the ARN to the principal's unique id when the policy is saved
 * (IAM User Guide, "AWS JSON policy elements: Principal"), so a principal created later makes the
 * deployment fail. Created before means: in the same template with a dependency from the
 * policy's resource to it, or in a template deployed before (a dependency of the stack; the
 * app's stacks before any promotion template; the portfolio's stack before its product). A
 * principal the app creates nowhere is taken to be the user's and assumed to exist. A principal
 * built from a parameter or import, or compared across unknown accounts, is not judged.
 */
export const principalExists: Rule = {
  id: 'Deployability-PrincipalExists',
  summary: 'a role or user named as a principal exists when its policy is deployed',
  documentationUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html',
  check(ctx: RuleContext) {
    const created = creations(ctx.model);
    for (const t of ctx.model.templates) {
      for (const source of policySources(t)) {
        if (source.kind === 'identity') continue;
        ctx.coverage.see(t, source.logicalId);
        for (const d of t.deployments) {
          const ev = t.evaluator(d, 'identity');
          for (const statement of source.statements) {
            principalValues(statement, 'AWS').forEach((value, j, all) => {
              const ref = directReference(value);
              if (ref && t.resources[ref.logicalId]) return; // CloudFormation creates a referenced resource first
              const arn = ev.evaluate(value);
              if (hasHole(arn)) return;
              const named = parseNamedPrincipal(arn);
              if (!named) return;
              const creators = created.filter((c) => c.kind === named.kind && c.pathAndName === named.pathAndName && sameAccount(c.account, named.account));
              if (creators.length === 0) return;
              const ok = creators.some((c) => (c.template === t && c.deployment === d ? dependsOn(t, source.logicalId, c.logicalId) : t.before.has(c.template)));
              if (ok) return;
              const c = creators[0];
              const when = c.template === t
                ? `it is created by ${c.logicalId} of the same template, but nothing makes ${source.logicalId} depend on it, so CloudFormation may create ${source.logicalId} first`
                : `it is created by ${c.logicalId} of ${c.template.describe(c.deployment)}, which is not deployed before ${t.describe(d)}${c.template.kind !== 'stack' ? ' (a promotion or product template is deployed only after the app)' : ''}`;
              ctx.report({
                template: t,
                logicalId: source.logicalId,
                location: `${statement.location}/Principal/AWS${all.length > 1 || Array.isArray((statement.principal as any)?.AWS) ? `/${j}` : ''}`,
                message: `${describeResource(t, source.logicalId)} names ${arn.replace(/\uE001[^\uE001]*\uE001/g, '<its account>')} as a principal of its ${source.kind === 'trust' ? 'trust' : 'resource'} policy, but ${when}: ${answer(source.type)}`,
                fix: `name the account instead (Principal AWS arn:\${AWS::Partition}:iam::${named.account.startsWith('\uE001') ? '<account>' : named.account}:root with an ArnEquals aws:PrincipalArn condition on the ${named.kind} ARN), or deploy the template that creates the ${named.kind} before this one`,
              });
            });
          }
        }
      }
    }
  },
};
