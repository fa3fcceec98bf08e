/**
 * Model card status: in the tooling account, keeps the model card of every package of one group
 * in step with the package's approval (pending -> PendingReview, approved -> Approved,
 * rejected -> Archived), on each "SageMaker Model Package State Change" of the group.
 *
 * One handler serves one group, so its role can describe and update only that group's packages.
 * The story is in `card-status-handler.ts`.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { CardStatusOutcome, createCardStatusHandler, readCardStatusConfig } from './card-status-handler';

const handle = createCardStatusHandler({
  config: readCardStatusConfig(),
  sagemaker: new SageMakerClient({}),
});

export async function handler(event: unknown): Promise<CardStatusOutcome> {
  return handle(event);
}
