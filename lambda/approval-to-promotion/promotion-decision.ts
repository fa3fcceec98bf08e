/**
 * What identifies one approval, and whether it starts a promotion. Pure: the handler does the
 * I/O around it.
 *
 * The registry, not the event, says what an approval is. SageMaker "may send multiple events to
 * EventBridge for each state change" (https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html),
 * each with its own id, and delivers them late and out of order. DescribeModelPackage returns the
 * package's `ModelApprovalStatus` and `LastModifiedTime`, "the last time that the model package was
 * modified" (botocore sagemaker 2017-07-24, DescribeModelPackageOutput): an approval of version V
 * is the package being Approved with a given LastModifiedTime. Every event of that approval, read
 * against the registry, yields the same key; a re-approval after a rejection modifies the package
 * and yields a new one.
 *
 * LastModifiedTime also moves when an approved package is edited (metadata, model card, life-cycle
 * stage), which SageMaker reports with the same state change. An edit is not an approval: a version
 * whose approval was promoted is promoted again only after the handler has seen it leave Approved
 * (a Rejected or PendingManualApproval state change), whatever the order in which the events arrive.
 */
import { APPROVED } from './approval-event';


/** The package as DescribeModelPackage returns it (the fields we read). */
export interface DescribedPackage {
  readonly ModelPackageArn?: string;
  readonly ModelPackageGroupName?: string;
  readonly ModelPackageVersion?: number;
  readonly ModelApprovalStatus?: string;
  readonly LastModifiedTime?: Date;
  readonly CreationTime?: Date;
}

/** One approval of one package version, as the registry records it. */
export interface RegistryApproval {
  readonly modelPackageArn: string;
  readonly modelPackageVersion: number;
  /** The package's LastModifiedTime (or CreationTime, for a package never modified), in ms. */
  readonly approvalTime: number;
}

/**
 * The approval the registry records for a described package, or why there is none.
 */
export function registryApproval(described: DescribedPackage | undefined, arn: string, groupName: string, version: number): RegistryApproval | { readonly reason: string } {
  if (!described) {
    return { reason: `model package ${arn} no longer exists` };
  }
  if (described.ModelPackageGroupName !== groupName) {
    return { reason: `model package ${arn} belongs to group '${described.ModelPackageGroupName}', not '${groupName}'` };
  }
  if (described.ModelApprovalStatus !== APPROVED) {
    return { reason: `model package ${arn} is now '${described.ModelApprovalStatus ?? 'without approval status'}', not Approved` };
  }
  const time = described.LastModifiedTime ?? described.CreationTime;
  if (!time || Number.isNaN(time.getTime())) {
    return { reason: `model package ${arn} has neither LastModifiedTime nor CreationTime: its approval cannot be identified` };
  }
  return { modelPackageArn: described.ModelPackageArn ?? arn, modelPackageVersion: described.ModelPackageVersion ?? version, approvalTime: time.getTime() };
}

export function isApproval(x: RegistryApproval | { readonly reason: string }): x is RegistryApproval {
  return (x as RegistryApproval).approvalTime !== undefined;
}

/** The business key of one approval: the package and the registry's record of its approval. */
export function approvalKey(approval: RegistryApproval): string {
  return `${approval.modelPackageArn}@${approval.approvalTime}`;
}

/** What the handler knows of a version it promoted before. */
export interface PromotedPackage {
  /** The approval time of the approval whose promotion started. */
  readonly promotedApprovalTime: number;
  /** Whether a state change out of Approved was seen since that promotion. */
  readonly revokedSince: boolean;
}

export type ApprovalDecision =
  | { readonly action: 'promote' }
  | { readonly action: 'skip'; readonly reason: string };

/**
 * Promote an approval that nothing started yet, that is a new approval of its version (not an edit
 * of an approved package), and that no newer approved version of the group overtakes: approvals are
 * ordered by version, as the registry lists them, never by the event's time (one-second resolution).
 */
export function decideApproval(approval: RegistryApproval, promoted: PromotedPackage | undefined, newestApprovedVersion: number | undefined): ApprovalDecision {
  const v = approval.modelPackageVersion;
  if (promoted && promoted.promotedApprovalTime >= approval.approvalTime) {
    return { action: 'skip', reason: `version ${v}'s approval of ${iso(approval.approvalTime)} was already promoted` };
  }
  if (promoted && !promoted.revokedSince) {
    return {
      action: 'skip',
      reason: `version ${v} was modified at ${iso(approval.approvalTime)} without leaving Approved since its promotion (approval of ${iso(promoted.promotedApprovalTime)}): an edit, not a new approval`,
    };
  }
  if (newestApprovedVersion !== undefined && newestApprovedVersion > v) {
    return { action: 'skip', reason: `version ${newestApprovedVersion} of the group is approved and newer than version ${v}` };
  }
  return { action: 'promote' };
}

/**
 * Whether a state change out of Approved revokes the promoted approval of its version. The registry
 * is read when the event is handled, so a package rejected and approved again is Approved by then:
 * the rejection counts if the package was modified after the promoted approval and the event is not
 * older than that approval (compared at the event time's one-second resolution).
 */
export function revokes(promoted: PromotedPackage, current: RegistryApproval | undefined, eventTime: string): boolean {
  if (!current) return true;
  if (current.approvalTime <= promoted.promotedApprovalTime) return false;
  return Math.floor(Date.parse(eventTime) / 1000) >= Math.floor(promoted.promotedApprovalTime / 1000);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
