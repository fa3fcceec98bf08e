/**
 * Whether an approval event starts a promotion, given what the registry says now and what the
 * handler recorded last. Pure: the handler does the I/O around it.
 */
import * as v from 'valibot';
import type { Approval } from './approval-event';

/** The package as DescribeModelPackage returns it (the fields we read). */
export interface DescribedPackage {
  readonly ModelPackageArn?: string;
  readonly ModelPackageGroupName?: string;
  readonly ModelPackageVersion?: number;
  readonly ModelApprovalStatus?: string;
}

/**
 * The SSM parameter's value: the last approved package whose promotion this handler started.
 * The promotion pipeline reads `modelPackageArn` to redeploy it; people read it to see what was
 * last promoted.
 */
export interface ApprovedModelRecord {
  readonly modelPackageArn: string;
  readonly modelPackageVersion: number;
  readonly eventId: string;
  readonly approvedAt: string;
  readonly pipelineExecutionId: string;
}

const recordSchema = v.object({
  modelPackageArn: v.string(),
  modelPackageVersion: v.number(),
  eventId: v.string(),
  approvedAt: v.pipe(v.string(), v.check((t) => !Number.isNaN(Date.parse(t)))),
  pipelineExecutionId: v.string(),
});

/**
 * Reads the recorded value; anything else (a value set by hand, an older format) counts as no
 * record, so it never blocks a promotion.
 */
export function parseRecord(value: string | undefined): ApprovedModelRecord | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = v.safeParse(recordSchema, JSON.parse(value));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

export type PromotionDecision =
  | { readonly action: 'promote'; readonly modelPackageVersion: number }
  | { readonly action: 'skip'; readonly reason: string };

/**
 * Promote only a package that is still Approved in our group when we look (a package approved
 * then rejected must not go out), that no later approval has overtaken (events arrive late and
 * out of order), and whose promotion this very event has not already started (delivery is at
 * least once).
 */
export function decidePromotion(approval: Approval, described: DescribedPackage | undefined, recorded: ApprovedModelRecord | undefined): PromotionDecision {
  const arn = approval.modelPackageArn;
  if (!described) {
    return { action: 'skip', reason: `model package ${arn} no longer exists` };
  }
  if (described.ModelPackageGroupName !== approval.modelPackageGroupName) {
    return { action: 'skip', reason: `model package ${arn} belongs to group '${described.ModelPackageGroupName}', not '${approval.modelPackageGroupName}'` };
  }
  if (described.ModelApprovalStatus !== 'Approved') {
    return { action: 'skip', reason: `model package ${arn} is now '${described.ModelApprovalStatus ?? 'without approval status'}', no longer Approved` };
  }
  if (recorded && recorded.eventId === approval.eventId) {
    return { action: 'skip', reason: `event ${approval.eventId} already started promotion ${recorded.pipelineExecutionId}` };
  }
  if (recorded && recorded.modelPackageArn !== arn && Date.parse(recorded.approvedAt) > Date.parse(approval.approvedAt)) {
    return { action: 'skip', reason: `a later approval (${recorded.modelPackageArn} at ${recorded.approvedAt}) overtook this one of ${approval.approvedAt}` };
  }
  return { action: 'promote', modelPackageVersion: described.ModelPackageVersion ?? approval.modelPackageVersion };
}
