/**
 * The lineage recorder's story, run by the promotion pipeline right after each deployment:
 * read the job's parameters, let the promotion go on, then record the deployment in lineage.
 *
 * A lineage record is an audit trail of what was deployed, not a gate on deploying it: the
 * deployment has already happened when this runs, and an outage of the lineage API (or its
 * manual-entity quota) must neither undo it nor hold production. So the job is answered first,
 * and a failed write is made visible and retried instead:
 *
 * - it is logged with the whole record and counted (`LineageWriteFailures`, alarmed);
 * - the invocation fails, so Lambda retries it (CodePipeline invokes the function asynchronously,
 *   and asynchronous invocations are retried twice, Lambda developer guide); the retry answers
 *   the job again, which CodePipeline refuses as already answered, and writes again;
 * - after the retries the event waits in the function's dead-letter queue (alarmed); sending it
 *   to the function again records the deployment: every write is idempotent.
 *
 * Parameters that cannot be read fail the job: that is a mistake in the pipeline's definition,
 * and a person must see it at once.
 */
import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { parseCodePipelineJob } from '../shared/codepipeline-job';
import { readEnvironment } from '../shared/environment';
import { countMalformedEvent, logger, metrics, MetricUnit } from '../shared/observability';
import { DeploymentParameters, parseDeploymentParameters } from './deployment-parameters';
import { actionNameFor, LineageRecorderConfig, RecordedDeployment } from './lineage-recorder';

export interface RecordHandlerConfig extends LineageRecorderConfig {
  /** The group whose packages this recorder records. */
  readonly modelPackageGroupName: string;
}

export interface RecordHandlerDependencies {
  readonly config: RecordHandlerConfig;
  readonly codepipeline: CodePipelineClient;
  readonly record: (params: DeploymentParameters) => Promise<RecordedDeployment>;
}

export type RecordOutcome =
  | { readonly outcome: 'malformed'; readonly reason: string }
  | { readonly outcome: 'refused'; readonly reason: string }
  | { readonly outcome: 'recorded'; readonly deployment: RecordedDeployment };

/** A lineage write failed after the job was answered: thrown, so Lambda retries the invocation. */
export class LineageWriteFailure extends Error {
  constructor(actionName: string, cause: unknown) {
    const e = cause as { name?: string; message?: string };
    super(`recording deployment ${actionName} in lineage failed: ${e.name ?? 'Error'}: ${e.message ?? String(cause)}`, { cause });
    this.name = 'LineageWriteFailure';
  }
}

/** Reads the configuration the construct sets, failing the cold start if any is missing. */
export function readRecordHandlerConfig(env: NodeJS.ProcessEnv = process.env): RecordHandlerConfig {
  const e = readEnvironment(['PROJECT_NAME', 'MODEL_PACKAGE_GROUP_NAME', 'PIPELINE_NAME', 'PIPELINE_ACCOUNT', 'PIPELINE_REGION'], env);
  return {
    projectName: e.PROJECT_NAME,
    modelPackageGroupName: e.MODEL_PACKAGE_GROUP_NAME,
    pipelineName: e.PIPELINE_NAME,
    pipelineAccount: e.PIPELINE_ACCOUNT,
    pipelineRegion: e.PIPELINE_REGION,
  };
}

export function createRecordHandler(deps: RecordHandlerDependencies): (event: unknown) => Promise<RecordOutcome> {
  const { config, codepipeline, record } = deps;

  /** Answers the job; a retried invocation finds it answered already, which is what we wanted. */
  async function answerSuccess(jobId: string, actionName: string): Promise<void> {
    try {
      await codepipeline.send(new PutJobSuccessResultCommand({ jobId, outputVariables: { LineageActionName: actionName } }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'InvalidJobStateException' || name === 'JobNotFoundException') {
        logger.info('the job was answered by an earlier attempt', { jobId, error: name });
        return;
      }
      throw error;
    }
  }

  return async function handle(event: unknown): Promise<RecordOutcome> {
    const job = parseCodePipelineJob(event);
    if (job.kind === 'no-job') {
      // Without a job id there is nobody to answer: the action times out and the pipeline fails.
      logger.error('malformed CodePipeline job event', { reason: job.problem });
      countMalformedEvent();
      return { outcome: 'malformed', reason: job.problem };
    }
    const params = job.kind === 'bad-parameters' ? job.problem : parseDeploymentParameters(job.userParameters, config.modelPackageGroupName);
    if (typeof params === 'string') {
      logger.error('lineage record refused', { jobId: job.jobId, reason: params });
      await codepipeline.send(new PutJobFailureResultCommand({ jobId: job.jobId, failureDetails: { type: 'JobFailed', message: params.slice(0, 5000) } }));
      return { outcome: 'refused', reason: params };
    }
    const actionName = actionNameFor(config, params);
    await answerSuccess(job.jobId, actionName);
    try {
      const deployment = await record(params);
      logger.info('deployment recorded in lineage', { jobId: job.jobId, ...params, ...deployment });
      return { outcome: 'recorded', deployment };
    } catch (error) {
      // Per project: every project's recorder reports under the same service name.
      metrics.addDimension('project', config.projectName);
      metrics.addMetric('LineageWriteFailures', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      const failure = new LineageWriteFailure(actionName, error);
      logger.error('lineage write failed: the promotion goes on, the invocation is retried', { jobId: job.jobId, record: params, error: failure });
      throw failure;
    }
  };
}
