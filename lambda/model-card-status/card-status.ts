/**
 * Which status a package's model card should have, given the package as the registry describes
 * it now. Pure: the handler does the I/O around it.
 *
 * The card follows the package's approval (botocore `ModelPackageModelCard.ModelCardStatus`:
 * Draft | PendingReview | Approved | Archived; `ModelApprovalStatus`: PendingManualApproval |
 * Approved | Rejected):
 *
 *   PendingManualApproval -> PendingReview
 *   Approved              -> Approved
 *   Rejected              -> Archived
 *
 * Archived is final here. SageMaker documents that the content of an archived card can no longer
 * be updated ("Model Card is in Archived state", API reference of ModelPackageModelCard) and says
 * nothing of moving its status back; a rejected package that is approved later keeps its archived
 * card, and the handler says so in its log and metrics instead of trying.
 */

export type ModelCardStatus = 'Draft' | 'PendingReview' | 'Approved' | 'Archived';

/** The card status each approval status maps to. */
export const CARD_STATUS_FOR_APPROVAL: Readonly<Record<string, ModelCardStatus>> = {
  PendingManualApproval: 'PendingReview',
  Approved: 'Approved',
  Rejected: 'Archived',
};

/**
 * Keys of the package metadata where the handler keeps who decided the approval it followed.
 * `LastModifiedBy` names whoever changed the package last, and the card update that follows an
 * approval is itself a change: without this record, the approver would be overwritten by the
 * handler's own role a second later.
 */
export const DECIDED_BY_KEY = 'sagemaker-mlops:decided-by';
export const DECISION_KEY = 'sagemaker-mlops:decision';
export const DECIDED_AT_KEY = 'sagemaker-mlops:decided-at';

/** Customer metadata allows at most 50 properties (botocore `CustomerMetadataMap`). */
const MAX_METADATA_PROPERTIES = 50;

/** The package as DescribeModelPackage returns it (the fields we read). */
export interface DescribedPackage {
  readonly ModelPackageArn?: string;
  readonly ModelPackageGroupName?: string;
  readonly ModelApprovalStatus?: string;
  readonly ModelCard?: { readonly ModelCardStatus?: string; readonly ModelCardContent?: string };
  readonly LastModifiedBy?: {
    readonly IamIdentity?: { readonly Arn?: string };
    readonly UserProfileName?: string;
    readonly UserProfileArn?: string;
  };
  readonly LastModifiedTime?: Date;
  readonly CustomerMetadataProperties?: Record<string, string>;
}

export type CardDecision =
  | {
    readonly action: 'update';
    readonly from: string;
    readonly to: ModelCardStatus;
    /** The package's metadata to write with the card, when the update records a decision. */
    readonly metadata?: Record<string, string>;
  }
  | { readonly action: 'skip'; readonly kind: 'gone' | 'foreign' | 'no-card' | 'no-status' | 'in-step' | 'archived'; readonly reason: string };

/**
 * Decides the card update for a package of `groupName`. `ownRoleName` is the handler's role:
 * a change it made itself is never taken for a person's decision.
 */
export function decideCardStatus(groupName: string, arn: string, described: DescribedPackage | undefined, ownRoleName: string): CardDecision {
  if (!described) {
    return { action: 'skip', kind: 'gone', reason: `model package ${arn} no longer exists` };
  }
  if (described.ModelPackageGroupName !== groupName) {
    return { action: 'skip', kind: 'foreign', reason: `model package ${arn} belongs to group '${described.ModelPackageGroupName}', not '${groupName}'` };
  }
  const current = described.ModelCard?.ModelCardStatus;
  if (!described.ModelCard || !current) {
    return { action: 'skip', kind: 'no-card', reason: `model package ${arn} has no model card to keep in step` };
  }
  const approval = described.ModelApprovalStatus ?? '';
  const wanted = CARD_STATUS_FOR_APPROVAL[approval];
  if (!wanted) {
    return { action: 'skip', kind: 'no-status', reason: `model package ${arn} has approval status '${approval}', which no card status follows` };
  }
  if (current === wanted) {
    return { action: 'skip', kind: 'in-step', reason: `the card of ${arn} is already ${wanted}` };
  }
  if (current === 'Archived') {
    return { action: 'skip', kind: 'archived', reason: `the card of ${arn} is Archived and stays so, although the package is now ${approval}` };
  }
  const decidedBy = wanted === 'PendingReview' ? undefined : deciderOf(described, ownRoleName);
  return {
    action: 'update',
    from: current,
    to: wanted,
    metadata: decidedBy ? decisionMetadata(described, approval, decidedBy) : undefined,
  };
}

/** Who changed the package last, unless it was this handler. */
function deciderOf(described: DescribedPackage, ownRoleName: string): string | undefined {
  const by = described.LastModifiedBy;
  const identity = by?.IamIdentity?.Arn ?? by?.UserProfileArn ?? by?.UserProfileName;
  if (!identity) return undefined;
  // An assumed role reads `arn:<partition>:sts::<account>:assumed-role/<role name>/<session>`.
  if (ownRoleName !== '' && identity.includes(`:assumed-role/${ownRoleName}/`)) return undefined;
  return identity;
}

/**
 * The package's metadata with the decision added. The existing properties are sent along: the
 * API reference does not say whether `CustomerMetadataProperties` replaces or merges, and sending
 * the union is right either way.
 */
function decisionMetadata(described: DescribedPackage, decision: string, decidedBy: string): Record<string, string> | undefined {
  const existing = { ...(described.CustomerMetadataProperties ?? {}) };
  const added: Record<string, string> = {
    [DECIDED_BY_KEY]: metadataValue(decidedBy),
    [DECISION_KEY]: decision,
  };
  if (described.LastModifiedTime) added[DECIDED_AT_KEY] = described.LastModifiedTime.toISOString();
  const merged = { ...existing, ...added };
  return Object.keys(merged).length <= MAX_METADATA_PROPERTIES ? merged : undefined;
}

/** Metadata values are 1-256 of letters, digits, spaces and `_.:/=+-@` (botocore `CustomerMetadataValue`). */
export function metadataValue(value: string): string {
  const cleaned = value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256);
  return cleaned === '' ? '_' : cleaned;
}
