import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import * as v from 'valibot';
import { logger } from './observability';
import { Deadline, retryTransient } from './retry';

/**
 * A CodePipeline Lambda-invoke job as our handlers read it:
 * `{ "CodePipeline.job": { "id": "...", "data": { "actionConfiguration": { "configuration": { "UserParameters": "<json>" } } } } }`.
 *
 * Three outcomes, so that every job whose id we can read is answered:
 * - `job`: the id and the parsed user parameters;
 * - `bad-parameters`: the id, and what is wrong with the parameters (empty, not JSON, not an object):
 *   the handler fails the job with that message at once, rather than leaving the pipeline to wait
 *   for the action's timeout;
 * - `no-job`: no id to answer; logged and counted as malformed.
 */
export type ParsedJob =
  | { readonly kind: 'job'; readonly jobId: string; readonly userParameters: Record<string, unknown> }
  | { readonly kind: 'bad-parameters'; readonly jobId: string; readonly problem: string }
  | { readonly kind: 'no-job'; readonly problem: string };

const JobId = v.pipe(v.string(), v.regex(/\S/, 'is empty'), v.maxLength(200));

/** Describes a valibot failure as `path: message; ...`, for the log line of a rejected input. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const where = (issue.path ?? []).map((p) => String(p.key)).join('.') || '(root)';
      // valibot reports a missing key as "Invalid key: Expected "x" but received undefined".
      const message = /^Invalid key: .* received undefined$/.test(issue.message) ? 'is missing' : issue.message;
      return `${where}: ${message}`;
    })
    .join('; ');
}

/** Reads a CodePipeline job event; never throws. */
export function parseCodePipelineJob(event: unknown): ParsedJob {
  const job = typeof event === 'object' && event !== null ? (event as Record<string, unknown>)['CodePipeline.job'] : undefined;
  if (typeof job !== 'object' || job === null) {
    return { kind: 'no-job', problem: "the event has no 'CodePipeline.job' object" };
  }
  const id = v.safeParse(JobId, (job as { id?: unknown }).id);
  if (!id.success) {
    return { kind: 'no-job', problem: `CodePipeline.job.id ${describeIssues(id.issues).replace(/^\(root\): /, '')}` };
  }
  const jobId = id.output;
  const configuration = (((job as { data?: unknown }).data as { actionConfiguration?: unknown } | undefined)?.actionConfiguration as { configuration?: unknown } | undefined)?.configuration;
  const raw = (configuration as { UserParameters?: unknown } | undefined)?.UserParameters;
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) {
    return { kind: 'bad-parameters', jobId, problem: `the action's UserParameters are empty: the action must pass a JSON object` };
  }
  if (typeof raw !== 'string') {
    return { kind: 'bad-parameters', jobId, problem: `the action's UserParameters are not a string but ${typeof raw}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { kind: 'bad-parameters', jobId, problem: `the action's UserParameters are not JSON: ${raw.slice(0, 200)}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { kind: 'bad-parameters', jobId, problem: `the action's UserParameters must be a JSON object, got ${raw.slice(0, 200)}` };
  }
  return { kind: 'job', jobId, userParameters: parsed as Record<string, unknown> };
}

/** Answers a job: the success with output variables, or the failure with its message. */
export class JobAnswer {
  constructor(private readonly client: CodePipelineClient, private readonly deadline: Deadline, private readonly sleep?: (ms: number) => Promise<void>) {}

  public succeed(jobId: string, outputVariables: Record<string, string>): Promise<void> {
    return this.answer(jobId, 'PutJobSuccessResult', () => this.client.send(new PutJobSuccessResultCommand({ jobId, outputVariables })));
  }

  /** Fails the job with a message people read in the console (at most 5,000 characters, as the API allows). */
  public fail(jobId: string, message: string): Promise<void> {
    return this.answer(jobId, 'PutJobFailureResult', () => this.client.send(new PutJobFailureResultCommand({
      jobId,
      failureDetails: { type: 'JobFailed', message: message.slice(0, 5000) },
    })));
  }

  private async answer(jobId: string, operation: string, send: () => Promise<unknown>): Promise<void> {
    try {
      // The answer gets the rest of the invocation: a job left unanswered waits for the action's timeout.
      await retryTransient(send, { deadline: this.deadline, sleep: this.sleep }, 500);
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'InvalidJobStateException' || name === 'JobNotFoundException') {
        // Answered already (a retried invocation) or timed out: nothing left to answer.
        logger.warn(`${operation} refused: the job is no longer waiting for an answer`, { jobId, error: error as Error });
        return;
      }
      throw error;
    }
  }
}
