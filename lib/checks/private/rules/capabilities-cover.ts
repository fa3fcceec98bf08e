import { hasHole } from '../glob';
import { IAM_CAPABILITY_TYPES } from '../resource-types';
import { Rule, RuleContext, some } from '../rule';

/** Whether a template uses a macro: a `Transform` section or an `Fn::Transform` anywhere. */
function usesMacro(template: { Transform?: unknown }): boolean {
  if (template.Transform !== undefined) return true;
  return JSON.stringify(template).includes('"Fn::Transform"');
}

/**
 * A CodePipeline CloudFormation deploy action passes `Capabilities` to CreateStack/UpdateStack or
 * CreateChangeSet. CloudFormation's API Reference (CreateStack, `Capabilities`): a template with
 * IAM resources (AWS::IAM::AccessKey, Group, InstanceProfile, ManagedPolicy, Policy, Role, User,
 * UserToGroupAddition) needs CAPABILITY_IAM or CAPABILITY_NAMED_IAM, one with IAM resources with
 * custom names needs CAPABILITY_NAMED_IAM, else CloudFormation answers InsufficientCapabilities;
 * a template with macros created directly (not through a change set) needs CAPABILITY_AUTO_EXPAND.
 * Only deploy actions whose template the model found are checked; a `Capabilities` value not
 * known at synth is not judged.
 */
export const capabilitiesCover: Rule = {
  id: 'Deployability-CapabilitiesCover',
  summary: 'a CloudFormation deploy action\'s Capabilities cover its template (IAM, named IAM, macros)',
  documentationUrl: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html',
  check(ctx: RuleContext) {
    for (const t of ctx.model.templates) {
      const iam: string[] = [];
      const named: string[] = [];
      for (const [id, r] of Object.entries(t.resources)) {
        if (!(r.Type in IAM_CAPABILITY_TYPES)) continue;
        iam.push(id);
        const nameProp = IAM_CAPABILITY_TYPES[r.Type];
        if (nameProp && r.Properties?.[nameProp] !== undefined) named.push(id);
      }
      const macro = usesMacro(t.template);
      for (const d of t.deployments) {
        const action = d.action;
        if (!action) continue;
        ctx.coverage.see(action.host, action.pipelineLogicalId);
        ctx.coverage.see(t);
        const ev = action.host.evaluator(action.hostDeployment, 'pattern');
        const raw = action.configuration.Capabilities;
        const given = raw === undefined ? [] : ev.evaluate(raw).split(',').map((c) => c.trim()).filter((c) => c.length > 0);
        if (given.some(hasHole)) continue;
        const missing: string[] = [];
        const why: string[] = [];
        if (named.length > 0 && !given.includes('CAPABILITY_NAMED_IAM')) {
          missing.push('CAPABILITY_NAMED_IAM');
          why.push(`IAM resources with explicit names (${some(named)})`);
        } else if (iam.length > 0 && !given.includes('CAPABILITY_IAM') && !given.includes('CAPABILITY_NAMED_IAM')) {
          missing.push('CAPABILITY_IAM');
          why.push(`IAM resources (${some(iam)})`);
        }
        const viaChangeSet = action.actionMode === 'CHANGE_SET_REPLACE';
        if (macro && !viaChangeSet && !given.includes('CAPABILITY_AUTO_EXPAND')) {
          missing.push('CAPABILITY_AUTO_EXPAND');
          why.push('a macro (Transform)');
        }
        if (missing.length === 0) continue;
        ctx.report({
          template: action.host,
          logicalId: action.pipelineLogicalId,
          location: `${action.location}/Configuration/Capabilities`,
          message: `deploy action ${action.stageName}/${action.actionName} of pipeline ${action.pipelineLogicalId} (${action.host.describe()}) deploys ${t.describe(d)}, which has ${why.join(' and ')}, with Capabilities ${given.length > 0 ? given.join(',') : '(none)'}: CloudFormation answers InsufficientCapabilities`,
          fix: `pass ${missing.join(' and ')} in the action's Capabilities (aws-cdk: cfnCapabilities: [CfnCapabilities.${missing.map((m) => (m === 'CAPABILITY_IAM' ? 'ANONYMOUS_IAM' : m.replace('CAPABILITY_', ''))).join(', CfnCapabilities.')}])`,
        });
      }
    }
  },
};
