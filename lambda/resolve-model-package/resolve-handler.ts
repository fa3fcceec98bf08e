/**
 * The resolve handler's story: read the job, decide which package the execution deploys (or verify
 * that the resolved one is still approved), answer the job, log one line.
 *
 * Every job whose id can be read is answered, with a message naming what was wrong when it fails:
 * a job left unanswered makes the pipeline wait for the action's timeout. Transient faults are
 * retried by the SDK (standard retry mode) and then by a bounded retry of our own, which stops in
 * time to answer before the Lambda timeout.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { JobAnswer, parseCodePipelineJob } from '../shared/codepipeline-job';
import { readEnvironment } from '../shared/environment';
import { countMalformedEvent, logger, metrics, MetricUnit } from '../shared/observability';
import { deadlineOf, retryTransient } from '../shared/retry';
import { isTransientServiceError } from '../shared/service-errors';
import { baselineVariables, decideModelPackage, DescribedPackage, isModelPackageArn, LATEST_APPROVED, parseResolveRequest, readApprovedRecord, ResolveRequest, versionOf } from './decide';

export interface ResolveConfig {
  readonly modelPackageGroupName: string;
  readonly approvedModelParameterName: string;
}

export function readResolveConfig(env: NodeJS.ProcessEnv = process.env): ResolveConfig {
  const e = readEnvironment(['MODEL_PACKAGE_GROUP_NAME', 'APPROVED_MODEL_PARAMETER_NAME'], env);
  return { modelPackageGroupName: e.MODEL_PACKAGE_GROUP_NAME, approvedModelParameterName: e.APPROVED_MODEL_PARAMETER_NAME };
}

export interface ResolveDependencies {
  readonly config: ResolveConfig;
  readonly sagemaker: SageMakerClient;
  readonly ssm: SSMClient;
  readonly codepipeline: CodePipelineClient;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export type ResolveOutcome =
  | { readonly outcome: 'no-job'; readonly problem: string }
  | { readonly outcome: 'failed'; readonly jobId: string; readonly message: string }
  | { readonly outcome: 'succeeded'; readonly jobId: string; readonly modelPackageArn: string; readonly version: number };

/** Time kept after the work to answer the job. */
const ANSWER_MARGIN_MS = 4_000;

export function createResolveHandler(deps: ResolveDependencies): (event: unknown, context?: unknown) => Promise<ResolveOutcome> {
  const { config, sagemaker, ssm, codepipeline } = deps;
  const group = config.modelPackageGroupName;
  const now = deps.now ?? Date.now;

  return async function handle(event: unknown, context?: unknown): Promise<ResolveOutcome> {
    const job = parseCodePipelineJob(event);
    if (job.kind === 'no-job') {
      // Without a job id there is nobody to answer: the action times out and the pipeline fails.
      logger.error('malformed CodePipeline job event: no job to answer', { problem: job.problem });
      countMalformedEvent();
      return { outcome: 'no-job', problem: job.problem };
    }
    const answerDeadline = deadlineOf(context, 500, 25_000, now);
    const workDeadline = deadlineOf(context, ANSWER_MARGIN_MS, 20_000, now);
    const answer = new JobAnswer(codepipeline, answerDeadline, deps.sleep);
    const fail = async (message: string): Promise<ResolveOutcome> => {
      logger.warn('job failed', { jobId: job.jobId, message });
      await answer.fail(job.jobId, message);
      return { outcome: 'failed', jobId: job.jobId, message };
    };
    if (job.kind === 'bad-parameters') {
      return fail(job.problem);
    }
    const request = parseResolveRequest(job.userParameters);
    if ('problem' in request) {
      return fail(request.problem);
    }

    const call = <T>(operation: string, send: () => Promise<T>): Promise<T> => retryTransient(send, {
      deadline: workDeadline,
      sleep: deps.sleep,
      onRetry: (attempt, error, delayMs) => logger.warn(`${operation} failed transiently: retrying`, { jobId: job.jobId, attempt, delayMs, error: error as Error }),
    });

    let verdict: { ok: true; arn: string; version: number; source: string; variables?: Record<string, string> } | { ok: false; message: string };
    try {
      verdict = await decide(request, call, job.jobId);
    } catch (error) {
      const e = error as { name?: string; message?: string };
      const transient = isTransientServiceError(error) ? ' (a transient fault that outlasted the retries: retry the stage)' : '';
      logger.error('could not resolve the model package', { jobId: job.jobId, error: error as Error });
      verdict = { ok: false, message: `could not ${request.mode} the model package: ${e.name ?? 'Error'}: ${e.message ?? String(error)}${transient}` };
    }
    if (!verdict.ok) {
      return fail(verdict.message);
    }
    await answer.succeed(job.jobId, { ModelPackageArn: verdict.arn, ModelPackageVersion: String(verdict.version), ...verdict.variables });
    logger.info(request.mode === 'verify' ? 'model package verified' : 'model package resolved', {
      jobId: job.jobId, source: verdict.source, modelPackageArn: verdict.arn, version: verdict.version,
    });
    return { outcome: 'succeeded', jobId: job.jobId, modelPackageArn: verdict.arn, version: verdict.version };
  };

  type Call = <T>(op: string, send: () => Promise<T>) => Promise<T>;

  async function decide(request: ResolveRequest, call: Call, jobId: string): Promise<{ ok: true; arn: string; version: number; source: string; variables?: Record<string, string> } | { ok: false; message: string }> {
    if (request.mode === 'verify') {
      const decision = decideModelPackage(group, request.modelPackageArn, await describe(call, request.modelPackageArn));
      return decision.deploy
        ? { ok: true, arn: decision.modelPackageArn, version: decision.version, source: 'verify' }
        : { ok: false, message: `verify before production: ${decision.reason}; production is not deployed` };
    }
    let arn = request.requested;
    let source = 'pipeline variable';
    if (arn === '' || arn === LATEST_APPROVED || arn.startsWith('#{')) {
      source = 'newest approved version in the registry';
      arn = await newestApproved(call, jobId);
    } else if (!isModelPackageArn(arn)) {
      return { ok: false, message: `requestedModelPackageArn '${arn}' is not a versioned model package ARN (arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>) nor ${LATEST_APPROVED}` };
    }
    const described = arn === '' ? undefined : await describe(call, arn);
    const decision = decideModelPackage(group, arn, described);
    if (!decision.deploy) return { ok: false, message: decision.reason };
    // The served package's own baselines, for the production monitor (with deployDataQualityBaselines).
    const variables = baselineVariables(decision.modelPackageArn, described, request.driftCheckBaselines);
    if ('problem' in variables) return { ok: false, message: variables.problem as string };
    return { ok: true, arn: decision.modelPackageArn, version: decision.version, source, variables };
  }

  async function describe(call: Call, arn: string): Promise<DescribedPackage | undefined> {
    try {
      return await call('DescribeModelPackage', () => sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn })));
    } catch (error) {
      // SageMaker answers a ValidationException for a package that does not exist.
      if ((error as Error).name === 'ValidationException' && /not (be )?found|does not exist/i.test((error as Error).message)) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * `LATEST_APPROVED` is the newest Approved version of the group in the registry, whoever approved
   * it and whenever (versions approved before the platform existed included): ListModelPackages with
   * `ModelApprovalStatus` Approved, sorted by `CreationTime` descending (botocore sagemaker
   * 2017-07-24, ListModelPackagesInput). The approval handler's SSM record is read too and must
   * agree; when it does not, the registry wins and the disagreement is logged and counted.
   */
  async function newestApproved(call: Call, jobId: string): Promise<string> {
    const page = await call('ListModelPackages', () => sagemaker.send(new ListModelPackagesCommand({
      ModelPackageGroupName: group,
      ModelApprovalStatus: 'Approved',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 10,
    })));
    let newest: { arn: string; version: number } | undefined;
    for (const s of page.ModelPackageSummaryList ?? []) {
      const a = s.ModelPackageArn ?? '';
      const version = s.ModelPackageVersion ?? versionOf(a);
      if (s.ModelApprovalStatus !== 'Approved' || version === undefined) continue;
      if (!newest || version > newest.version) newest = { arn: a, version };
    }
    let recorded = '';
    try {
      const parameter = await call('GetParameter', () => ssm.send(new GetParameterCommand({ Name: config.approvedModelParameterName })));
      recorded = readApprovedRecord(parameter.Parameter?.Value);
    } catch (error) {
      // The record is only a cross-check: it never fails or decides the job.
      if ((error as Error).name !== 'ParameterNotFound') {
        logger.warn('could not read the approved-package record; using the registry alone', { jobId, error: error as Error });
      }
    }
    if (newest && recorded !== '' && recorded !== newest.arn) {
      logger.warn('the approved-package record disagrees with the registry: the registry wins', { jobId, recorded, registry: newest.arn });
      metrics.addMetric('ApprovedRecordDisagreements', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    }
    return newest?.arn ?? '';
  }
}
