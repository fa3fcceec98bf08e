/**
 * The smoke test's story: read the job, assume the staging account's smoke-test role, check that
 * the staging endpoint serves the package this execution resolved, invoke it with the project's
 * sample payload, answer the job, log one line.
 *
 * Which package the endpoint serves is read from SageMaker, field by field (botocore sagemaker
 * 2017-07-24): DescribeEndpoint gives `EndpointStatus`, `EndpointConfigName` and, while an update
 * is under way, `PendingDeploymentSummary`; DescribeEndpointConfig gives the `ProductionVariants`
 * and each one's `ModelName`; DescribeModel gives `PrimaryContainer` or `Containers`, whose
 * `ModelPackageName` names the package. An endpoint serving anything else fails the job naming
 * both packages: a newer execution may have redeployed staging while this one waited.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import * as v from 'valibot';
import { describeIssues, JobAnswer, parseCodePipelineJob } from '../shared/codepipeline-job';
import { countMalformedEvent, logger } from '../shared/observability';
import { deadlineOf, retryTransient } from '../shared/retry';
import { isTransientServiceError } from '../shared/service-errors';
import { checkResponse, checkServedPackage, ServedVariant } from './check';

export const SmokeTestParameters = v.object({
  roleArn: v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be the ARN of the staging smoke-test role')),
  endpointName: v.pipe(v.string(), v.regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'must be a SageMaker endpoint name')),
  region: v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region such as eu-west-1')),
  payloadParameterName: v.pipe(v.string(), v.minLength(1, 'must name the SSM parameter holding the sample request')),
  contentType: v.pipe(v.string(), v.minLength(1)),
  accept: v.optional(v.string()),
  expectedResponsePattern: v.optional(v.string()),
  modelPackageArn: v.pipe(
    v.string('must be the resolved package, #{Resolve.ModelPackageArn}'),
    v.check((arn) => !arn.trim().startsWith('#{') && arn.trim() !== '', 'must be the resolved package, #{Resolve.ModelPackageArn}, not an unresolved variable'),
  ),
});

/** Credentials of the assumed staging role. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SmokeTestDependencies {
  readonly codepipeline: CodePipelineClient;
  readonly ssm: SSMClient;
  readonly sts: STSClient;
  /** Clients in the staging account and region, with the assumed role's credentials. */
  readonly sagemakerFor: (region: string, credentials: Credentials) => SageMakerClient;
  readonly runtimeFor: (region: string, credentials: Credentials) => SageMakerRuntimeClient;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export type SmokeTestOutcome =
  | { readonly outcome: 'no-job'; readonly problem: string }
  | { readonly outcome: 'failed'; readonly jobId: string; readonly message: string }
  | { readonly outcome: 'passed'; readonly jobId: string; readonly latencyMs: number };

/** Time kept after the work to answer the job. */
const ANSWER_MARGIN_MS = 5_000;

export function createSmokeTestHandler(deps: SmokeTestDependencies): (event: unknown, context?: unknown) => Promise<SmokeTestOutcome> {
  const now = deps.now ?? Date.now;

  return async function handle(event: unknown, context?: unknown): Promise<SmokeTestOutcome> {
    const job = parseCodePipelineJob(event);
    if (job.kind === 'no-job') {
      logger.error('malformed CodePipeline job event: no job to answer', { problem: job.problem });
      countMalformedEvent();
      return { outcome: 'no-job', problem: job.problem };
    }
    const answer = new JobAnswer(deps.codepipeline, deadlineOf(context, 500, 60_000, now), deps.sleep);
    const workDeadline = deadlineOf(context, ANSWER_MARGIN_MS, 55_000, now);
    const fail = async (message: string, details: Record<string, unknown> = {}): Promise<SmokeTestOutcome> => {
      logger.warn('smoke test failed', { jobId: job.jobId, message, ...details });
      await answer.fail(job.jobId, message);
      return { outcome: 'failed', jobId: job.jobId, message };
    };
    if (job.kind === 'bad-parameters') {
      return fail(`smoke test parameters are invalid: ${job.problem}`);
    }
    const parsed = v.safeParse(SmokeTestParameters, job.userParameters);
    if (!parsed.success) {
      return fail(`smoke test parameters are invalid: ${describeIssues(parsed.issues)}`);
    }
    const params = parsed.output;
    const call = <T>(operation: string, send: () => Promise<T>): Promise<T> => retryTransient(send, {
      deadline: workDeadline,
      sleep: deps.sleep,
      onRetry: (attempt, error, delayMs) => logger.warn(`${operation} failed transiently: retrying`, { jobId: job.jobId, attempt, delayMs, error: error as Error }),
    });

    let verdict: { ok: true; latencyMs: number; body: string } | { ok: false; message: string };
    try {
      verdict = await runSmokeTest(job.jobId, params, call);
    } catch (error) {
      const e = error as { name?: string; message?: string };
      const transient = isTransientServiceError(error) ? ' (a transient fault that outlasted the retries: retry the stage)' : '';
      verdict = { ok: false, message: `smoke test of endpoint ${params.endpointName} failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}${transient}` };
    }
    if (!verdict.ok) {
      return fail(verdict.message, { endpointName: params.endpointName, modelPackageArn: params.modelPackageArn });
    }
    await answer.succeed(job.jobId, { LatencyMs: String(verdict.latencyMs), ResponsePreview: verdict.body.slice(0, 200) });
    logger.info('smoke test passed', { jobId: job.jobId, endpointName: params.endpointName, modelPackageArn: params.modelPackageArn, latencyMs: verdict.latencyMs });
    return { outcome: 'passed', jobId: job.jobId, latencyMs: verdict.latencyMs };
  };

  type Call = <T>(operation: string, send: () => Promise<T>) => Promise<T>;

  async function runSmokeTest(jobId: string, params: v.InferOutput<typeof SmokeTestParameters>, call: Call)
    : Promise<{ ok: true; latencyMs: number; body: string } | { ok: false; message: string }> {
    const payload = await call('GetParameter', () => deps.ssm.send(new GetParameterCommand({ Name: params.payloadParameterName })));
    const assumed = await call('AssumeRole', () => deps.sts.send(new AssumeRoleCommand({
      RoleArn: params.roleArn,
      RoleSessionName: `smoke-test-${jobId.replace(/[^\w+=,.@-]/g, '').slice(0, 40)}`,
      DurationSeconds: 900,
    })));
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      return { ok: false, message: `assuming ${params.roleArn} returned no credentials` };
    }
    const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };

    const served = await servedVariants(params.endpointName, deps.sagemakerFor(params.region, credentials), call);
    if (!served.ok) return served;
    const check = checkServedPackage(params.endpointName, params.modelPackageArn, served.variants);
    if (!check.ok) return { ok: false, message: check.reason };

    const runtime = deps.runtimeFor(params.region, credentials);
    const started = Date.now();
    const response = await call('InvokeEndpoint', () => runtime.send(new InvokeEndpointCommand({
      EndpointName: params.endpointName,
      ContentType: params.contentType,
      Accept: params.accept,
      Body: new TextEncoder().encode(payload.Parameter?.Value ?? ''),
    })));
    const latencyMs = Date.now() - started;
    const body = response.Body ? new TextDecoder().decode(response.Body) : '';
    const answer = checkResponse(body, params.expectedResponsePattern);
    return answer.ok ? { ok: true, latencyMs, body } : { ok: false, message: answer.reason };
  }

  async function servedVariants(endpointName: string, sagemaker: SageMakerClient, call: Call)
    : Promise<{ ok: true; variants: ServedVariant[] } | { ok: false; message: string }> {
    const endpoint = await call('DescribeEndpoint', () => sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })));
    if (endpoint.EndpointStatus !== 'InService') {
      return { ok: false, message: `endpoint ${endpointName} is ${endpoint.EndpointStatus ?? 'in an unknown state'}, not InService` };
    }
    if (endpoint.PendingDeploymentSummary) {
      return { ok: false, message: `endpoint ${endpointName} is being updated to endpoint config ${endpoint.PendingDeploymentSummary.EndpointConfigName}: what it serves is changing` };
    }
    const configName = endpoint.EndpointConfigName;
    if (!configName) {
      return { ok: false, message: `endpoint ${endpointName} names no endpoint config` };
    }
    const config = await call('DescribeEndpointConfig', () => sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })));
    const variants: ServedVariant[] = [];
    for (const variant of config.ProductionVariants ?? []) {
      const modelName = variant.ModelName;
      if (!modelName) {
        variants.push({ variantName: variant.VariantName ?? '?', modelName: '(none)', modelPackages: [] });
        continue;
      }
      const model = await call('DescribeModel', () => sagemaker.send(new DescribeModelCommand({ ModelName: modelName })));
      const containers = [...(model.PrimaryContainer ? [model.PrimaryContainer] : []), ...(model.Containers ?? [])];
      variants.push({
        variantName: variant.VariantName ?? '?',
        modelName,
        modelPackages: containers.map((x) => x.ModelPackageName).filter((n): n is string => typeof n === 'string' && n !== ''),
      });
    }
    return { ok: true, variants };
  }
}
