/**
 * The shape of a promotion's record in SageMaker lineage, shared by the recorder and the audit:
 * which entities exist, how they are named, typed and linked.
 *
 *   model package artifact --ContributedTo--> deployment action --AssociatedWith--> endpoint context
 *
 * - The model package artifact is the one SageMaker creates for every model package
 *   ("SageMaker AI-Created Tracking Entities": an artifact for each model package), found by its
 *   `SourceUri`, the package ARN; the recorder creates it only when SageMaker has not.
 * - One deployment action per deployment (a stack deployed by one pipeline execution into one
 *   account and region), named from that key: recording it twice finds the same action.
 * - One endpoint context per endpoint, named from the endpoint's ARN. The endpoint lives in
 *   another account; the context is the tooling account's handle on it (lineage associations
 *   join lineage entities only, `AddAssociation`'s `AssociationEntityArn` pattern, and an entity
 *   of another account only through a shared lineage group).
 *
 * Association types follow AddAssociation's suggested uses: ContributedTo ("the source
 * contributed to the destination"), AssociatedWith ("the source is connected to the destination").
 */
import { createHash } from 'node:crypto';

/** Marks the entities this library records (a property of each), so readers can tell them apart. */
export const RECORDED_BY = 'cdk-sagemaker-mlops';

/** SageMaker's own type names for these entities (the SDK's `LineageSourceEnum`). */
export const DEPLOYMENT_ACTION_TYPE = 'ModelDeployment';
export const ENDPOINT_CONTEXT_TYPE = 'Endpoint';
export const MODEL_PACKAGE_ARTIFACT_TYPE = 'ModelPackage';

export const PACKAGE_TO_DEPLOYMENT = 'ContributedTo';
export const DEPLOYMENT_TO_ENDPOINT = 'AssociatedWith';

/** Name prefixes the recorder's role is limited to (`action/<prefix>*`, `context/<prefix>*`). */
export function deploymentActionPrefix(projectName: string): string {
  return `mlops-${projectName}-deploy-`;
}

export function endpointContextPrefix(projectName: string): string {
  return `mlops-${projectName}-endpoint-`;
}

export function packageArtifactPrefix(projectName: string): string {
  return `mlops-${projectName}-package-`;
}

/** What makes a deployment one deployment: the execution that deployed which stack where. */
export interface DeploymentKey {
  readonly pipelineName: string;
  readonly pipelineExecutionId: string;
  readonly account: string;
  readonly region: string;
  readonly stackName: string;
}

/**
 * The deployment action's name: the project's prefix and 40 hex of a SHA-256 of the key. Lineage
 * names are at most 120 of `[a-zA-Z0-9](-*[a-zA-Z0-9])*` (botocore `ExperimentEntityName`); a
 * 32-character project name gives 86.
 */
export function deploymentActionName(projectName: string, key: DeploymentKey): string {
  return `${deploymentActionPrefix(projectName)}${digest([key.pipelineName, key.pipelineExecutionId, key.account, key.region, key.stackName])}`;
}

/** The endpoint context's name, from the endpoint's ARN (context names: botocore `ContextName`). */
export function endpointContextName(projectName: string, endpointArnValue: string): string {
  return `${endpointContextPrefix(projectName)}${digest([endpointArnValue])}`;
}

/** The name of the package artifact the recorder creates when SageMaker has not created one. */
export function packageArtifactName(projectName: string, modelPackageArn: string): string {
  return `${packageArtifactPrefix(projectName)}${digest([modelPackageArn])}`;
}

/**
 * `arn:<partition>:sagemaker:<region>:<account>:endpoint/<name>`, with the name lower-cased as
 * SageMaker writes it in endpoint ARNs.
 */
export function endpointArn(partition: string, region: string, account: string, endpointName: string): string {
  return `arn:${partition}:sagemaker:${region}:${account}:endpoint/${endpointName.toLowerCase()}`;
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`, ...). */
export function partitionOf(arn: string): string {
  return arn.split(':')[1] || 'aws';
}

/** The deployment action's properties, by name (at most 30, botocore `LineageEntityParameters`). */
export const Property = {
  RecordedBy: 'RecordedBy',
  Project: 'Project',
  Stage: 'Stage',
  TargetAccount: 'TargetAccount',
  TargetRegion: 'TargetRegion',
  EndpointName: 'EndpointName',
  EndpointArn: 'EndpointArn',
  StackName: 'StackName',
  ModelPackageArn: 'ModelPackageArn',
  ModelPackageGroupName: 'ModelPackageGroupName',
  ModelPackageVersion: 'ModelPackageVersion',
  PipelineName: 'PipelineName',
  PipelineExecutionId: 'PipelineExecutionId',
  DeployedAt: 'DeployedAt',
  PackageApprovalStatus: 'PackageApprovalStatus',
  PackageApprovedBy: 'PackageApprovedBy',
  PackageApprovalDescription: 'PackageApprovalDescription',
  PackageApprovedAt: 'PackageApprovedAt',
  ManualApprovalStatus: 'ManualApprovalStatus',
  ManualApprovedBy: 'ManualApprovedBy',
  ManualApprovalSummary: 'ManualApprovalSummary',
  ManualApprovedAt: 'ManualApprovedAt',
} as const;

/** Property values are at most 2,500 characters (botocore `StringParameterValue`). */
export function propertyValue(value: string): string {
  return value.slice(0, 2500);
}

function digest(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40);
}
