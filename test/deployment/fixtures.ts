import { App, Stack } from 'aws-cdk-lib';

/** The flags of cdk.json that the library's secure buckets rely on (access logs by bucket policy). */
export const CONTEXT = { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true, '@aws-cdk/aws-iam:minimizePolicies': true };

export const STAGING = { account: '222222222222', region: 'eu-west-1' };
export const PRODUCTION = { account: '333333333333', region: 'eu-west-1' };

/** Packages of the tooling account's registry. */
export const PACKAGE_ARN = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/3';
export const SHADOW_ARN = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/4';

export function newStagingStack(id = 'Staging'): Stack {
  return new Stack(new App({ context: CONTEXT }), id, { env: STAGING });
}
