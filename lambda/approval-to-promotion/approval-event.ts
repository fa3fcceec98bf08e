/**
 * What the approval handler accepts: an EventBridge "SageMaker Model Package State Change" of a
 * versioned package of one group, with `ModelApprovalStatus: Approved`.
 *
 * Three outcomes, so the handler can treat each as it should:
 * - `malformed`: not an EventBridge event we can read, or an approval of our group whose fields
 *   are missing or inconsistent. Logged with what was wrong, counted, never retried.
 * - `ignored`: a well-formed event that is not for us (another source, another group, another
 *   status). The rule's pattern should keep these away; we check anyway.
 * - `approval`: an approval of a package of our group, to be checked against the registry.
 */
import * as v from 'valibot';

export const MODEL_PACKAGE_STATE_CHANGE = 'SageMaker Model Package State Change';
export const APPROVED = 'Approved';

/** `arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>` */
const VERSIONED_PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})\/(\d{1,9})$/;

const nonEmpty = v.pipe(v.string(), v.regex(/\S/, 'is empty'));

const envelopeSchema = v.looseObject({
  'id': v.pipe(nonEmpty, v.maxLength(256)),
  'source': nonEmpty,
  'detail-type': nonEmpty,
  'time': v.pipe(nonEmpty, v.check((t) => !Number.isNaN(Date.parse(t)), 'is not a timestamp')),
  'detail': v.looseObject({}),
});

const routingSchema = v.looseObject({
  ModelPackageGroupName: nonEmpty,
  ModelApprovalStatus: nonEmpty,
});

const approvalDetailSchema = v.looseObject({
  ModelPackageArn: v.pipe(nonEmpty, v.regex(VERSIONED_PACKAGE_ARN, 'is not a versioned model package ARN')),
  ModelPackageVersion: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

/** An approval of a package of our group, as the event tells it (the registry may disagree). */
export interface Approval {
  readonly eventId: string;
  /** When EventBridge saw the change (ISO 8601). */
  readonly approvedAt: string;
  readonly modelPackageArn: string;
  readonly modelPackageGroupName: string;
  readonly modelPackageVersion: number;
}

export type ClassifiedEvent =
  | { readonly kind: 'malformed'; readonly eventId?: string; readonly problems: string[] }
  | { readonly kind: 'ignored'; readonly eventId: string; readonly reason: string }
  | { readonly kind: 'approval'; readonly approval: Approval };

/**
 * Sorts an incoming event into malformed, not ours, or an approval of `groupName`. Pure.
 */
export function classifyEvent(event: unknown, groupName: string): ClassifiedEvent {
  const envelope = v.safeParse(envelopeSchema, event);
  if (!envelope.success) {
    return { kind: 'malformed', eventId: idOf(event), problems: describe(envelope.issues) };
  }
  const { id: eventId, source, 'detail-type': detailType, time, detail } = envelope.output;
  if (source !== 'aws.sagemaker' || detailType !== MODEL_PACKAGE_STATE_CHANGE) {
    return { kind: 'ignored', eventId, reason: `event '${detailType}' from '${source}' is not a model package state change` };
  }
  const routing = v.safeParse(routingSchema, detail);
  if (!routing.success) {
    return { kind: 'malformed', eventId, problems: describe(routing.issues, 'detail') };
  }
  const { ModelPackageGroupName: eventGroup, ModelApprovalStatus: status } = routing.output;
  if (eventGroup !== groupName) {
    return { kind: 'ignored', eventId, reason: `model package group '${eventGroup}' is not '${groupName}'` };
  }
  if (status !== APPROVED) {
    return { kind: 'ignored', eventId, reason: `approval status '${status}' is not '${APPROVED}'` };
  }
  const parsed = v.safeParse(approvalDetailSchema, detail);
  if (!parsed.success) {
    return { kind: 'malformed', eventId, problems: describe(parsed.issues, 'detail') };
  }
  const arn = parsed.output.ModelPackageArn;
  const [, arnGroup, arnVersion] = VERSIONED_PACKAGE_ARN.exec(arn)!;
  const problems: string[] = [];
  if (arnGroup !== groupName) {
    problems.push(`detail.ModelPackageArn names group '${arnGroup}', but detail.ModelPackageGroupName is '${groupName}'`);
  }
  const version = Number(arnVersion);
  if (parsed.output.ModelPackageVersion !== undefined && parsed.output.ModelPackageVersion !== version) {
    problems.push(`detail.ModelPackageVersion ${parsed.output.ModelPackageVersion} differs from the version ${version} in detail.ModelPackageArn`);
  }
  if (problems.length > 0) {
    return { kind: 'malformed', eventId, problems };
  }
  return {
    kind: 'approval',
    approval: {
      eventId,
      approvedAt: new Date(Date.parse(time)).toISOString(),
      modelPackageArn: arn,
      modelPackageGroupName: groupName,
      modelPackageVersion: version,
    },
  };
}

function describe(issues: readonly v.BaseIssue<unknown>[], prefix?: string): string[] {
  return issues.map((issue) => {
    const path = v.getDotPath(issue);
    const where = [prefix, path].filter(Boolean).join('.') || 'event';
    return `${where}: ${issue.message}`;
  });
}

function idOf(event: unknown): string | undefined {
  if (typeof event === 'object' && event !== null && typeof (event as { id?: unknown }).id === 'string') {
    return ((event as { id: string }).id).slice(0, 256);
  }
  return undefined;
}
