/**
 * Approval to promotion: in the tooling account, turns the approval of a model package of one
 * group into one execution of that group's promotion pipeline, with the package ARN as the
 * pipeline variable, and records the package in SSM for redeployment.
 *
 * One handler serves one group, so its role can describe only that group's packages, write only
 * its parameter and start only its pipeline. The story is in `approval-handler.ts`.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ApprovalOutcome, createApprovalHandler, readApprovalHandlerConfig } from './approval-handler';

const handle = createApprovalHandler({
  config: readApprovalHandlerConfig(),
  sagemaker: new SageMakerClient({}),
  ssm: new SSMClient({}),
  codepipeline: new CodePipelineClient({}),
});

export async function handler(event: unknown): Promise<ApprovalOutcome> {
  return handle(event);
}
