/**
 * The staging test of a promotion: checks that the freshly deployed staging endpoint serves the
 * package this execution resolved, invokes it with the project's sample payload, and fails the
 * pipeline execution on an error, another package or an unexpected answer.
 *
 * Input: a CodePipeline Lambda-invoke job whose UserParameters are
 *   {"roleArn": "<smoke-test role in the staging account>", "endpointName": "...",
 *    "region": "...", "payloadParameterName": "<SSM parameter holding the sample>",
 *    "contentType": "text/csv", "accept": "application/json",
 *    "expectedResponsePattern": "<regular expression>", "modelPackageArn": "#{Resolve.ModelPackageArn}"}
 * The endpoint lives in another account: we assume the staging account's smoke-test role, which
 * needs sagemaker:DescribeEndpoint, DescribeEndpointConfig, DescribeModel and InvokeEndpoint.
 * The story is in `smoke-test-handler.ts`.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { SDK_RETRY } from '../shared/retry';
import { createSmokeTestHandler, SmokeTestOutcome } from './smoke-test-handler';

const handle = createSmokeTestHandler({
  codepipeline: new CodePipelineClient(SDK_RETRY),
  ssm: new SSMClient(SDK_RETRY),
  sts: new STSClient(SDK_RETRY),
  sagemakerFor: (region, credentials) => new SageMakerClient({ ...SDK_RETRY, region, credentials }),
  runtimeFor: (region, credentials) => new SageMakerRuntimeClient({ ...SDK_RETRY, region, credentials }),
});

export async function handler(event: unknown, context?: unknown): Promise<SmokeTestOutcome> {
  return handle(event, context);
}
