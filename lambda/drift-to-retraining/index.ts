/**
 * Drift to retraining: in the tooling account, turns Model Monitor drift (a monitoring execution
 * completed with violations, or an alarm on a Model Monitor metric) of one project's endpoints, in
 * the project's production accounts and regions only, into one execution of that project's
 * model-build pipeline, and tells the project's SNS topic.
 *
 * The event shapes accepted are documented in `drift-signal.ts`; configuration in `retraining.ts`
 * (`readDriftConfig`). One handler serves one project, so its role can start only that pipeline.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { SDK_RETRY } from '../shared/retry';
import { createDriftHandler, Outcome, readDriftConfig } from './retraining';

const config = readDriftConfig();
const sagemaker = new SageMakerClient(SDK_RETRY);
const sns = new SNSClient(SDK_RETRY);

const handle = createDriftHandler({ sagemaker, sns, config });

export async function handler(event: unknown): Promise<Outcome> {
  return handle(event);
}
