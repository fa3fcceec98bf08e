/**
 * The model card handler's story: parse the event, describe the package it names, decide the
 * card's status from what the registry says now, update the card if it is out of step, log one
 * line.
 *
 * Idempotent and order-safe by construction: the decision reads the package's current approval
 * and card, never the event's, so a late, repeated or overtaken event decides the same as the
 * latest one, and a card already in step is left alone (the update that follows our own update's
 * event is a no-op).
 */
import { DescribeModelPackageCommand, SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { readEnvironment } from '../shared/environment';
import { countMalformedEvent, logger, metrics, MetricUnit } from '../shared/observability';
import { classifyCardEvent } from './card-event';
import { CardDecision, decideCardStatus, DescribedPackage } from './card-status';

export interface CardStatusConfig {
  /** The group whose packages' cards this handler keeps in step. */
  readonly modelPackageGroupName: string;
  /** The handler's own role name: changes it made are not a person's decision. */
  readonly ownRoleName: string;
}

export interface CardStatusDependencies {
  readonly config: CardStatusConfig;
  readonly sagemaker: SageMakerClient;
}

export type CardStatusOutcome =
  | { readonly outcome: 'malformed'; readonly problems: string[] }
  | { readonly outcome: 'ignored'; readonly reason: string }
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'updated'; readonly from: string; readonly to: string };

/** Reads the configuration the construct sets, failing the cold start if any is missing. */
export function readCardStatusConfig(env: NodeJS.ProcessEnv = process.env): CardStatusConfig {
  const e = readEnvironment(['MODEL_PACKAGE_GROUP_NAME', 'OWN_ROLE_NAME'], env);
  return { modelPackageGroupName: e.MODEL_PACKAGE_GROUP_NAME, ownRoleName: e.OWN_ROLE_NAME };
}

/** Builds the handler around its client and configuration (module scope in `index.ts`). */
export function createCardStatusHandler(deps: CardStatusDependencies): (event: unknown) => Promise<CardStatusOutcome> {
  const { config, sagemaker } = deps;

  async function describePackage(arn: string): Promise<DescribedPackage | undefined> {
    try {
      return await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      // Throttling, a server fault or a missing permission: thrown, so Lambda retries the event
      // and its dead-letter queue keeps it if it still fails.
      throw error;
    }
  }

  async function update(arn: string, decision: Extract<CardDecision, { action: 'update' }>): Promise<void> {
    // The status alone: UpdateModelCard refuses content and status in one call, and the content
    // is the build's, not ours to rewrite.
    await sagemaker.send(new UpdateModelPackageCommand({
      ModelPackageArn: arn,
      ModelCard: { ModelCardStatus: decision.to },
      CustomerMetadataProperties: decision.metadata,
    }));
  }

  return async function handle(event: unknown): Promise<CardStatusOutcome> {
    const classified = classifyCardEvent(event, config.modelPackageGroupName);
    if (classified.kind === 'malformed') {
      logger.warn('malformed event: not retried', { eventId: classified.eventId, problems: classified.problems });
      countMalformedEvent();
      return { outcome: 'malformed', problems: classified.problems };
    }
    if (classified.kind === 'ignored') {
      logger.info('event ignored: not a change of our group', { eventId: classified.eventId, reason: classified.reason });
      return { outcome: 'ignored', reason: classified.reason };
    }
    const arn = classified.modelPackageArn;
    const described = await describePackage(arn);
    const decision = decideCardStatus(config.modelPackageGroupName, arn, described, config.ownRoleName);
    if (decision.action === 'skip') {
      if (decision.kind === 'archived') {
        logger.warn('model card not changed', { eventId: classified.eventId, modelPackageArn: arn, reason: decision.reason });
        metrics.addMetric('ArchivedCardsNotFollowed', MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      } else {
        logger.info('model card not changed', { eventId: classified.eventId, modelPackageArn: arn, reason: decision.reason });
      }
      return { outcome: 'skipped', reason: decision.reason };
    }
    await update(arn, decision);
    metrics.addMetric('ModelCardsUpdated', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    logger.info('model card status updated', {
      eventId: classified.eventId,
      modelPackageArn: arn,
      from: decision.from,
      to: decision.to,
      decidedBy: decision.metadata?.['sagemaker-mlops:decided-by'],
    });
    return { outcome: 'updated', from: decision.from, to: decision.to };
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === 'ResourceNotFound' || (e.name === 'ValidationException' && /does not exist|not found/i.test(e.message ?? ''));
}
