import { CodePipelineClient, PutJobFailureResultCommand } from '@aws-sdk/client-codepipeline';
import * as v from 'valibot';

/**
 * The part of a CodePipeline Lambda-invoke event we read:
 * `{ "CodePipeline.job": { "id": "...", "data": { "actionConfiguration": { "configuration": { "UserParameters": "<json>" } } } } }`.
 */
export const CodePipelineJobEvent = v.object({
  'CodePipeline.job': v.object({
    id: v.pipe(v.string(), v.minLength(1)),
    data: v.object({
      actionConfiguration: v.object({
        configuration: v.object({
          UserParameters: v.optional(v.string()),
        }),
      }),
    }),
  }),
});

export interface CodePipelineJob {
  readonly jobId: string;
  readonly userParameters: unknown;
}

/** Describes a valibot failure as `path: message; ...`, for the log line of a rejected input. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => `${(issue.path ?? []).map((p) => String(p.key)).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Reads the job id and the JSON user parameters of a CodePipeline job event.
 * Returns a reason string when the event cannot be used.
 */
export function parseCodePipelineJob(event: unknown): CodePipelineJob | string {
  const parsed = v.safeParse(CodePipelineJobEvent, event);
  if (!parsed.success) {
    return describeIssues(parsed.issues);
  }
  const job = parsed.output['CodePipeline.job'];
  const raw = job.data.actionConfiguration.configuration.UserParameters ?? '{}';
  try {
    return { jobId: job.id, userParameters: JSON.parse(raw) };
  } catch {
    return `UserParameters of job ${job.id} is not JSON`;
  }
}

/** Fails a CodePipeline job with a message people read in the console (at most 5,000 characters). */
export async function failJob(client: CodePipelineClient, jobId: string, message: string): Promise<void> {
  await client.send(new PutJobFailureResultCommand({
    jobId,
    failureDetails: { type: 'JobFailed', message: message.slice(0, 5000) },
  }));
}
