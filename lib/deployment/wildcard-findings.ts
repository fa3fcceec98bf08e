import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * The `AwsSolutions::AwsSolutions-IAM5[...]` finding ids (qualified, as `waive` needs ids containing `::`) cdk-nag reports for the wildcards of a policy: an
 * acknowledgement must name each finding exactly. Mirrors how cdk-nag flattens CloudFormation
 * references (`<Logical.Attr>`, `<AWS::Partition>`, joins, JSON for the rest).
 */
export function wildcardFindings(policy: iam.ManagedPolicy): string[] {
  const document = Stack.of(policy).resolve(policy.document) ?? {};
  const findings = new Set<string>();
  for (const statement of document.Statement ?? []) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asArray(statement.Action)) {
      if (typeof action === 'string' && action.includes('*')) findings.add(`AwsSolutions::AwsSolutions-IAM5[Action::${action}]`);
    }
    for (const resource of asArray(statement.Resource)) {
      const flat = flatten(resource);
      if (flat.includes('*')) findings.add(`AwsSolutions::AwsSolutions-IAM5[Resource::${flat}]`);
    }
  }
  return [...findings];
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function flatten(node: any): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\${/g, '<').replace(/}/g, '>');
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'];
    return items.map(flatten).join(delimiter);
  }
  if (node['Fn::Sub']) return flatten(node['Fn::Sub']);
  if (node['Fn::GetAtt']) {
    const [resource, attribute] = node['Fn::GetAtt'];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (node['Fn::ImportValue']) return flatten(node['Fn::ImportValue']);
  if (node.Ref) return `<${flatten(node.Ref)}>`;
  return JSON.stringify(node);
}
