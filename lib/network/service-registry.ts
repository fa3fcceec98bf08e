import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { ServiceUsageDeclaration } from './service-usage';

const REGISTRY = Symbol.for('cdk-sagemaker-mlops.network.service-usage');

export function registry(scope: IConstruct): ServiceUsageDeclaration[] {
  const root = scope.node.root as unknown as { [REGISTRY]?: ServiceUsageDeclaration[] };
  root[REGISTRY] ??= [];
  return root[REGISTRY]!;
}

/** The `@aws-sdk/*` packages a JavaScript or TypeScript source imports or requires. */
export function sdkPackagesOf(source: string): string[] {
  const packages = new Set<string>();
  const patterns = [/\bfrom\s+['"](@aws-sdk\/[a-z0-9-]+)['"]/g, /\brequire\(\s*['"](@aws-sdk\/[a-z0-9-]+)['"]\s*\)/g, /\bimport\(\s*['"](@aws-sdk\/[a-z0-9-]+)['"]\s*\)/g];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) packages.add(match[1]);
  }
  return [...packages].sort();
}

/** Declarations that belong to an environment: stacks with the same account and region, and the stacks served. */
export function declarationsFor(scope: IConstruct, environment: Stack, served: Stack[]): ServiceUsageDeclaration[] {
  return registry(scope).filter((d) => {
    const stack = Stack.of(d.scope);
    if (served.includes(stack)) return true;
    return stack.account === environment.account && stack.region === environment.region && !isServedElsewhere(stack);
  });
}

const SERVED = Symbol.for('cdk-sagemaker-mlops.network.served');

/** Marks a stack (a deployment template) as served by a network of the environment it is deployed to. */
export function markServed(stack: Stack): void {
  (stack as unknown as { [SERVED]?: boolean })[SERVED] = true;
}

function isServedElsewhere(stack: Stack): boolean {
  return (stack as unknown as { [SERVED]?: boolean })[SERVED] === true;
}
