/**
 * Approval to promotion: in the tooling account, turns each approval of a model package of one
 * group into exactly one execution of that group's promotion pipeline, with the package ARN as the
 * pipeline variable, and records the group's newest approved package in SSM.
 *
 * One handler serves one group, so its role can describe only that group's packages, use only its
 * ledger table and parameter and start only its pipeline. The story is in `approval-handler.ts`.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SDK_RETRY } from '../shared/retry';
import { DynamoDbApprovalLedger } from './approval-ledger';
import { ApprovalOutcome, createApprovalHandler, readApprovalHandlerConfig } from './approval-handler';

const config = readApprovalHandlerConfig();
const handle = createApprovalHandler({
  config,
  sagemaker: new SageMakerClient(SDK_RETRY),
  ssm: new SSMClient(SDK_RETRY),
  codepipeline: new CodePipelineClient(SDK_RETRY),
  ledger: new DynamoDbApprovalLedger(new DynamoDBClient(SDK_RETRY), config.tableName),
});

export async function handler(event: unknown, context?: unknown): Promise<ApprovalOutcome> {
  return handle(event, context);
}
