/**
 * Records one deployment in SageMaker lineage, idempotently: every entity has a deterministic
 * name or a unique source URI and is looked up before it is created, every association is
 * listed before it is added, so recording the same deployment twice (a retried invocation, a
 * redriven dead letter, a retried pipeline action) leaves one action with the same two links.
 *
 * "An error occurs if you try to create an entity that already exists" (SageMaker developer
 * guide, Manually Create Tracking Entities): a create that loses a race to another delivery
 * answers that error, and we then read what the winner created.
 */
import { ActionExecutionDetail, CodePipelineClient, ListActionExecutionsCommand } from '@aws-sdk/client-codepipeline';
import {
  AddAssociationCommand,
  CreateActionCommand,
  CreateArtifactCommand,
  CreateContextCommand,
  DescribeActionCommand,
  DescribeContextCommand,
  DescribeModelPackageCommand,
  ListArtifactsCommand,
  ListAssociationsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { DECIDED_AT_KEY, DECIDED_BY_KEY } from '../model-card-status/card-status';
import { DeploymentParameters, groupOf, versionOf } from './deployment-parameters';
import {
  DEPLOYMENT_ACTION_TYPE,
  DEPLOYMENT_TO_ENDPOINT,
  deploymentActionName,
  ENDPOINT_CONTEXT_TYPE,
  endpointArn,
  endpointContextName,
  MODEL_PACKAGE_ARTIFACT_TYPE,
  PACKAGE_TO_DEPLOYMENT,
  packageArtifactName,
  partitionOf,
  Property,
  propertyValue,
  RECORDED_BY,
} from './lineage-names';

export interface LineageRecorderConfig {
  /** The project, in the names of the entities (the recorder's role is limited to them). */
  readonly projectName: string;
  /** The promotion pipeline whose executions deploy (for its action executions). */
  readonly pipelineName: string;
  /** The account and region of the pipeline (the pipeline's ARN is the action's source). */
  readonly pipelineAccount: string;
  readonly pipelineRegion: string;
}

export interface LineageRecorderDependencies {
  readonly config: LineageRecorderConfig;
  readonly sagemaker: SageMakerClient;
  readonly codepipeline: CodePipelineClient;
  /** The clock, for a deployment whose deploy action cannot be found. */
  readonly now?: () => Date;
}

export interface RecordedDeployment {
  readonly actionName: string;
  readonly actionArn: string;
  readonly packageArtifactArn: string;
  readonly endpointContextArn: string;
  /** Whether this call created the action (false: an earlier delivery did). */
  readonly created: boolean;
}

/** The name of the action a deployment is recorded as. */
export function actionNameFor(config: LineageRecorderConfig, params: DeploymentParameters): string {
  return deploymentActionName(config.projectName, {
    pipelineName: config.pipelineName,
    pipelineExecutionId: params.pipelineExecutionId,
    account: params.account,
    region: params.region,
    stackName: params.stackName,
  });
}

export function createLineageRecorder(deps: LineageRecorderDependencies): (params: DeploymentParameters) => Promise<RecordedDeployment> {
  const { config, sagemaker, codepipeline } = deps;
  const now = deps.now ?? (() => new Date());

  async function existingActionArn(name: string): Promise<string | undefined> {
    try {
      return (await sagemaker.send(new DescribeActionCommand({ ActionName: name }))).ActionArn;
    } catch (error) {
      if (isResourceNotFound(error)) return undefined;
      throw error;
    }
  }

  async function existingContextArn(name: string): Promise<string | undefined> {
    try {
      return (await sagemaker.send(new DescribeContextCommand({ ContextName: name }))).ContextArn;
    } catch (error) {
      if (isResourceNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The action executions of one pipeline execution (CodePipeline keeps them 12 months). */
  async function actionExecutions(executionId: string): Promise<ActionExecutionDetail[]> {
    const details: ActionExecutionDetail[] = [];
    let nextToken: string | undefined;
    do {
      const page = await codepipeline.send(new ListActionExecutionsCommand({
        pipelineName: config.pipelineName,
        filter: { pipelineExecutionId: executionId },
        nextToken,
      }));
      details.push(...(page.actionExecutionDetails ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return details;
  }

  async function deploymentProperties(params: DeploymentParameters, target: string): Promise<Record<string, string>> {
    const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: params.modelPackageArn }));
    const executions = await actionExecutions(params.pipelineExecutionId);
    // The deploy action of this stack in this execution: its last update is when it finished.
    const deploy = executions.find((e) => e.input?.actionTypeId?.category === 'Deploy'
      && e.input?.configuration?.StackName === params.stackName
      && (e.input?.region ?? config.pipelineRegion) === params.region);
    const approval = params.manualApproval
      ? executions.find((e) => e.stageName === params.manualApproval!.stageName && e.actionName === params.manualApproval!.actionName)
      : undefined;
    const metadata = described.CustomerMetadataProperties ?? {};
    const by = described.LastModifiedBy;
    const properties: Record<string, string | undefined> = {
      [Property.RecordedBy]: RECORDED_BY,
      [Property.Project]: config.projectName,
      [Property.Stage]: params.stage,
      [Property.TargetAccount]: params.account,
      [Property.TargetRegion]: params.region,
      [Property.EndpointName]: params.endpointName,
      [Property.EndpointArn]: target,
      [Property.StackName]: params.stackName,
      [Property.ModelPackageArn]: params.modelPackageArn,
      [Property.ModelPackageGroupName]: described.ModelPackageGroupName ?? groupOf(params.modelPackageArn),
      [Property.ModelPackageVersion]: String(described.ModelPackageVersion ?? versionOf(params.modelPackageArn)),
      [Property.PipelineName]: config.pipelineName,
      [Property.PipelineExecutionId]: params.pipelineExecutionId,
      [Property.DeployedAt]: (deploy?.lastUpdateTime ?? now()).toISOString(),
      [Property.PackageApprovalStatus]: described.ModelApprovalStatus,
      // The model card handler records who decided before its own update changes LastModifiedBy.
      [Property.PackageApprovedBy]: metadata[DECIDED_BY_KEY] ?? by?.IamIdentity?.Arn ?? by?.UserProfileArn ?? by?.UserProfileName,
      [Property.PackageApprovalDescription]: described.ApprovalDescription,
      [Property.PackageApprovedAt]: metadata[DECIDED_AT_KEY] ?? described.LastModifiedTime?.toISOString(),
      [Property.ManualApprovalStatus]: approval?.status,
      [Property.ManualApprovedBy]: approval?.updatedBy,
      [Property.ManualApprovalSummary]: approval?.output?.executionResult?.externalExecutionSummary,
      [Property.ManualApprovedAt]: approval?.lastUpdateTime?.toISOString(),
    };
    return Object.fromEntries(Object.entries(properties)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
      .map(([k, value]) => [k, propertyValue(value)]));
  }

  async function ensureAction(name: string, params: DeploymentParameters, target: string): Promise<{ arn: string; created: boolean }> {
    const existing = await existingActionArn(name);
    if (existing) return { arn: existing, created: false };
    const properties = await deploymentProperties(params, target);
    try {
      const created = await sagemaker.send(new CreateActionCommand({
        ActionName: name,
        ActionType: DEPLOYMENT_ACTION_TYPE,
        Source: {
          SourceUri: `arn:${partitionOf(params.modelPackageArn)}:codepipeline:${config.pipelineRegion}:${config.pipelineAccount}:${config.pipelineName}`,
          SourceType: 'CodePipelineExecution',
          SourceId: params.pipelineExecutionId,
        },
        Status: 'Completed',
        Description: `Deployment of ${params.modelPackageArn} to endpoint ${params.endpointName} (${params.stage}, ${params.account}/${params.region}) by ${config.pipelineName} execution ${params.pipelineExecutionId}`,
        Properties: properties,
      }));
      return { arn: created.ActionArn!, created: true };
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      return { arn: (await existingActionArn(name))!, created: false };
    }
  }

  async function packageArtifact(params: DeploymentParameters): Promise<string | undefined> {
    const listed = await sagemaker.send(new ListArtifactsCommand({ SourceUri: params.modelPackageArn }));
    return listed.ArtifactSummaries?.find((a) => a.ArtifactArn)?.ArtifactArn;
  }

  async function ensurePackageArtifact(params: DeploymentParameters): Promise<string> {
    const existing = await packageArtifact(params);
    if (existing) return existing;
    try {
      const created = await sagemaker.send(new CreateArtifactCommand({
        ArtifactName: packageArtifactName(config.projectName, params.modelPackageArn),
        ArtifactType: MODEL_PACKAGE_ARTIFACT_TYPE,
        Source: { SourceUri: params.modelPackageArn },
        Properties: { [Property.RecordedBy]: RECORDED_BY, [Property.ModelPackageGroupName]: groupOf(params.modelPackageArn) },
      }));
      return created.ArtifactArn!;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      return (await packageArtifact(params))!;
    }
  }

  async function ensureEndpointContext(params: DeploymentParameters, target: string): Promise<string> {
    const name = endpointContextName(config.projectName, target);
    const existing = await existingContextArn(name);
    if (existing) return existing;
    try {
      const created = await sagemaker.send(new CreateContextCommand({
        ContextName: name,
        ContextType: ENDPOINT_CONTEXT_TYPE,
        Source: { SourceUri: target },
        Description: `Endpoint ${params.endpointName} of ${config.projectName} in ${params.account}/${params.region} (${params.stage}), as the tooling account records its deployments`,
        Properties: {
          [Property.RecordedBy]: RECORDED_BY,
          [Property.Project]: config.projectName,
          [Property.Stage]: params.stage,
          [Property.TargetAccount]: params.account,
          [Property.TargetRegion]: params.region,
          [Property.EndpointName]: params.endpointName,
        },
      }));
      return created.ContextArn!;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      return (await existingContextArn(name))!;
    }
  }

  async function ensureAssociation(sourceArn: string, destinationArn: string, associationType: string): Promise<void> {
    const listed = await sagemaker.send(new ListAssociationsCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }));
    if ((listed.AssociationSummaries ?? []).length > 0) return;
    try {
      await sagemaker.send(new AddAssociationCommand({ SourceArn: sourceArn, DestinationArn: destinationArn, AssociationType: associationType as never }));
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  return async function record(params: DeploymentParameters): Promise<RecordedDeployment> {
    const target = endpointArn(partitionOf(params.modelPackageArn), params.region, params.account, params.endpointName);
    const actionName = actionNameFor(config, params);
    const action = await ensureAction(actionName, params, target);
    const packageArtifactArn = await ensurePackageArtifact(params);
    const endpointContextArn = await ensureEndpointContext(params, target);
    await ensureAssociation(packageArtifactArn, action.arn, PACKAGE_TO_DEPLOYMENT);
    await ensureAssociation(action.arn, endpointContextArn, DEPLOYMENT_TO_ENDPOINT);
    return { actionName, actionArn: action.arn, packageArtifactArn, endpointContextArn, created: action.created };
  };
}

function isResourceNotFound(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === 'ResourceNotFound' || (e.name === 'ValidationException' && /does not exist|not found/i.test(e.message ?? ''));
}

function isAlreadyExists(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return /already exists/i.test(e.message ?? '') && (e.name === 'ValidationException' || e.name === 'ConflictException' || e.name === 'ResourceInUse');
}
