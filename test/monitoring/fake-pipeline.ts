import { Resource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { IModelBuildPipeline } from '../../lib/pipeline/model-build-pipeline';

/**
 * A stand-in for `ModelBuildPipeline` whose grants do what `IModelBuildPipeline` documents:
 * start executions of this pipeline; list and describe this pipeline's executions.
 */
export class FakeBuildPipeline extends Resource implements IModelBuildPipeline {
  public readonly pipelineName: string;
  public readonly pipelineArn: string;

  constructor(scope: Construct, id: string, pipelineName: string) {
    super(scope, id);
    this.pipelineName = pipelineName;
    this.pipelineArn = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: pipelineName.toLowerCase() });
  }

  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:StartPipelineExecution'], resourceArns: [this.pipelineArn] });
  }

  public grantReadExecutions(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:ListPipelineExecutions', 'sagemaker:DescribePipelineExecution', 'sagemaker:ListPipelineParametersForExecution'],
      resourceArns: [this.pipelineArn, `${this.pipelineArn}/execution/*`],
    });
  }
}
