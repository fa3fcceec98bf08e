import { IResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A SageMaker model-build pipeline (`AWS::SageMaker::Pipeline`).
 */
export interface IModelBuildPipeline extends IResource {
  /**
   * The name of the pipeline.
   *
   * @attribute
   */
  readonly pipelineName: string;

  /**
   * The ARN of the pipeline.
   *
   * @attribute
   */
  readonly pipelineArn: string;

  /**
   * Grants starting executions of this pipeline (`sagemaker:StartPipelineExecution`).
   */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants listing and describing this pipeline's executions.
   */
  grantReadExecutions(grantee: iam.IGrantable): iam.Grant;
}
