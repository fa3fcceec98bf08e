/**
 * The staging test of a promotion: invokes the freshly deployed staging endpoint with the
 * project's sample payload and fails the pipeline execution on an error or an unexpected answer.
 *
 * Input: a CodePipeline Lambda-invoke job whose UserParameters are
 *   {"roleArn": "<smoke-test role in the staging account>", "endpointName": "...",
 *    "region": "...", "payloadParameterName": "<SSM parameter holding the sample>",
 *    "contentType": "text/csv", "accept": "application/json",
 *    "expectedResponsePattern": "<regular expression>", "modelPackageArn": "#{Resolve.ModelPackageArn}"}
 * The endpoint lives in another account: we assume the staging account's smoke-test role.
 */
import { CodePipelineClient, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import * as v from 'valibot';
import { describeIssues, failJob, parseCodePipelineJob } from '../shared/codepipeline-job';
import { countMalformedEvent, logger } from '../shared/observability';
import { checkResponse } from './check';

const SmokeTestParameters = v.object({
  roleArn: v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/)),
  endpointName: v.pipe(v.string(), v.regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/)),
  region: v.pipe(v.string(), v.minLength(1)),
  payloadParameterName: v.pipe(v.string(), v.minLength(1)),
  contentType: v.pipe(v.string(), v.minLength(1)),
  accept: v.optional(v.string()),
  expectedResponsePattern: v.optional(v.string()),
  modelPackageArn: v.optional(v.string()),
});

const codepipeline = new CodePipelineClient({});
const ssm = new SSMClient({});
const sts = new STSClient({});

export async function handler(event: unknown): Promise<void> {
  const job = parseCodePipelineJob(event);
  if (typeof job === 'string') {
    logger.error('malformed CodePipeline job event', { reason: job });
    countMalformedEvent();
    return;
  }
  const parsed = v.safeParse(SmokeTestParameters, job.userParameters);
  if (!parsed.success) {
    const reason = `smoke test parameters are invalid: ${describeIssues(parsed.issues)}`;
    logger.error(reason, { jobId: job.jobId });
    await fail(job.jobId, reason);
    return;
  }
  const params = parsed.output;
  try {
    const payload = await ssm.send(new GetParameterCommand({ Name: params.payloadParameterName }));
    const credentials = await sts.send(new AssumeRoleCommand({
      RoleArn: params.roleArn,
      RoleSessionName: `smoke-test-${job.jobId.slice(0, 40)}`,
      DurationSeconds: 900,
    }));
    const c = credentials.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new Error(`assuming ${params.roleArn} returned no credentials`);
    }
    const runtime = new SageMakerRuntimeClient({
      region: params.region,
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
    });
    const started = Date.now();
    const response = await runtime.send(new InvokeEndpointCommand({
      EndpointName: params.endpointName,
      ContentType: params.contentType,
      Accept: params.accept,
      Body: new TextEncoder().encode(payload.Parameter?.Value ?? ''),
    }));
    const body = response.Body ? new TextDecoder().decode(response.Body) : '';
    const verdict = checkResponse(body, params.expectedResponsePattern);
    const latencyMs = Date.now() - started;
    if (!verdict.ok) {
      logger.warn('smoke test failed', { jobId: job.jobId, endpointName: params.endpointName, modelPackageArn: params.modelPackageArn, reason: verdict.reason });
      await fail(job.jobId, verdict.reason);
      return;
    }
    await codepipeline.send(new PutJobSuccessResultCommand({
      jobId: job.jobId,
      outputVariables: { LatencyMs: String(latencyMs), ResponsePreview: body.slice(0, 200) },
    }));
    logger.info('smoke test passed', { jobId: job.jobId, endpointName: params.endpointName, modelPackageArn: params.modelPackageArn, latencyMs });
  } catch (error) {
    const reason = `smoke test of endpoint ${params.endpointName} failed: ${(error as Error).name}: ${(error as Error).message}`;
    logger.warn(reason, { jobId: job.jobId, modelPackageArn: params.modelPackageArn });
    await fail(job.jobId, reason);
  }
}

function fail(jobId: string, message: string): Promise<void> {
  return failJob(codepipeline, jobId, message);
}
