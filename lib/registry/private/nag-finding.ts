import { Stack } from 'aws-cdk-lib';

/**
 * How cdk-nag names a policy resource in a finding id such as `AwsSolutions-IAM5[Resource::...]`:
 * the resolved value with `Ref` and `Fn::GetAtt` written as `<Name>` and `<Logical.Attr>`.
 */
export function nagResourceId(stack: Stack, value: string): string {
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('Ref' in o) return `<${String(o.Ref)}>`;
      if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
      if ('Fn::Join' in o) {
        const [separator, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map(render).join(separator);
      }
    }
    return JSON.stringify(v);
  };
  return render(stack.resolve(value));
}
