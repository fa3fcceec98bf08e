import { literalPrefix, show } from '../glob';
import { Deployment, ModelTemplate } from '../model';
import { policySources } from '../policies';
import { RESOURCE_TYPES } from '../resource-types';
import { describeResource, Rule, RuleContext, some } from '../rule';

interface StackOfModel {
  readonly name: string;
  readonly template: ModelTemplate;
  readonly deployment: Deployment;
  /** resource type -> logical ids of its instances without a name property */
  readonly unnamed: Map<string, string[]>;
}

/**
 * No policy resource pattern may rely on a physical name CloudFormation generates. For a resource
 * without its name property CloudFormation builds `<stack name>-<logical id>-<random>` (CloudFormation
 * User Guide, "Name type") and shortens the stack name and logical id parts when the name would be
 * too long for the resource type (an S3 bucket name has at most 63 characters: for the stack
 * `mlops-house-prices-staging` the data-capture bucket becomes `mlops-house-prices-stagin-endpointdatacapture…`;
 * the same shortening is reported in https://github.com/dancrumb/generator-serverless-policy/issues/1).
 * A pattern whose name part starts with `<stack name>-` of a stack of the model (an app stack, or
 * a promotion action's StackName), for a resource type of which that stack's template has
 * unnamed instances, is a finding. Stack names not known at synth are not judged.
 */
export const noGeneratedNamePatterns: Rule = {
  id: 'Deployability-NoGeneratedNamePatterns',
  summary: 'no policy resource pattern relies on a physical name that CloudFormation generates',
  documentationUrl: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html',
  check(ctx: RuleContext) {
    const stacks: StackOfModel[] = [];
    for (const t of ctx.model.templates) {
      const unnamed = new Map<string, string[]>();
      for (const [id, r] of Object.entries(t.resources)) {
        const info = RESOURCE_TYPES[r.Type];
        if (!info?.generatedFromStackName || !info.nameProperty || r.Properties?.[info.nameProperty] !== undefined) continue;
        unnamed.set(r.Type, [...(unnamed.get(r.Type) ?? []), id]);
      }
      if (unnamed.size === 0) continue;
      for (const d of t.deployments) {
        if (d.stackName) stacks.push({ name: d.stackName, template: t, deployment: d, unnamed });
      }
    }
    const reported = new Set<string>();
    for (const t of ctx.model.templates) {
      for (const source of policySources(t)) {
        if (source.kind === 'trust') continue;
        ctx.coverage.see(t, source.logicalId);
        for (const d of t.deployments) {
          const ev = t.evaluator(d, 'pattern');
          for (const statement of source.statements) {
            statement.resources.forEach((value, j) => {
              const pattern = ev.evaluate(value);
              if (!/[*?]/.test(pattern)) return;
              const parts = pattern.split(':');
              if (parts.length < 6 || parts[0] !== 'arn' || /[*?\uE000]/.test(parts[2])) return;
              const service = parts[2];
              const account = parts[4];
              const resource = parts.slice(5).join(':');
              for (const [type, info] of Object.entries(RESOURCE_TYPES)) {
                if (info.arnService !== service || !info.namePart) continue;
                const namePart = info.namePart(resource);
                if (namePart === undefined) continue;
                const prefix = literalPrefix(namePart);
                for (const s of stacks) {
                  const ids = s.unnamed.get(type);
                  if (!ids) continue;
                  // ARNs match case-sensitively; S3 writes the generated bucket names in lower case
                  const name = type === 'AWS::S3::Bucket' ? s.name.toLowerCase() : s.name;
                  if (!prefix.startsWith(name) || (prefix.length > name.length && prefix[name.length] !== '-')) continue;
                  if (/^\d{12}$/.test(account) && s.deployment.env.account && s.deployment.env.account !== account) continue;
                  const key = `${t.templatePath}#${source.logicalId}#${statement.location}#${j}#${s.name}#${type}`;
                  if (reported.has(key)) continue;
                  reported.add(key);
                  ctx.report({
                    template: t,
                    logicalId: source.logicalId,
                    location: `${statement.location}/Resource${statement.resources.length > 1 || Array.isArray(value) ? `/${j}` : ''}`,
                    message: `${describeResource(t, source.logicalId)} allows ${show(pattern)} for the ${type} resources of stack ${s.name}, whose template (${s.template.describe(s.deployment)}) creates ${some(ids)} without ${info.nameProperty}: CloudFormation names them ${s.name}-<logical id>-<random> and shortens the stack name part when the name is too long, so the permission does not reliably cover them`,
                    fix: `give those resources explicit names (${info.nameProperty}) that the pattern covers, or scope the permission by something that does not depend on generated names (a tag condition, or the exact ARNs)`,
                  });
                }
              }
            });
          }
        }
      }
    }
  },
};
