import * as v from 'valibot';
import { describeIssues } from '../shared/codepipeline-job';

/** The variable value that asks for the newest approved model package. */
export const LATEST_APPROVED = 'LATEST_APPROVED';

export interface DescribedPackage {
  readonly ModelPackageArn?: string;
  readonly ModelPackageGroupName?: string;
  readonly ModelPackageVersion?: number;
  readonly ModelApprovalStatus?: string;
  /** What the build registered to check drift against (botocore: DescribeModelPackageOutput.DriftCheckBaselines). */
  readonly DriftCheckBaselines?: { readonly ModelDataQuality?: { readonly Constraints?: { readonly S3Uri?: string }; readonly Statistics?: { readonly S3Uri?: string } } };
}

export type Decision =
  | { readonly deploy: true; readonly modelPackageArn: string; readonly version: number }
  | { readonly deploy: false; readonly reason: string };

const PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9-]{1,63}\/(\d+)$/;

/** A versioned model package ARN: `arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>`. */
export function isModelPackageArn(arn: string): boolean {
  return PACKAGE_ARN.test(arn);
}

/** The version in a versioned model package ARN, or undefined. */
export function versionOf(arn: string): number | undefined {
  const m = PACKAGE_ARN.exec(arn);
  return m ? Number(m[1]) : undefined;
}

/**
 * Deploy only a versioned package of this group that is Approved at the time we look.
 */
export function decideModelPackage(groupName: string, arn: string, described: DescribedPackage | undefined): Decision {
  if (arn === '') {
    return { deploy: false, reason: `no approved model package in group ${groupName} yet: approve one in the model registry` };
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
  return { deploy: true, modelPackageArn: described.ModelPackageArn ?? arn, version: described.ModelPackageVersion ?? versionOf(arn) ?? 0 };
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

/** What one job asks: resolve the package an execution deploys, or verify it is still approved. */
export type ResolveRequest =
  | { readonly mode: 'resolve'; readonly requested: string; readonly driftCheckBaselines: readonly DriftCheckBaselineKind[] }
  | { readonly mode: 'verify'; readonly modelPackageArn: string };

/** The drift-check baselines a resolve job can also output, for the production monitor. */
export type DriftCheckBaselineKind = 'ModelDataQuality';

const ResolveParameters = v.looseObject({
  mode: v.optional(v.literal('resolve')),
  requestedModelPackageArn: v.string('must be a string: the pipeline variable, #{variables.ModelPackageArn}'),
  driftCheckBaselines: v.optional(v.array(v.literal('ModelDataQuality', "must list only 'ModelDataQuality'"))),
});
const VerifyParameters = v.looseObject({
  mode: v.literal('verify'),
  modelPackageArn: v.string('must be a string'),
});

/**
 * Reads the user parameters of a resolve or verify job:
 *   {"requestedModelPackageArn": "#{variables.ModelPackageArn}"}            (resolve)
 *   {"mode": "verify", "modelPackageArn": "#{Resolve.ModelPackageArn}"}    (verify)
 * Returns what is wrong, for the job's failure message, when they are neither.
 */
export function parseResolveRequest(parameters: Record<string, unknown>): ResolveRequest | { readonly problem: string } {
  const mode = parameters.mode;
  if (mode !== undefined && mode !== 'resolve' && mode !== 'verify') {
    return { problem: `UserParameters.mode must be 'resolve' or 'verify', got ${JSON.stringify(mode)}` };
  }
  if (mode === 'verify') {
    if (!('modelPackageArn' in parameters)) {
      return { problem: 'UserParameters.modelPackageArn of a verify job is missing: pass the resolved package, #{Resolve.ModelPackageArn}' };
    }
    const parsed = v.safeParse(VerifyParameters, parameters);
    if (!parsed.success) return { problem: `UserParameters of a verify job are invalid: ${describeIssues(parsed.issues)}` };
    const arn = parsed.output.modelPackageArn.trim();
    if (arn === '' || arn.startsWith('#{')) {
      return { problem: `UserParameters.modelPackageArn of a verify job must be the resolved package (#{Resolve.ModelPackageArn}), got '${arn}'` };
    }
    return { mode: 'verify', modelPackageArn: arn };
  }
  if (!('requestedModelPackageArn' in parameters)) {
    return { problem: 'UserParameters.requestedModelPackageArn is missing: pass the pipeline variable, #{variables.ModelPackageArn}' };
  }
  const parsed = v.safeParse(ResolveParameters, parameters);
  if (!parsed.success) return { problem: `UserParameters of a resolve job are invalid: ${describeIssues(parsed.issues)}` };
  return { mode: 'resolve', requested: parsed.output.requestedModelPackageArn.trim(), driftCheckBaselines: parsed.output.driftCheckBaselines ?? [] };
}

/**
 * The output variables carrying a package's drift-check baselines (the production template's
 * DataQualityConstraintsS3Uri and DataQualityStatisticsS3Uri parameters), or why the package
 * cannot be promoted with them.
 */
export function baselineVariables(arn: string, described: DescribedPackage | undefined, kinds: readonly DriftCheckBaselineKind[]): Record<string, string> | { readonly problem: string } {
  const variables: Record<string, string> = {};
  for (const kind of kinds) {
    const baselines = described?.DriftCheckBaselines?.[kind];
    const constraints = baselines?.Constraints?.S3Uri;
    const statistics = baselines?.Statistics?.S3Uri;
    if (!constraints || !statistics) {
      return { problem: `model package ${arn} has no DriftCheckBaselines.${kind} (constraints and statistics), which the production monitor checks the traffic against: register them in the build (a data-quality QualityCheckStep whose baselines RegisterModel records, as ClassicModelBuild does)` };
    }
    variables.DataQualityConstraintsS3Uri = constraints;
    variables.DataQualityStatisticsS3Uri = statistics;
  }
  return variables;
}
