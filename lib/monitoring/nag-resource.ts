import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { waive } from '../private/compliance';

/**
 * How cdk-nag spells a policy resource in its finding ids: `Ref` as `<Id>`, `Fn::GetAtt` as
 * `<Id.Attr>`, `Fn::Join` concatenated. A waiver for one wildcard resource must name it exactly,
 * so that any other wildcard still fails the compliance gate.
 */
export function nagResourceName(scope: IConstruct, value: string): string {
  return render(Stack.of(scope).resolve(value));
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Ref' in o) return `<${o.Ref}>`;
    if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
  }
  return JSON.stringify(value);
}

/** Waives AwsSolutions-IAM5 for exactly these wildcard resources of `scope`'s policies. */
export function waiveWildcardResources(scope: IConstruct, resources: string[], reason: string): void {
  if (resources.length === 0) return;
  waive(scope, {
    rules: resources.map((r) => `AwsSolutions::AwsSolutions-IAM5[Resource::${nagResourceName(scope, r)}]`),
    reason,
  });
}
