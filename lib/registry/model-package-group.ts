import { IResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A SageMaker model package group: the registry of one model's versions.
 */
export interface IModelPackageGroup extends IResource {
  /**
   * The name of the model package group.
   *
   * @attribute
   */
  readonly modelPackageGroupName: string;

  /**
   * The ARN of the model package group.
   *
   * @attribute
   */
  readonly modelPackageGroupArn: string;

  /**
   * Grants describing and listing the group and its model packages.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants registering new model packages (versions) into the group.
   */
  grantRegister(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants changing the approval status of the group's model packages.
   */
  grantApprove(grantee: iam.IGrantable): iam.Grant;
}
