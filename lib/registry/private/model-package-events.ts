import * as events from 'aws-cdk-lib/aws-events';

/** The EventBridge `detail-type` SageMaker sends when a model package changes. */
export const MODEL_PACKAGE_STATE_CHANGE = 'SageMaker Model Package State Change';

/** The pattern of state changes of one group's packages, optionally only to `Approved`. */
export function modelPackageStateChangePattern(modelPackageGroupName: string, approvedOnly: boolean): events.EventPattern {
  return {
    source: ['aws.sagemaker'],
    detailType: [MODEL_PACKAGE_STATE_CHANGE],
    detail: approvedOnly
      ? { ModelPackageGroupName: [modelPackageGroupName], ModelApprovalStatus: ['Approved'] }
      : { ModelPackageGroupName: [modelPackageGroupName] },
  };
}
