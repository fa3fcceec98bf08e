/**
 * The UserParameters of a "record the deployment" action, as `PromotionLineageRecorder` writes
 * them into the pipeline, with CodePipeline's variables resolved at run time:
 *
 *   {"modelPackageArn": "#{Resolve.ModelPackageArn}", "pipelineExecutionId": "#{codepipeline.PipelineExecutionId}",
 *    "stage": "production-eu", "account": "333333333333", "region": "eu-west-1",
 *    "endpointName": "churn-production", "stackName": "mlops-churn-production",
 *    "manualApproval": {"stageName": "ApproveProduction", "actionName": "Approve"}}
 *
 * `manualApproval` names the approval action of the same execution that let this deployment
 * happen; staging has none. A variable CodePipeline did not resolve (`#{...}` left as it is)
 * is refused: the record would name nothing.
 */
import * as v from 'valibot';
import { describeIssues } from '../shared/codepipeline-job';

const VERSIONED_PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})\/(\d{1,9})$/;
/** CodePipeline stage and action names: `[A-Za-z0-9.@\-_]+`, at most 100 (PutApprovalResult). */
const PIPELINE_NAME_PART = /^[A-Za-z0-9.@\-_]{1,100}$/;

const resolved = (what: string) => v.check((s: string) => !s.includes('#{'), `${what} is an unresolved CodePipeline variable`);

const parametersSchema = v.object({
  modelPackageArn: v.pipe(v.string(), resolved('modelPackageArn'), v.regex(VERSIONED_PACKAGE_ARN, 'is not a versioned model package ARN')),
  pipelineExecutionId: v.pipe(v.string(), resolved('pipelineExecutionId'), v.regex(/^[0-9a-fA-F-]{1,64}$/, 'is not a pipeline execution id')),
  stage: v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of letters, digits and ._-')),
  account: v.pipe(v.string(), v.regex(/^\d{12}$/, 'is not a 12-digit account id')),
  region: v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'is not a region')),
  endpointName: v.pipe(v.string(), v.regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'is not an endpoint name')),
  stackName: v.pipe(v.string(), v.regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'is not a CloudFormation stack name')),
  manualApproval: v.optional(v.object({
    stageName: v.pipe(v.string(), v.regex(PIPELINE_NAME_PART, 'is not a CodePipeline stage name')),
    actionName: v.pipe(v.string(), v.regex(PIPELINE_NAME_PART, 'is not a CodePipeline action name')),
  })),
});

export type DeploymentParameters = v.InferOutput<typeof parametersSchema>;

/** The group of a versioned package ARN. */
export function groupOf(modelPackageArn: string): string {
  return VERSIONED_PACKAGE_ARN.exec(modelPackageArn)?.[1] ?? '';
}

/** The version of a versioned package ARN. */
export function versionOf(modelPackageArn: string): string {
  return VERSIONED_PACKAGE_ARN.exec(modelPackageArn)?.[2] ?? '';
}

/**
 * Reads and checks the parameters of one job, for the group this recorder serves. Returns the
 * reason when they cannot be used.
 */
export function parseDeploymentParameters(raw: unknown, groupName: string): DeploymentParameters | string {
  const parsed = v.safeParse(parametersSchema, raw);
  if (!parsed.success) {
    return `lineage record parameters are invalid: ${describeIssues(parsed.issues)}`;
  }
  const group = groupOf(parsed.output.modelPackageArn);
  if (group !== groupName) {
    return `model package ${parsed.output.modelPackageArn} is of group '${group}', not '${groupName}': this recorder records the promotions of ${groupName} only`;
  }
  return parsed.output;
}
