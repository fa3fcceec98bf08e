/**
 * The approval handler's story: parse the event, check the package is still approved in our
 * group, start the promotion pipeline with the package ARN (idempotent through a client request
 * token derived from the event id), record what was promoted, log one line.
 */
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { readEnvironment } from '../shared/environment';
import { countMalformedEvent, logger } from '../shared/observability';
import { requestTokenFor } from '../shared/request-token';
import { isTransientServiceError } from '../shared/service-errors';
import { Approval, classifyEvent } from './approval-event';
import { ApprovedModelRecord, decidePromotion, DescribedPackage, parseRecord } from './promotion-decision';

export interface ApprovalHandlerConfig {
  /** The group whose approvals this handler promotes. */
  readonly modelPackageGroupName: string;
  /** The CodePipeline (V2) pipeline that promotes a package. */
  readonly pipelineName: string;
  /** The pipeline variable that carries the package ARN. */
  readonly pipelineVariableName: string;
  /** The SSM parameter recording the last approved package. */
  readonly approvedModelParameterName: string;
}

export interface ApprovalHandlerDependencies {
  readonly config: ApprovalHandlerConfig;
  readonly sagemaker: SageMakerClient;
  readonly ssm: SSMClient;
  readonly codepipeline: CodePipelineClient;
}

/** Reads the configuration the construct sets, failing the cold start if any is missing. */
export function readApprovalHandlerConfig(env: NodeJS.ProcessEnv = process.env): ApprovalHandlerConfig {
  const e = readEnvironment(['MODEL_PACKAGE_GROUP_NAME', 'PIPELINE_NAME', 'PIPELINE_VARIABLE_NAME', 'APPROVED_MODEL_PARAMETER_NAME'], env);
  return {
    modelPackageGroupName: e.MODEL_PACKAGE_GROUP_NAME,
    pipelineName: e.PIPELINE_NAME,
    pipelineVariableName: e.PIPELINE_VARIABLE_NAME,
    approvedModelParameterName: e.APPROVED_MODEL_PARAMETER_NAME,
  };
}

/**
 * A service call failed in a way that may pass (throttling, a server fault, a pipeline at its
 * concurrent-execution limit) after the SDK's own retries: thrown so Lambda retries the event
 * and its dead-letter queue keeps it if it still fails.
 */
export class TransientFailure extends Error {
  constructor(operation: string, cause: unknown) {
    super(`${operation} failed transiently: ${describeError(cause)}`, { cause });
    this.name = 'TransientFailure';
  }
}

/**
 * A service call failed in a way a retry will not fix (access denied, the pipeline does not
 * exist): thrown so the approval is not lost silently but lands in the dead-letter queue, with
 * the error alarm telling a person, to be redriven once the configuration is fixed.
 */
export class PromotionFailure extends Error {
  constructor(operation: string, cause: unknown) {
    super(`${operation} failed: ${describeError(cause)}`, { cause });
    this.name = 'PromotionFailure';
  }
}

export type ApprovalOutcome =
  | { readonly outcome: 'malformed'; readonly problems: string[] }
  | { readonly outcome: 'ignored'; readonly reason: string }
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'started'; readonly pipelineExecutionId: string };

/** Builds the handler around its clients and configuration (module scope in `index.ts`). */
export function createApprovalHandler(deps: ApprovalHandlerDependencies): (event: unknown) => Promise<ApprovalOutcome> {
  const { config, sagemaker, ssm, codepipeline } = deps;

  async function describePackage(arn: string): Promise<DescribedPackage | undefined> {
    try {
      return await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw failure('DescribeModelPackage', error);
    }
  }

  async function readRecord(): Promise<ApprovedModelRecord | undefined> {
    try {
      const got = await ssm.send(new GetParameterCommand({ Name: config.approvedModelParameterName }));
      return parseRecord(got.Parameter?.Value);
    } catch (error) {
      if ((error as { name?: string }).name === 'ParameterNotFound') return undefined;
      throw failure('GetParameter', error);
    }
  }

  async function startPromotion(approval: Approval): Promise<string> {
    try {
      const started = await codepipeline.send(new StartPipelineExecutionCommand({
        name: config.pipelineName,
        variables: [{ name: config.pipelineVariableName, value: approval.modelPackageArn }],
        // The same event delivered again makes the same request: CodePipeline starts nothing new.
        clientRequestToken: requestTokenFor('promote', approval.eventId),
      }));
      return started.pipelineExecutionId ?? '';
    } catch (error) {
      throw failure('StartPipelineExecution', error);
    }
  }

  async function record(value: ApprovedModelRecord): Promise<void> {
    try {
      await ssm.send(new PutParameterCommand({
        Name: config.approvedModelParameterName,
        Value: JSON.stringify(value),
        Type: 'String',
        Overwrite: true,
        Description: `Last approved model package of ${config.modelPackageGroupName} whose promotion started`,
      }));
    } catch (error) {
      throw failure('PutParameter', error);
    }
  }

  return async function handle(event: unknown): Promise<ApprovalOutcome> {
    const classified = classifyEvent(event, config.modelPackageGroupName);
    if (classified.kind === 'malformed') {
      logger.warn('malformed event: not retried', { eventId: classified.eventId, problems: classified.problems });
      countMalformedEvent();
      return { outcome: 'malformed', problems: classified.problems };
    }
    if (classified.kind === 'ignored') {
      logger.info('event ignored: not an approval of our group', { eventId: classified.eventId, reason: classified.reason });
      return { outcome: 'ignored', reason: classified.reason };
    }
    const approval = classified.approval;
    const described = await describePackage(approval.modelPackageArn);
    const recorded = await readRecord();
    const decision = decidePromotion(approval, described, recorded);
    if (decision.action === 'skip') {
      logger.info('promotion skipped', { eventId: approval.eventId, modelPackageArn: approval.modelPackageArn, reason: decision.reason });
      return { outcome: 'skipped', reason: decision.reason };
    }
    const pipelineExecutionId = await startPromotion(approval);
    // Recorded after the start: a retry after a failed write starts nothing new (same token)
    // and then records; the record's execution id marks this event as done.
    await record({
      modelPackageArn: approval.modelPackageArn,
      modelPackageVersion: decision.modelPackageVersion,
      eventId: approval.eventId,
      approvedAt: approval.approvedAt,
      pipelineExecutionId,
    });
    logger.info('promotion started', {
      eventId: approval.eventId,
      modelPackageArn: approval.modelPackageArn,
      modelPackageVersion: decision.modelPackageVersion,
      pipelineName: config.pipelineName,
      pipelineExecutionId,
    });
    return { outcome: 'started', pipelineExecutionId };
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === 'ResourceNotFound' || (e.name === 'ValidationException' && /does not exist|not found/i.test(e.message ?? ''));
}

function failure(operation: string, error: unknown): Error {
  const name = (error as { name?: string }).name ?? '';
  if (isTransientServiceError(error) || name === 'ConcurrentPipelineExecutionsLimitExceededException') {
    return new TransientFailure(operation, error);
  }
  return new PromotionFailure(operation, error);
}

function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
}
