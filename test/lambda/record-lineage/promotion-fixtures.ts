import { ActionExecutionDetail } from '@aws-sdk/client-codepipeline';

/** Builders of what a promotion pipeline execution looks like to the lineage recorder. */

export const TOOLING = '123456789012';
export const STAGING = '222222222222';
export const PRODUCTION = '333333333333';
export const REGION = 'us-east-1';
export const PROJECT = 'churn';
export const GROUP = 'churn';
export const PIPELINE = 'mlops-churn-promotion';
export const EXECUTION = '0b5e6f1c-2d3a-4b5c-8d9e-0f1a2b3c4d5e';
export const REVIEWER = 'arn:aws:sts::123456789012:assumed-role/ml-reviewer/alice';

export const CONFIG = {
  projectName: PROJECT,
  modelPackageGroupName: GROUP,
  pipelineName: PIPELINE,
  pipelineAccount: TOOLING,
  pipelineRegion: REGION,
};

export interface DeploymentOptions {
  readonly modelPackageArn: string;
  readonly stage?: 'staging' | 'production';
  readonly executionId?: string;
}

/** The UserParameters `PromotionLineageRecorder` writes, as CodePipeline resolves them. */
export function deploymentParameters(options: DeploymentOptions): Record<string, unknown> {
  const production = options.stage === 'production';
  return {
    modelPackageArn: options.modelPackageArn,
    pipelineExecutionId: options.executionId ?? EXECUTION,
    stage: production ? 'production' : 'staging',
    account: production ? PRODUCTION : STAGING,
    region: REGION,
    endpointName: production ? 'churn-production' : 'churn-staging',
    stackName: production ? 'mlops-churn-production' : 'mlops-churn-staging',
    ...(production ? { manualApproval: { stageName: 'ApproveProduction', actionName: 'Approve' } } : {}),
  };
}

/** A CodePipeline Lambda-invoke job event (the parts CodePipeline sends that we read). */
export function jobEvent(userParameters: unknown, jobId = 'job-1'): unknown {
  return {
    'CodePipeline.job': {
      id: jobId,
      accountId: TOOLING,
      data: {
        actionConfiguration: { configuration: { FunctionName: 'record-lineage', UserParameters: JSON.stringify(userParameters) } },
        inputArtifacts: [],
        outputArtifacts: [],
      },
    },
  };
}

/** The action executions of one pipeline execution: both deployments and the manual approval. */
export function actionExecutions(executionId = EXECUTION): ActionExecutionDetail[] {
  const deploy = (stageName: string, stackName: string, at: string): ActionExecutionDetail => ({
    pipelineExecutionId: executionId,
    stageName,
    actionName: `Deploy-${stackName}`,
    status: 'Succeeded',
    lastUpdateTime: new Date(at),
    input: {
      actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CloudFormation', version: '1' },
      configuration: { StackName: stackName, ActionMode: 'CREATE_UPDATE' },
      region: REGION,
    },
  });
  return [
    deploy('DeployStaging', 'mlops-churn-staging', '2026-11-23T10:20:00Z'),
    {
      pipelineExecutionId: executionId,
      stageName: 'ApproveProduction',
      actionName: 'Approve',
      status: 'Succeeded',
      updatedBy: REVIEWER,
      lastUpdateTime: new Date('2026-11-23T11:00:00Z'),
      input: { actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } },
      output: { executionResult: { externalExecutionSummary: 'staging looked right: AUC 0.91 on the holdout' } },
    },
    deploy('Production-all', 'mlops-churn-production', '2026-11-23T11:25:00Z'),
  ];
}
