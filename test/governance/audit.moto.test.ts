import '../lambda/record-lineage/quiet-env';
import { CodePipelineClient, ListActionExecutionsCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  CreateTrainingJobCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { auditEndpoint, cardOf, formatAuditAnswer, main } from '../../bin/mlops-audit';
import { createLineageRecorder } from '../../lambda/record-lineage/lineage-recorder';
import { createRecordHandler } from '../../lambda/record-lineage/record-handler';
import { MotoServer, startMotoServer } from '../harness/moto-server';
import { LineageFake, routeLineage } from '../lambda/record-lineage/lineage-fake';
import { actionExecutions, CONFIG, deploymentParameters, GROUP, jobEvent, PRODUCTION, REGION, REVIEWER, STAGING } from '../lambda/record-lineage/promotion-fixtures';

const ROLE = 'arn:aws:iam::123456789012:role/mlops-churn-jobs';
const TRAIN = 's3://mlops-churn-data-123456789012/data/train/';
const VALIDATION = 's3://mlops-churn-data-123456789012/data/validation/';
const EVALUATION = 's3://mlops-churn-data-123456789012/evaluation/3/evaluation.json';
const EXECUTION_1 = '11111111-2222-4333-8444-555555555555';
const EXECUTION_2 = '66666666-7777-4888-9999-000000000000';

/**
 * The audit answers "which model is this, trained on what, evaluated how, approved by whom,
 * deployed when and where" for a package promoted through staging to production. The registry
 * and the training job are in moto_server (real calls over HTTP); lineage (not in moto) is the
 * documented fake, seeded with what SageMaker creates by itself for a training job and a model
 * package, and written by the real recorder for each deployment.
 */
describe('mlops-audit for a package promoted through staging to production', () => {
  let moto: MotoServer;
  let sagemaker: SageMakerClient;
  const lineage = new LineageFake('123456789012', REGION);
  const codepipeline = new CodePipelineClient({ region: REGION });
  const pipelineMock = mockClient(codepipeline);
  let record: (event: unknown) => Promise<unknown>;

  beforeAll(async () => {
    moto = await startMotoServer();
    sagemaker = new SageMakerClient(moto.clientConfig);
    routeLineage(sagemaker, lineage);
    record = createRecordHandler({ config: CONFIG, codepipeline, record: createLineageRecorder({ config: CONFIG, sagemaker, codepipeline }) });
  });

  afterAll(async () => {
    await moto.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    lineage.reset();
    pipelineMock.reset();
    pipelineMock.on(PutJobSuccessResultCommand).resolves({});
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
  });

  /** A build: a training job and the package it registers, with what SageMaker records in lineage. */
  async function build(job: string, withLineage = true): Promise<string> {
    const trained = await sagemaker.send(new CreateTrainingJobCommand({
      TrainingJobName: job,
      RoleArn: ROLE,
      AlgorithmSpecification: { TrainingImage: '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
      InputDataConfig: [
        { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: TRAIN } } },
        { ChannelName: 'validation', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: VALIDATION } } },
      ],
      OutputDataConfig: { S3OutputPath: 's3://mlops-churn-data-123456789012/models' },
      ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    }));
    const modelData = `s3://mlops-churn-data-123456789012/models/${job}/output/model.tar.gz`;
    const created = await sagemaker.send(new CreateModelPackageCommand({
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: 'PendingManualApproval',
      InferenceSpecification: { Containers: [{ Image: '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1', ModelDataUrl: modelData }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: EVALUATION } } },
    }));
    const packageArn = created.ModelPackageArn!;
    if (withLineage) {
      // "SageMaker AI-Created Tracking Entities": a trial component per job, an artifact for its
      // model, an artifact for each model package and an association between the two.
      const component = lineage.seedTrialComponent(`${job}-aws-training-job`, trained.TrainingJobArn!);
      const model = lineage.seedArtifact(modelData, 'Model');
      const pkg = lineage.seedArtifact(packageArn, 'ModelPackage');
      lineage.seedAssociation(component, model, 'Produced');
      lineage.seedAssociation(model, pkg, 'ContributedTo');
    }
    return packageArn;
  }

  async function approve(packageArn: string, description: string): Promise<void> {
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: packageArn, ModelApprovalStatus: 'Approved', ApprovalDescription: description }));
  }

  /** The promotion of one package: staging, manual approval, production, each deployment recorded. */
  async function promote(packageArn: string, executionId: string): Promise<void> {
    pipelineMock.on(ListActionExecutionsCommand).resolves({ actionExecutionDetails: actionExecutions(executionId) });
    await record(jobEvent(deploymentParameters({ modelPackageArn: packageArn, executionId }), `job-s-${executionId}`));
    await record(jobEvent(deploymentParameters({ modelPackageArn: packageArn, executionId, stage: 'production' }), `job-p-${executionId}`));
  }

  test('the endpoint serves the package, trained by its job on its data, evaluated, approved twice, deployed to staging then production', async () => {
    // GIVEN
    const packageArn = await build('churn-train-3');
    await approve(packageArn, 'AUC 0.91 on the holdout, above the 0.85 bar');
    await promote(packageArn, EXECUTION_1);
    // WHEN
    const answer = await auditEndpoint({ sagemaker }, { endpointName: 'churn-production', account: PRODUCTION, region: REGION });
    // THEN which model
    expect(answer.found).toBe(true);
    expect(answer.current).toMatchObject({ modelPackageArn: packageArn, stage: 'production', account: PRODUCTION, pipelineExecutionId: EXECUTION_1 });
    expect(answer.modelPackage).toMatchObject({ arn: packageArn, group: GROUP, version: 1 });
    // trained on what
    expect(answer.trainingJob).toMatchObject({
      name: 'churn-train-3', foundThrough: 'lineage', status: 'Completed',
      inputs: [{ channel: 'train', uri: TRAIN }, { channel: 'validation', uri: VALIDATION }],
    });
    // evaluated how
    expect(answer.modelPackage!.evaluationReports).toEqual([{ kind: 'ModelQuality Statistics', uri: EVALUATION }]);
    // approved by whom
    expect(answer.modelPackage!.approval).toMatchObject({ status: 'Approved', description: 'AUC 0.91 on the holdout, above the 0.85 bar' });
    expect(answer.modelPackage!.approval.by).toMatch(/fake-user-profile-name/);
    // deployed when and where
    expect(answer.deploymentsOfPackage.map((d) => [d.stage, d.account, d.endpointName, d.deployedAt])).toEqual([
      ['staging', STAGING, 'churn-staging', '2026-11-23T10:20:00.000Z'],
      ['production', PRODUCTION, 'churn-production', '2026-11-23T11:25:00.000Z'],
    ]);
    expect(answer.deploymentsOfPackage[1].manualApproval).toEqual({ status: 'Succeeded', by: REVIEWER, summary: 'staging looked right: AUC 0.91 on the holdout', at: '2026-11-23T11:00:00.000Z' });
    expect(answer.deploymentsOfPackage[0].manualApproval).toBeUndefined();
  });

  test('the answer reads like a record', async () => {
    // GIVEN
    const packageArn = await build('churn-train-3');
    await approve(packageArn, 'AUC 0.91 on the holdout');
    await promote(packageArn, EXECUTION_1);
    // WHEN
    const text = formatAuditAnswer(await auditEndpoint({ sagemaker }, { endpointName: 'churn-production', account: PRODUCTION, region: REGION }));
    if (process.env.PRINT_AUDIT) process.stdout.write(text);
    // THEN
    expect(text).toContain(`Endpoint churn-production in ${PRODUCTION}/${REGION}\n  serves model package ${packageArn} (group churn, version 1)\n  deployed 2026-11-23T11:25:00.000Z (production) by mlops-churn-promotion execution ${EXECUTION_1}`);
    expect(text).toContain('  job churn-train-3 (Completed), found through lineage, image 141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1');
    expect(text).toContain(`  input train: ${TRAIN}`);
    expect(text).toContain(`  report ModelQuality Statistics: ${EVALUATION}`);
    expect(text).toMatch(/approval: Approved by .*fake-user-profile-name at .*: "AUC 0.91 on the holdout"/);
    expect(text).toContain(`production  ${PRODUCTION}/${REGION}  churn-production  execution ${EXECUTION_1}, promotion approved (Succeeded) by ${REVIEWER} at 2026-11-23T11:00:00.000Z: "staging looked right: AUC 0.91 on the holdout"`);
  });

  test('after a second promotion, the endpoint serves the newer package and the audit names the earlier one', async () => {
    // GIVEN
    const first = await build('churn-train-1');
    await approve(first, 'first');
    await promote(first, EXECUTION_1);
    const second = await build('churn-train-2');
    await approve(second, 'second');
    // later: the second execution's deployments happened a day after the first's
    pipelineMock.on(ListActionExecutionsCommand).resolves({
      actionExecutionDetails: actionExecutions(EXECUTION_2).map((e) => ({ ...e, lastUpdateTime: new Date(e.lastUpdateTime!.getTime() + 86_400_000) })),
    });
    await record(jobEvent(deploymentParameters({ modelPackageArn: second, executionId: EXECUTION_2 }), 'job-s-2'));
    await record(jobEvent(deploymentParameters({ modelPackageArn: second, executionId: EXECUTION_2, stage: 'production' }), 'job-p-2'));
    // WHEN
    const answer = await auditEndpoint({ sagemaker }, { endpointName: 'churn-production', account: PRODUCTION, region: REGION });
    // THEN
    expect(answer.current!.modelPackageArn).toBe(second);
    expect(answer.trainingJob!.name).toBe('churn-train-2');
    expect(answer.deploymentsToEndpoint.map((d) => d.modelPackageArn)).toEqual([first, second]);
    expect(answer.deploymentsOfPackage.map((d) => d.stage)).toEqual(['staging', 'production']);
    expect(formatAuditAnswer(answer)).toContain(`Earlier packages on this endpoint\n  2026-11-23T11:25:00.000Z  production  ${PRODUCTION}/${REGION}  churn-production  execution ${EXECUTION_1}`);
  });

  test('without SageMaker\'s lineage of the job, the training job is found through the package\'s model data, checked against the job', async () => {
    // GIVEN
    const packageArn = await build('churn-train-4', false);
    await approve(packageArn, 'ok');
    await promote(packageArn, EXECUTION_1);
    // WHEN
    const answer = await auditEndpoint({ sagemaker }, { endpointName: 'churn-production', account: PRODUCTION, region: REGION });
    // THEN
    expect(answer.trainingJob).toMatchObject({ name: 'churn-train-4', foundThrough: 'model data', modelArtifacts: 's3://mlops-churn-data-123456789012/models/churn-train-4/output/model.tar.gz' });
  });

  test('an endpoint no promotion recorded: not found, saying where it looked', async () => {
    // WHEN
    const answer = await auditEndpoint({ sagemaker }, { endpointName: 'fraud-production', account: PRODUCTION, region: REGION });
    // THEN
    expect(answer.found).toBe(false);
    expect(answer.reason).toBe(`no deployment to arn:aws:sagemaker:${REGION}:${PRODUCTION}:endpoint/fraud-production is recorded in this account's lineage: was it promoted by a pipeline with a PromotionLineageRecorder, and are these credentials of the tooling account and its region?`);
  });

  test('the command prints the answer, or JSON, and exits 0; 1 when nothing is recorded; 2 on bad arguments', async () => {
    // GIVEN
    const packageArn = await build('churn-train-3');
    await approve(packageArn, 'ok');
    await promote(packageArn, EXECUTION_1);
    const printed: string[] = [];
    const out = (t: string) => { printed.push(t); };
    // WHEN / THEN
    expect(await main(['--endpoint-name', 'churn-production', '--account', PRODUCTION, '--region', REGION], out, { sagemaker })).toBe(0);
    expect(printed.pop()).toContain(`serves model package ${packageArn}`);
    expect(await main(['--endpoint-name', 'churn-production', '--account', PRODUCTION, '--region', REGION, '--json'], out, { sagemaker })).toBe(0);
    expect(JSON.parse(printed.pop()!).trainingJob.name).toBe('churn-train-3');
    expect(await main(['--endpoint-name', 'churn-staging', '--account', PRODUCTION, '--region', REGION], out, { sagemaker })).toBe(1);
    expect(await main(['--endpoint-name', 'churn_prod', '--account', '33', '--region', 'mars'], out, { sagemaker })).toBe(2);
    expect(printed.pop()).toBe("mlops-audit: --endpoint-name 'churn_prod' is not an endpoint name; --account '33' is not a 12-digit account id; --region 'mars' is not a region\nusage: mlops-audit --endpoint-name <name> --account <12-digit id> --region <endpoint region> [--tooling-region <region>] [--json]\n");
  });
});

describe('mlops-audit reads the model card', () => {
  test('status, risk rating and the evaluation metrics of the model card schema', () => {
    // GIVEN a card as the build writes it (moto stores none, so the parsing is tested alone)
    const content = {
      intended_uses: { purpose_of_model: 'churn', risk_rating: 'Medium' },
      evaluation_details: [{ name: 'holdout', metric_groups: [{ name: 'binary classification', metric_data: [{ name: 'auc', type: 'number', value: 0.91 }, { name: 'f1', type: 'number', value: 0.78 }] }] }],
    };
    // WHEN
    const card = cardOf({ ModelCardStatus: 'Approved', ModelCardContent: JSON.stringify(content) });
    // THEN
    expect(card).toEqual({
      status: 'Approved', riskRating: 'Medium',
      metrics: [{ group: 'binary classification', name: 'auc', value: 0.91 }, { group: 'binary classification', name: 'f1', value: 0.78 }],
    });
    expect(cardOf({ ModelCardStatus: 'Draft', ModelCardContent: 'not json' })).toEqual({ status: 'Draft', riskRating: undefined, metrics: [] });
    expect(cardOf(undefined)).toBeUndefined();
  });
});
