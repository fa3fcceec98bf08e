/**
 * First action of a promotion, and the check before each production wave: decides which model
 * package an execution deploys, or verifies that it is still approved.
 *
 * Input: a CodePipeline Lambda-invoke job whose UserParameters are
 *   {"requestedModelPackageArn": "#{variables.ModelPackageArn}"}                 (resolve)
 *   {"mode": "verify", "modelPackageArn": "#{Resolve.ModelPackageArn}"}         (verify)
 * The approval handler starts the pipeline with the variable set to the approved package. When
 * the pipeline runs without it (created, its source changed, a person pressed "Release change"),
 * the variable holds LATEST_APPROVED and the newest Approved version of the group in the registry
 * is deployed. Either way the package must be Approved in this project's group when we look:
 * never an empty, unapproved or foreign one. Verify fails the job unless the package is still
 * Approved in the group right now (it may have been rejected while the execution waited).
 *
 * Output variables: ModelPackageArn, ModelPackageVersion. The story is in `resolve-handler.ts`.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SDK_RETRY } from '../shared/retry';
import { LATEST_APPROVED } from './decide';
import { createResolveHandler, readResolveConfig, ResolveOutcome } from './resolve-handler';

export { LATEST_APPROVED };

const handle = createResolveHandler({
  config: readResolveConfig(),
  codepipeline: new CodePipelineClient(SDK_RETRY),
  sagemaker: new SageMakerClient(SDK_RETRY),
  ssm: new SSMClient(SDK_RETRY),
});

export async function handler(event: unknown, context?: unknown): Promise<ResolveOutcome> {
  return handle(event, context);
}
