import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import * as path from 'path';
import { ServiceEndpoint, ServiceUsage } from '../../lib/network';
import { sdkPackagesOf } from '../../lib/network/service-registry';

/*
 * The endpoints a handler needs in a VPC come from what it calls. This reads every handler under
 * lambda/<name>/ (index.ts and every local module it imports, shared/ included) and checks the
 * `@aws-sdk/*` packages it imports against `ServiceUsage.ofHandler`: a handler that starts calling
 * a new service fails here until its endpoint is recorded, and so gets one in the platform's VPCs.
 */
const LAMBDA_ROOT = path.join(__dirname, '..', '..', 'lambda');

/** Services recorded ahead of the code that calls them (the approval handler's idempotency table). */
const RECORDED_AHEAD: { [handler: string]: string[] } = {};

function handlers(): string[] {
  return readdirSync(LAMBDA_ROOT).filter((d) => d !== 'shared' && statSync(path.join(LAMBDA_ROOT, d)).isDirectory()).sort();
}

/** The source files a handler's index reaches through relative imports. */
function reachableSources(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const base = path.resolve(path.dirname(file), m[1]);
      const candidates = [base, `${base}.ts`, path.join(base, 'index.ts')].filter((c) => existsSync(c) && statSync(c).isFile());
      if (candidates.length === 0) throw new Error(`${file} imports ${m[1]}, which is not a file here`);
      visit(candidates[0]);
    }
  };
  visit(entry);
  return [...seen];
}

function packagesOf(handler: string): string[] {
  const files = reachableSources(path.join(LAMBDA_ROOT, handler, 'index.ts'));
  return [...new Set(files.flatMap((f) => sdkPackagesOf(readFileSync(f, 'utf8'))))].sort();
}

describe('the services each handler calls', () => {
  test('there are handlers to read, and each imports an AWS SDK client', () => {
    expect(handlers().length).toBeGreaterThanOrEqual(4);
    for (const handler of handlers()) expect(packagesOf(handler)).not.toEqual([]);
  });

  test.each(handlers())('%s: every AWS SDK package it imports maps to a VPC endpoint', (handler) => {
    // GIVEN
    const packages = packagesOf(handler);

    // WHEN
    const unknown = packages.filter((p) => ServiceUsage.ofSdkPackage(p) === undefined);

    // THEN
    expect(unknown).toEqual([]);
  });

  test.each(handlers())('%s: its recorded services are exactly those its sources call', (handler) => {
    // GIVEN
    const called = packagesOf(handler).map((p) => ServiceUsage.ofSdkPackage(p)!.serviceName);

    // WHEN
    const recorded = ServiceUsage.ofHandler(handler).map((s) => s.serviceName);

    // THEN
    expect(called.filter((s) => !recorded.includes(s))).toEqual([]);
    expect(recorded.filter((s) => !called.includes(s)).sort()).toEqual((RECORDED_AHEAD[handler] ?? []).sort());
  });

  test('every handler with recorded services exists under lambda/', () => {
    expect(ServiceUsage.handlers().sort()).toEqual(handlers());
  });

  test('the scan reads imports, requires and dynamic imports alike', () => {
    const source = `import { A } from '@aws-sdk/client-ssm';\nconst b = require("@aws-sdk/client-sts");\nconst c = await import('@aws-sdk/client-sns');\nimport x from './local';`;
    expect(sdkPackagesOf(source)).toEqual(['@aws-sdk/client-sns', '@aws-sdk/client-ssm', '@aws-sdk/client-sts']);
  });

  test('fails on a source calling a service whose endpoint is not known, naming the package and where to map it', () => {
    expect(() => ServiceUsage.ofSource("const { Ec2 } = require('@aws-sdk/client-ec2');"))
      .toThrow(/ServiceUsage\.ofSource: no VPC endpoint is known for @aws-sdk\/client-ec2; map each to its service in SDK_PACKAGE_ENDPOINTS \(lib\/network\/service-usage\.ts\)/);
  });

  test('fails on a handler whose services are not recorded', () => {
    expect(() => ServiceUsage.ofHandler('new-handler')).toThrow(/ServiceUsage\.ofHandler: no services are recorded for handler 'new-handler'; add it to HANDLER_SERVICES/);
  });

  test('the inline custom-resource sources of the library call only services with endpoints', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { BASELINES_HANDLER_SOURCE } = require('../../lib/monitoring/model-package-baselines');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SHARE_HANDLER_SOURCE } = require('../../lib/project/portfolio-organization-share');
    expect(ServiceUsage.ofSource(BASELINES_HANDLER_SOURCE)).toEqual([ServiceEndpoint.SAGEMAKER_API]);
    expect(ServiceUsage.ofSource(SHARE_HANDLER_SOURCE)).toEqual([ServiceEndpoint.SERVICE_CATALOG]);
  });
});
