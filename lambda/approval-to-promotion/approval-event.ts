/**
 * What the approval handler accepts: an EventBridge "SageMaker Model Package State Change" of a
 * versioned package of one group. Approvals start promotions; any other status (Rejected,
 * PendingManualApproval) is evidence that an earlier approval was revoked, which makes the next
 * approval of the same version a new one.
 *
 * Three outcomes, so the handler can treat each as it should:
 * - `malformed`: not an EventBridge event we can read, or a state change of our group whose
 *   fields are missing or inconsistent. Logged with what was wrong, counted, never retried.
 * - `ignored`: a well-formed event that is not for us (another source, another group). The
 *   rule's pattern should keep these away; we check anyway.
 * - `change`: a state change of a package of our group, to be checked against the registry.
 *   The event only says which package to look at, and when: what it says of the package's
 *   status is checked against the registry's current record, never trusted.
 */
import * as v from 'valibot';

export const MODEL_PACKAGE_STATE_CHANGE = 'SageMaker Model Package State Change';
export const APPROVED = 'Approved';
/** The approval statuses of a model package (botocore sagemaker 2017-07-24, shape ModelApprovalStatus). */
export const APPROVAL_STATUSES = ['Approved', 'Rejected', 'PendingManualApproval'] as const;

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
  ModelApprovalStatus: v.picklist(APPROVAL_STATUSES, `is not one of ${APPROVAL_STATUSES.join(', ')}`),
});

const packageDetailSchema = v.looseObject({
  ModelPackageArn: v.pipe(nonEmpty, v.regex(VERSIONED_PACKAGE_ARN, 'is not a versioned model package ARN')),
  ModelPackageVersion: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

/** A state change of a package of our group, as the event tells it (the registry may disagree). */
export interface PackageStateChange {
  readonly eventId: string;
  /** When the change happened, as the event says (ISO 8601, one-second resolution). */
  readonly eventTime: string;
  readonly modelPackageArn: string;
  readonly modelPackageGroupName: string;
  readonly modelPackageVersion: number;
  /** The status the event reports; the registry's current one decides. */
  readonly reportedStatus: typeof APPROVAL_STATUSES[number];
}

export type ClassifiedEvent =
  | { readonly kind: 'malformed'; readonly eventId?: string; readonly problems: string[] }
  | { readonly kind: 'ignored'; readonly eventId: string; readonly reason: string }
  | { readonly kind: 'change'; readonly change: PackageStateChange };

/**
 * Sorts an incoming event into malformed, not ours, or a state change of `groupName`. Pure.
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
  const group = (detail as { ModelPackageGroupName?: unknown }).ModelPackageGroupName;
  if (typeof group === 'string' && group.trim() !== '' && group !== groupName) {
    return { kind: 'ignored', eventId, reason: `model package group '${group}' is not '${groupName}'` };
  }
  const routing = v.safeParse(routingSchema, detail);
  if (!routing.success) {
    return { kind: 'malformed', eventId, problems: describe(routing.issues, 'detail') };
  }
  const parsed = v.safeParse(packageDetailSchema, detail);
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
    kind: 'change',
    change: {
      eventId,
      eventTime: new Date(Date.parse(time)).toISOString(),
      modelPackageArn: arn,
      modelPackageGroupName: groupName,
      modelPackageVersion: version,
      reportedStatus: routing.output.ModelApprovalStatus,
    },
  };
}

/** The version in a versioned model package ARN, or undefined for anything else. */
export function versionOfArn(arn: string): number | undefined {
  const match = VERSIONED_PACKAGE_ARN.exec(arn);
  return match ? Number(match[2]) : undefined;
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
