import { readFileSync } from 'fs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { requireTool } from '../harness/required-tool';

/**
 * IAM's catalogue of actions as cfn-lint ships it (`cfnlint/data/AdditionalSpecs/Policies.json`,
 * every service's actions and their resource types), to check that each action our policies
 * name exists.
 */
let catalogue: Record<string, { Actions: Record<string, unknown> }> | undefined;

function load(): Record<string, { Actions: Record<string, unknown> }> {
  if (!catalogue) {
    const where = requireTool('python3', ['-c', 'import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec("cfnlint").origin), "data", "AdditionalSpecs", "Policies.json"))']);
    catalogue = JSON.parse(readFileSync(where.trim(), 'utf8'));
  }
  return catalogue!;
}

/** Actions of the statements of every IAM policy of `stack`. */
export function policyActions(stack: Stack): string[] {
  const template = Template.fromStack(stack).toJSON();
  const actions = new Set<string>();
  for (const resource of Object.values(template.Resources ?? {}) as Array<{ Type: string; Properties?: { PolicyDocument?: { Statement?: Array<{ Action?: string | string[] }> } } }>) {
    if (resource.Type !== 'AWS::IAM::ManagedPolicy' && resource.Type !== 'AWS::IAM::Policy') continue;
    for (const statement of resource.Properties?.PolicyDocument?.Statement ?? []) {
      for (const action of ([] as string[]).concat(statement.Action ?? [])) actions.add(action);
    }
  }
  return [...actions].sort();
}

/** The actions of `actions` that IAM does not know (wildcard patterns are checked as patterns). */
export function unknownActions(actions: string[]): string[] {
  const services = load();
  return actions.filter((action) => {
    const [prefix, name] = action.split(':');
    const known = Object.keys(services[prefix]?.Actions ?? {});
    const pattern = new RegExp(`^${name.toLowerCase().replace(/\*/g, '.*')}$`);
    return !known.some((k) => pattern.test(k));
  });
}
