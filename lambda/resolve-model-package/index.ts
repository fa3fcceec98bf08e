/**
 * First action of a promotion: decides which model package this execution deploys.
 *
 * Input: a CodePipeline Lambda-invoke job whose UserParameters are
 *   {"requestedModelPackageArn": "#{variables.ModelPackageArn}"}
 * The approval handler starts the pipeline with that variable set to the approved package.
 * When the pipeline runs without it (created, its source changed, a person pressed "Release
 * change"), the variable holds LATEST_APPROVED and we redeploy the last approved package that
 * the approval handler recorded in SSM. Either way the package must still be Approved in this
 * project's group when we look: never an empty, unapproved or foreign one.
 *
 * Output variables: ModelPackageArn, ModelPackageVersion.
 */
import { CodePipelineClient, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { failJob, parseCodePipelineJob } from '../shared/codepipeline-job';
import { readEnvironment } from '../shared/environment';
import { countMalformedEvent, logger } from '../shared/observability';
import { decideModelPackage, isModelPackageArn, LATEST_APPROVED, readApprovedRecord } from './decide';

const config = readEnvironment(['MODEL_PACKAGE_GROUP_NAME', 'APPROVED_MODEL_PARAMETER_NAME']);
const codepipeline = new CodePipelineClient({});
const sagemaker = new SageMakerClient({});
const ssm = new SSMClient({});

export { LATEST_APPROVED };

export async function handler(event: unknown): Promise<void> {
  const job = parseCodePipelineJob(event);
  if (typeof job === 'string') {
    // Without a job id there is nobody to answer: the action times out and the pipeline fails.
    logger.error('malformed CodePipeline job event', { reason: job });
    countMalformedEvent();
    return;
  }
  try {
    const requested = (job.userParameters as { requestedModelPackageArn?: unknown }).requestedModelPackageArn;
    let arn = typeof requested === 'string' ? requested.trim() : '';
    let source = 'pipeline variable';
    if (arn === '' || arn === LATEST_APPROVED || arn.startsWith('#{')) {
      source = `last approved (${config.APPROVED_MODEL_PARAMETER_NAME})`;
      arn = await lastApprovedArn();
    }
    const described = isModelPackageArn(arn) ? await describe(arn) : undefined;
    const decision = decideModelPackage(config.MODEL_PACKAGE_GROUP_NAME, arn, described);
    if (!decision.deploy) {
      logger.warn('promotion refused', { jobId: job.jobId, source, modelPackageArn: arn, reason: decision.reason });
      await fail(job.jobId, decision.reason);
      return;
    }
    await codepipeline.send(new PutJobSuccessResultCommand({
      jobId: job.jobId,
      outputVariables: { ModelPackageArn: decision.modelPackageArn, ModelPackageVersion: String(decision.version) },
    }));
    logger.info('model package resolved', { jobId: job.jobId, source, modelPackageArn: decision.modelPackageArn, version: decision.version });
  } catch (error) {
    logger.error('could not resolve the model package', { jobId: job.jobId, error: error as Error });
    await fail(job.jobId, `could not resolve the model package: ${(error as Error).message}`);
  }
}

async function describe(arn: string) {
  try {
    return await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
  } catch (error) {
    // SageMaker answers a ValidationException for a package that does not exist.
    if ((error as Error).name === 'ValidationException' && /not (be )?found|does not exist/i.test((error as Error).message)) {
      return undefined;
    }
    throw error;
  }
}

async function lastApprovedArn(): Promise<string> {
  try {
    const parameter = await ssm.send(new GetParameterCommand({ Name: config.APPROVED_MODEL_PARAMETER_NAME }));
    return readApprovedRecord(parameter.Parameter?.Value);
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') {
      return '';
    }
    throw error;
  }
}

function fail(jobId: string, message: string): Promise<void> {
  return failJob(codepipeline, jobId, message);
}
