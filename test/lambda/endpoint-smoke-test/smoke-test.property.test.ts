import '../approval-to-promotion/quiet-env';
import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import * as fc from 'fast-check';
import { createSmokeTestHandler } from '../../../lambda/endpoint-smoke-test/smoke-test-handler';

const RUNS = 10_000;
const resolvedArn = (v: number) => `arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/${v}`;
const PARAMS = {
  roleArn: 'arn:aws:iam::222222222222:role/mlops-churn-smoke-test',
  endpointName: 'churn-staging',
  region: 'eu-west-1',
  payloadParameterName: '/mlops/churn/smoke-test-payload',
  contentType: 'text/csv',
  expectedResponsePattern: '^0?\\.[0-9]+',
};

/** What the staging account looks like when the smoke test runs. */
interface Staging {
  readonly status: string;
  readonly pending: boolean;
  /** The package version each production variant's model serves (0: built from an image). */
  readonly variants: number[];
  readonly body: string;
  readonly throttles: number;
}

function fakes(staging: Staging) {
  let clock = 0;
  const answers: Array<{ kind: 'success' | 'failure'; message?: string }> = [];
  let invoked = 0;
  const throttlesLeft = new Map<string, number>();
  const throttleOr = <T>(op: string, answer: () => T): T => {
    const left = throttlesLeft.get(op) ?? staging.throttles;
    if (left > 0) {
      throttlesLeft.set(op, left - 1);
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    }
    return answer();
  };
  const sagemaker = {
    send: async (c: unknown) => {
      if (c instanceof DescribeEndpointCommand) {
        return throttleOr('endpoint', () => ({ EndpointName: c.input.EndpointName, EndpointStatus: staging.status, EndpointConfigName: 'cfg', PendingDeploymentSummary: staging.pending ? { EndpointConfigName: 'cfg-2' } : undefined }));
      }
      if (c instanceof DescribeEndpointConfigCommand) {
        return throttleOr('config', () => ({ EndpointConfigName: 'cfg', ProductionVariants: staging.variants.map((_, i) => ({ VariantName: `v${i}`, ModelName: `model-${i}` })) }));
      }
      if (c instanceof DescribeModelCommand) {
        return throttleOr('model', () => {
          const version = staging.variants[Number(c.input.ModelName!.split('-')[1])];
          return { ModelName: c.input.ModelName, PrimaryContainer: version > 0 ? { ModelPackageName: resolvedArn(version) } : { Image: 'x' } };
        });
      }
      throw new Error('unexpected');
    },
  } as unknown as SageMakerClient;
  const runtime = {
    send: async (c: unknown) => {
      if (!(c instanceof InvokeEndpointCommand)) throw new Error('unexpected');
      return throttleOr('invoke', () => {
        invoked++;
        return { Body: new TextEncoder().encode(staging.body) };
      });
    },
  } as unknown as SageMakerRuntimeClient;
  const handle = createSmokeTestHandler({
    codepipeline: {
      send: async (c: unknown) => {
        if (c instanceof PutJobSuccessResultCommand) return answers.push({ kind: 'success' });
        if (c instanceof PutJobFailureResultCommand) return answers.push({ kind: 'failure', message: c.input.failureDetails!.message });
        throw new Error('unexpected');
      },
    } as unknown as CodePipelineClient,
    ssm: { send: async (c: unknown) => (c instanceof GetParameterCommand ? { Parameter: { Value: '42,1,0' } } : undefined) } as unknown as SSMClient,
    sts: { send: async (c: unknown) => (c instanceof AssumeRoleCommand ? { Credentials: { AccessKeyId: 'a', SecretAccessKey: 's', SessionToken: 't' } } : undefined) } as unknown as STSClient,
    sagemakerFor: () => sagemaker,
    runtimeFor: () => runtime,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  });
  return { handle, answers, invoked: () => invoked, elapsed: () => clock };
}

const staging = fc.record({
  status: fc.constantFrom('InService', 'InService', 'InService', 'Updating', 'Failed'),
  pending: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  variants: fc.array(fc.oneof({ weight: 5, arbitrary: fc.constant(4) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 6 }) }), { minLength: 0, maxLength: 3 }),
  body: fc.oneof(fc.constantFrom('0.83', '.5', '', '{"error":"bad"}'), fc.string({ maxLength: 8 })),
  throttles: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
});
const params = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ ...PARAMS, modelPackageArn: resolvedArn(4) }) },
  { weight: 1, arbitrary: fc.record({ ...Object.fromEntries(Object.entries(PARAMS).map(([k, v]) => [k, fc.oneof(fc.constant(v), fc.string({ maxLength: 6 }), fc.constant(undefined))])), modelPackageArn: fc.oneof(fc.constant(resolvedArn(4)), fc.constant('#{Resolve.ModelPackageArn}'), fc.constant(undefined)) }) },
);

describe('smoke test handler, property-based', () => {
  test(`over ${RUNS} generated staging states: every job is answered once, in time; it passes only if every production variant serves the resolved package and the answer matches, and never invokes another package`, async () => {
    const seen = { passed: 0, wrongPackage: 0 };
    await fc.assert(fc.asyncProperty(params, staging, fc.uuid(), async (p, s, id) => {
      // GIVEN
      const f = fakes(s);
      const event = { 'CodePipeline.job': { id, data: { actionConfiguration: { configuration: { UserParameters: JSON.stringify(p) } } } } };
      // WHEN
      const outcome = await f.handle(event, { getRemainingTimeInMillis: () => 120_000 - f.elapsed() });
      // THEN
      expect(f.answers).toHaveLength(1);
      expect(f.elapsed()).toBeLessThan(120_000);
      const q = p as Record<string, string | undefined>;
      // An independent reading of what a usable job says.
      const valid = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(q.roleArn ?? '') && /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/.test(q.endpointName ?? '')
        && /^[a-z]{2}(-[a-z]+)+-\d$/.test(q.region ?? '') && (q.payloadParameterName ?? '') !== '' && (q.contentType ?? '') !== ''
        && q.modelPackageArn === resolvedArn(4);
      const serves = s.status === 'InService' && !s.pending && s.variants.length > 0 && s.variants.every((v) => v === 4);
      const pattern = q.expectedResponsePattern;
      const matches = (re: string) => {
        try {
          return new RegExp(re).test(s.body);
        } catch {
          return false;
        }
      };
      const answerOk = s.body.trim() !== '' && (!pattern || matches(pattern));
      const expectPass = valid && serves && answerOk;
      expect(outcome.outcome).toBe(expectPass ? 'passed' : 'failed');
      expect(f.answers[0].kind).toBe(expectPass ? 'success' : 'failure');
      if (valid && s.status === 'InService' && !s.pending && !serves) {
        // Another package (or none): named in the failure, and never invoked.
        seen.wrongPackage++;
        expect(f.invoked()).toBe(0);
        expect(f.answers[0].message).toMatch(new RegExp(`not the resolved model package ${resolvedArn(4)}|has no production variant`));
      }
      if (expectPass) seen.passed++;
    }), { numRuns: RUNS });
    expect(seen.passed).toBeGreaterThan(500);
    expect(seen.wrongPackage).toBeGreaterThan(500);
  });
});
