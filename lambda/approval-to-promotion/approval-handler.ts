/**
 * The approval handler's story: parse the event, read the package's current record in the registry,
 * decide under the group's lease whether this is a new approval of the newest approved version,
 * start the promotion pipeline with the package ARN (once per approval: a conditional write in the
 * ledger, and a client request token derived from the approval, not from the event), record the
 * newest approved package for `LATEST_APPROVED`, log one line.
 */
import { randomUUID } from 'node:crypto';
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { readEnvironment, readOptionalInteger } from '../shared/environment';
import { countMalformedEvent, logger } from '../shared/observability';
import { requestTokenFor } from '../shared/request-token';
import { Deadline, deadlineOf, realSleep } from '../shared/retry';
import { isTransientServiceError } from '../shared/service-errors';
import { APPROVED, classifyEvent, PackageStateChange, versionOfArn } from './approval-event';
import { ApprovalLedger } from './approval-ledger';
import { approvalKey, decideApproval, DescribedPackage, isApproval, registryApproval, RegistryApproval, revokes } from './promotion-decision';

export interface ApprovalHandlerConfig {
  /** The group whose approvals this handler promotes. */
  readonly modelPackageGroupName: string;
  /** The CodePipeline (V2) pipeline that promotes a package. */
  readonly pipelineName: string;
  /** The pipeline variable that carries the package ARN. */
  readonly pipelineVariableName: string;
  /** The SSM parameter recording the newest approved package (`LATEST_APPROVED`'s fast path). */
  readonly approvedModelParameterName: string;
  /** The ledger table. */
  readonly tableName: string;
  /** How long a decision may hold the group's lease: longer than the function's timeout. */
  readonly lockLeaseMs: number;
}

export interface ApprovalHandlerDependencies {
  readonly config: ApprovalHandlerConfig;
  readonly sagemaker: SageMakerClient;
  readonly ssm: SSMClient;
  readonly codepipeline: CodePipelineClient;
  readonly ledger: ApprovalLedger;
  /** The clock, for tests. */
  readonly now?: () => number;
  /** Waits while another invocation holds the lease; replaced in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Reads the configuration the construct sets, failing the cold start if any is missing. */
export function readApprovalHandlerConfig(env: NodeJS.ProcessEnv = process.env): ApprovalHandlerConfig {
  const e = readEnvironment(['MODEL_PACKAGE_GROUP_NAME', 'PIPELINE_NAME', 'PIPELINE_VARIABLE_NAME', 'APPROVED_MODEL_PARAMETER_NAME', 'LEDGER_TABLE_NAME'], env);
  return {
    modelPackageGroupName: e.MODEL_PACKAGE_GROUP_NAME,
    pipelineName: e.PIPELINE_NAME,
    pipelineVariableName: e.PIPELINE_VARIABLE_NAME,
    approvedModelParameterName: e.APPROVED_MODEL_PARAMETER_NAME,
    tableName: e.LEDGER_TABLE_NAME,
    lockLeaseMs: readOptionalInteger('LOCK_LEASE_SECONDS', 60, env) * 1000,
  };
}

/**
 * A service call failed in a way that may pass (throttling, a server fault, a pipeline at its
 * concurrent-execution limit, the group's lease held by another invocation) after the SDK's own
 * retries: thrown so Lambda retries the event and its dead-letter queue keeps it if it still fails.
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
  | { readonly outcome: 'revoked'; readonly reason: string }
  | { readonly outcome: 'started'; readonly pipelineExecutionId: string; readonly modelPackageArn: string };

/**
 * The SSM parameter's value: the newest approved package of the group, as the registry listed it
 * when the handler last decided. The promotion's `LATEST_APPROVED` reads the registry itself and
 * uses this record only when the two agree.
 */
export interface ApprovedModelRecord {
  readonly modelPackageArn: string;
  readonly modelPackageVersion: number;
  readonly recordedAt: string;
  /** The promotion this handler started for it, when it did. */
  readonly pipelineExecutionId?: string;
}

/** Waits between attempts to take a lease held by another invocation. */
const LOCK_RETRY_MS = 250;
/** Time kept after the lease wait for the decision itself and the answer. */
const DECISION_MARGIN_MS = 8_000;

/** Builds the handler around its clients and configuration (module scope in `index.ts`). */
export function createApprovalHandler(deps: ApprovalHandlerDependencies): (event: unknown, context?: unknown) => Promise<ApprovalOutcome> {
  const { config, sagemaker, ssm, codepipeline, ledger } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const group = config.modelPackageGroupName;

  async function describePackage(arn: string): Promise<DescribedPackage | undefined> {
    try {
      return await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw failure('DescribeModelPackage', error);
    }
  }

  /**
   * The newest Approved version of the group as the registry lists it: ListModelPackages filtered
   * by `ModelApprovalStatus` and sorted by `CreationTime` descending (botocore ListModelPackagesInput:
   * SortBy Name | CreationTime, SortOrder Ascending | Descending). Versions of a group are numbered
   * in creation order; the largest version of the page is taken, not the first item.
   */
  async function newestApproved(): Promise<{ arn: string; version: number } | undefined> {
    try {
      const page = await sagemaker.send(new ListModelPackagesCommand({
        ModelPackageGroupName: group,
        ModelApprovalStatus: APPROVED,
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 10,
      }));
      let newest: { arn: string; version: number } | undefined;
      for (const summary of page.ModelPackageSummaryList ?? []) {
        const arn = summary.ModelPackageArn ?? '';
        const version = summary.ModelPackageVersion ?? versionOfArn(arn);
        if (summary.ModelApprovalStatus !== APPROVED || version === undefined) continue;
        if (!newest || version > newest.version) newest = { arn, version };
      }
      return newest;
    } catch (error) {
      throw failure('ListModelPackages', error);
    }
  }

  /** The version the record names, or undefined when there is no record of ours. */
  async function recordedVersion(): Promise<number | undefined> {
    const value = await readRecord();
    try {
      const version = value ? (JSON.parse(value) as Partial<ApprovedModelRecord>).modelPackageVersion : undefined;
      return typeof version === 'number' ? version : undefined;
    } catch {
      return undefined;
    }
  }

  async function readRecord(): Promise<string | undefined> {
    try {
      return (await ssm.send(new GetParameterCommand({ Name: config.approvedModelParameterName }))).Parameter?.Value;
    } catch (error) {
      if ((error as { name?: string }).name === 'ParameterNotFound') return undefined;
      throw failure('GetParameter', error);
    }
  }

  /** Points the record at the newest approved version, writing only when it changes. */
  async function recordNewest(newest: { arn: string; version: number } | undefined, pipelineExecutionId?: string): Promise<void> {
    if (!newest) return;
    const current = await readRecord();
    let recorded: Partial<ApprovedModelRecord> = {};
    try {
      recorded = current ? JSON.parse(current) as Partial<ApprovedModelRecord> : {};
    } catch {
      // Not our format: overwritten below.
    }
    if (recorded.modelPackageArn === newest.arn && (pipelineExecutionId === undefined || recorded.pipelineExecutionId === pipelineExecutionId)) return;
    const value: ApprovedModelRecord = {
      modelPackageArn: newest.arn,
      modelPackageVersion: newest.version,
      recordedAt: new Date(now()).toISOString(),
      ...(pipelineExecutionId ? { pipelineExecutionId } : recorded.modelPackageArn === newest.arn && recorded.pipelineExecutionId ? { pipelineExecutionId: recorded.pipelineExecutionId } : {}),
    };
    try {
      await ssm.send(new PutParameterCommand({
        Name: config.approvedModelParameterName,
        Value: JSON.stringify(value),
        Type: 'String',
        Overwrite: true,
        Description: `Newest approved model package of ${group}`,
      }));
    } catch (error) {
      throw failure('PutParameter', error);
    }
  }

  async function startPromotion(approval: RegistryApproval): Promise<string> {
    try {
      const started = await codepipeline.send(new StartPipelineExecutionCommand({
        name: config.pipelineName,
        variables: [{ name: config.pipelineVariableName, value: approval.modelPackageArn }],
        // A second guard after the ledger's claim: the same approval always makes the same
        // request. CodePipeline documents the token only as "the system-generated unique ID used
        // to identify a unique execution request" (botocore codepipeline 2015-07-09), with no
        // scope or lifetime, so nothing here relies on it alone.
        clientRequestToken: requestTokenFor('promote', approvalKey(approval)),
      }));
      return started.pipelineExecutionId ?? '';
    } catch (error) {
      throw failure('StartPipelineExecution', error);
    }
  }

  /** Runs `decide` holding the group's lease, waiting for it within the invocation's deadline. */
  async function underLease<T>(deadline: Deadline, decide: () => Promise<T>): Promise<T> {
    const holder = randomUUID();
    for (;;) {
      let acquired: boolean;
      try {
        acquired = await ledger.acquireLock(group, holder, now(), now() + config.lockLeaseMs);
      } catch (error) {
        throw failure('UpdateItem (lease)', error);
      }
      if (acquired) break;
      if (deadline.remainingMs() < DECISION_MARGIN_MS + LOCK_RETRY_MS) {
        throw new TransientFailure('taking the lease of group ' + group, new Error('another invocation holds it'));
      }
      await sleep(LOCK_RETRY_MS + Math.floor(Math.random() * LOCK_RETRY_MS));
    }
    try {
      return await decide();
    } finally {
      try {
        await ledger.releaseLock(group, holder);
      } catch (error) {
        // The lease expires by itself; a failed release only delays the next decision.
        logger.warn('could not release the lease', { group, error: error as Error });
      }
    }
  }

  /** Promotes `approval` unless its promotion started already or it is an edit, not an approval. */
  async function promoteIfNew(approval: RegistryApproval, eventId: string): Promise<ApprovalOutcome> {
    const key = approvalKey(approval);
    const claim = await ledgerCall('GetItem (claim)', () => ledger.getClaim(key));
    if (claim) {
      return { outcome: 'skipped', reason: `approval ${key} already started promotion ${claim.pipelineExecutionId}` };
    }
    const promoted = await ledgerCall('GetItem (package)', () => ledger.getPackage(approval.modelPackageArn));
    const decision = decideApproval(approval, promoted, undefined);
    if (decision.action === 'skip') {
      return { outcome: 'skipped', reason: decision.reason };
    }
    const pipelineExecutionId = await startPromotion(approval);
    const claimed = await ledgerCall('PutItem (claim)', () => ledger.putClaim({
      key,
      modelPackageArn: approval.modelPackageArn,
      modelPackageVersion: approval.modelPackageVersion,
      approvalTime: approval.approvalTime,
      pipelineExecutionId,
      eventId,
      startedAt: new Date(now()).toISOString(),
    }));
    if (!claimed) {
      // Only a holder whose lease expired mid-decision gets here; the token made its start the same request.
      logger.warn('approval was claimed by another invocation while this one started it', { key, pipelineExecutionId });
    }
    await ledgerCall('UpdateItem (package)', () => ledger.setPromoted(approval.modelPackageArn, approval.approvalTime));
    return { outcome: 'started', pipelineExecutionId, modelPackageArn: approval.modelPackageArn };
  }

  /**
   * Under the lease, whatever the event: the newest approved version of the group, as the registry
   * lists it, has its current approval promoted once (unless that approval is an edit of a promoted
   * one), and the record names it. Approvals of older versions are overtaken, never promoted after a
   * newer one; whichever event is handled last leaves the record on the newest approved version.
   */
  async function reconcile(change: PackageStateChange, changed: RegistryApproval | undefined): Promise<ApprovalOutcome> {
    const listed = await newestApproved();
    // The listing may lag the package just described as Approved: that package counts as approved.
    const newest = changed && (!listed || changed.modelPackageVersion > listed.version)
      ? { arn: changed.modelPackageArn, version: changed.modelPackageVersion }
      : listed;
    if (!newest) {
      return { outcome: 'ignored', reason: `no version of group ${group} is approved` };
    }
    const approval = changed && changed.modelPackageArn === newest.arn
      ? changed
      : registryApproval(await describePackage(newest.arn), newest.arn, group, newest.version);
    if (!isApproval(approval)) {
      return { outcome: 'skipped', reason: approval.reason };
    }
    const outcome = await promoteIfNew(approval, change.eventId);
    await recordNewest(newest, outcome.outcome === 'started' ? outcome.pipelineExecutionId : undefined);
    if (outcome.outcome !== 'started' && change.modelPackageArn !== newest.arn && change.reportedStatus === APPROVED) {
      return { outcome: 'skipped', reason: `version ${newest.version} of the group is approved and newer than version ${change.modelPackageVersion}` };
    }
    return outcome;
  }

  /**
   * A state change out of Approved is evidence that the version's promoted approval was revoked: the
   * version's next approval is a new one. Then the group is reconciled (the newest approved version
   * may be another now, or this one approved again).
   */
  async function onRevocation(change: PackageStateChange, current: RegistryApproval | undefined): Promise<ApprovalOutcome> {
    const promoted = await ledgerCall('GetItem (package)', () => ledger.getPackage(change.modelPackageArn));
    let revoked = false;
    if (promoted && !promoted.revokedSince && revokes(promoted, current, change.eventTime)) {
      await ledgerCall('UpdateItem (package)', () => ledger.markRevoked(change.modelPackageArn));
      revoked = true;
    }
    const outcome = await reconcile(change, current);
    if (outcome.outcome === 'started' || !revoked) return outcome;
    return { outcome: 'revoked', reason: `version ${change.modelPackageVersion} left Approved since its promotion` };
  }

  async function handleChange(change: PackageStateChange, deadline: Deadline): Promise<ApprovalOutcome> {
    const described = await describePackage(change.modelPackageArn);
    const found = registryApproval(described, change.modelPackageArn, group, change.modelPackageVersion);
    const current = isApproval(found) ? found : undefined;
    if (!current && (!described || described.ModelPackageGroupName !== group || change.reportedStatus === APPROVED)) {
      // Gone, foreign, or an approval the registry no longer shows (its own state change will come).
      return { outcome: 'skipped', reason: (found as { reason: string }).reason };
    }
    if (change.reportedStatus === APPROVED && current) {
      // Fast path for the many deliveries of one approval: no lease needed to see it was promoted
      // and recorded (a retry after a failed record takes the lease and records).
      const claim = await ledgerCall('GetItem (claim)', () => ledger.getClaim(approvalKey(current)));
      if (claim && ((await recordedVersion()) ?? 0) >= claim.modelPackageVersion) {
        return { outcome: 'skipped', reason: `approval ${approvalKey(current)} already started promotion ${claim.pipelineExecutionId}` };
      }
      return underLease(deadline, () => reconcile(change, current));
    }
    return underLease(deadline, () => onRevocation(change, current));
  }

  return async function handle(event: unknown, context?: unknown): Promise<ApprovalOutcome> {
    const classified = classifyEvent(event, group);
    if (classified.kind === 'malformed') {
      logger.warn('malformed event: not retried', { eventId: classified.eventId, problems: classified.problems });
      countMalformedEvent();
      return { outcome: 'malformed', problems: classified.problems };
    }
    if (classified.kind === 'ignored') {
      logger.info('event ignored: not a state change of our group', { eventId: classified.eventId, reason: classified.reason });
      return { outcome: 'ignored', reason: classified.reason };
    }
    const change = classified.change;
    const outcome = await handleChange(change, deadlineOf(context, 2_000, 25_000, now));
    logger.info(`approval event ${outcome.outcome}`, {
      eventId: change.eventId,
      modelPackageArn: change.modelPackageArn,
      reportedStatus: change.reportedStatus,
      pipelineName: config.pipelineName,
      ...outcome,
    });
    return outcome;
  };
}

async function ledgerCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw failure(operation, error);
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === 'ResourceNotFound' || (e.name === 'ValidationException' && /does not exist|not found/i.test(e.message ?? ''));
}

function failure(operation: string, error: unknown): Error {
  if (error instanceof TransientFailure || error instanceof PromotionFailure) return error;
  const name = (error as { name?: string }).name ?? '';
  if (isTransientServiceError(error) || name === 'ConcurrentPipelineExecutionsLimitExceededException' || name === 'ConflictException') {
    return new TransientFailure(operation, error);
  }
  return new PromotionFailure(operation, error);
}

function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
}
