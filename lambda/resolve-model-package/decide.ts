/** The variable value that asks for the last approved model package. */
export const LATEST_APPROVED = 'LATEST_APPROVED';

export interface DescribedPackage {
  readonly ModelPackageArn?: string;
  readonly ModelPackageGroupName?: string;
  readonly ModelPackageVersion?: number;
  readonly ModelApprovalStatus?: string;
}

export type Decision =
  | { readonly deploy: true; readonly modelPackageArn: string; readonly version: number }
  | { readonly deploy: false; readonly reason: string };

const PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9-]{1,63}\/\d+$/;

/** A versioned model package ARN: `arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>`. */
export function isModelPackageArn(arn: string): boolean {
  return PACKAGE_ARN.test(arn);
}

/**
 * Deploy only a versioned package of this group that is Approved at the time we look.
 */
export function decideModelPackage(groupName: string, arn: string, described: DescribedPackage | undefined): Decision {
  if (arn === '') {
    return { deploy: false, reason: `no approved model package is recorded for group ${groupName} yet: approve one in the model registry` };
  }
  if (!PACKAGE_ARN.test(arn)) {
    return { deploy: false, reason: `'${arn}' is not a versioned model package ARN` };
  }
  if (!described) {
    return { deploy: false, reason: `model package ${arn} was not found` };
  }
  if (described.ModelPackageGroupName !== groupName) {
    return { deploy: false, reason: `model package ${arn} belongs to group ${described.ModelPackageGroupName}, not ${groupName}` };
  }
  if (described.ModelApprovalStatus !== 'Approved') {
    return { deploy: false, reason: `model package ${arn} is ${described.ModelApprovalStatus ?? 'without approval status'}, not Approved` };
  }
  return { deploy: true, modelPackageArn: described.ModelPackageArn ?? arn, version: described.ModelPackageVersion ?? 0 };
}

/**
 * Reads the ARN out of the approval handler's record: JSON `{"modelPackageArn": ...}`, or a
 * bare ARN for records written by hand.
 */
export function readApprovedRecord(value: string | undefined): string {
  if (!value) return '';
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    try {
      const record = JSON.parse(trimmed) as { modelPackageArn?: unknown; arn?: unknown };
      const arn = record.modelPackageArn ?? record.arn;
      return typeof arn === 'string' ? arn : '';
    } catch {
      return '';
    }
  }
  return trimmed;
}
