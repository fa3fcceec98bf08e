/** Builders of EventBridge "SageMaker Model Package State Change" events for the handler tests. */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const GROUP = 'churn';

export function packageArn(version: number, group = GROUP): string {
  return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${group}/${version}`;
}

export interface StateChangeOptions {
  readonly id?: string;
  readonly time?: string;
  readonly group?: string;
  readonly version?: number;
  readonly status?: string;
  readonly arn?: string;
}

/** An event as SageMaker sends it when a package of `group` changes to `status`. */
export function stateChangeEvent(options: StateChangeOptions = {}): Record<string, unknown> {
  const group = options.group ?? GROUP;
  const version = options.version ?? 1;
  return {
    'version': '0',
    'id': options.id ?? `evt-${group}-${version}-${options.status ?? 'Approved'}`,
    'detail-type': 'SageMaker Model Package State Change',
    'source': 'aws.sagemaker',
    'account': ACCOUNT,
    'time': options.time ?? '2026-11-23T10:00:00Z',
    'region': REGION,
    'resources': [options.arn ?? packageArn(version, group)],
    'detail': {
      ModelPackageGroupName: group,
      ModelPackageVersion: version,
      ModelPackageArn: options.arn ?? packageArn(version, group),
      ModelPackageName: group,
      CreationTime: 1763892000000,
      ModelApprovalStatus: options.status ?? 'Approved',
      ModelPackageStatus: 'Completed',
    },
  };
}
