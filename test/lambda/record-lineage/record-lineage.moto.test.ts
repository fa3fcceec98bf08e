import './quiet-env';
import { CodePipelineClient, ListActionExecutionsCommand, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { createLineageRecorder } from '../../../lambda/record-lineage/lineage-recorder';
import { deploymentActionName, endpointContextName } from '../../../lambda/record-lineage/lineage-names';
import { createRecordHandler, LineageWriteFailure, RecordOutcome } from '../../../lambda/record-lineage/record-handler';
import { metrics } from '../../../lambda/shared/observability';
import { MotoServer, startMotoServer } from '../../harness/moto-server';
import { LineageFake, routeLineage } from './lineage-fake';
import { actionExecutions, CONFIG, deploymentParameters, EXECUTION, GROUP, jobEvent, PIPELINE, PRODUCTION, PROJECT, REGION, REVIEWER, STAGING } from './promotion-fixtures';

/**
 * The recorder with the model registry in moto_server (real DescribeModelPackage calls over HTTP)
 * and lineage in `LineageFake` (moto has no lineage API). CodePipeline is not in moto: its client
 * is mocked with the action executions of one promotion.
 */
describe('record-lineage: a deployment becomes a lineage action from the package to the endpoint', () => {
  let moto: MotoServer;
  let sagemaker: SageMakerClient;
  const lineage = new LineageFake('123456789012', REGION);
  const codepipeline = new CodePipelineClient({ region: REGION });
  const pipelineMock = mockClient(codepipeline);
  let handle: (event: unknown) => Promise<RecordOutcome>;
  let packageArn: string;

  beforeAll(async () => {
    moto = await startMotoServer();
    sagemaker = new SageMakerClient(moto.clientConfig);
    routeLineage(sagemaker, lineage);
    handle = createRecordHandler({
      config: CONFIG,
      codepipeline,
      record: createLineageRecorder({ config: CONFIG, sagemaker, codepipeline }),
    });
  });

  afterAll(async () => {
    await moto.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    lineage.reset();
    pipelineMock.reset();
    pipelineMock.on(PutJobSuccessResultCommand).resolves({});
    pipelineMock.on(PutJobFailureResultCommand).resolves({});
    pipelineMock.on(ListActionExecutionsCommand).resolves({ actionExecutionDetails: actionExecutions() });
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
    packageArn = (await sagemaker.send(new CreateModelPackageCommand({ ModelPackageGroupName: GROUP, ModelApprovalStatus: 'PendingManualApproval' }))).ModelPackageArn!;
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: packageArn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'beats the current model on the holdout' }));
  });

  const actions = () => lineage.byType('Action', 'ModelDeployment');
  const successes = () => pipelineMock.commandCalls(PutJobSuccessResultCommand).map((c) => c.args[0].input);
  const failures = () => pipelineMock.commandCalls(PutJobFailureResultCommand).map((c) => c.args[0].input);

  test('a staging deployment: a ModelDeployment action linking the package artifact SageMaker made to a context of the staging endpoint', async () => {
    // GIVEN SageMaker's own artifact of the package ("an artifact for each model package")
    const packageArtifact = lineage.seedArtifact(packageArn, 'ModelPackage');
    // WHEN
    const outcome = await handle(jobEvent(deploymentParameters({ modelPackageArn: packageArn })));
    // THEN
    expect(outcome.outcome).toBe('recorded');
    const name = deploymentActionName(PROJECT, { pipelineName: PIPELINE, pipelineExecutionId: EXECUTION, account: STAGING, region: REGION, stackName: 'mlops-churn-staging' });
    expect(actions().map((a) => a.name)).toEqual([name]);
    const action = actions()[0];
    expect(action.status).toBe('Completed');
    expect(action.source).toEqual({ SourceUri: `arn:aws:codepipeline:${REGION}:123456789012:${PIPELINE}`, SourceType: 'CodePipelineExecution', SourceId: EXECUTION });
    expect(action.properties).toMatchObject({
      RecordedBy: 'cdk-sagemaker-mlops',
      Stage: 'staging',
      TargetAccount: STAGING,
      TargetRegion: REGION,
      EndpointName: 'churn-staging',
      EndpointArn: `arn:aws:sagemaker:${REGION}:${STAGING}:endpoint/churn-staging`,
      ModelPackageArn: packageArn,
      PipelineExecutionId: EXECUTION,
      DeployedAt: '2026-11-23T10:20:00.000Z',
      PackageApprovalStatus: 'Approved',
      PackageApprovalDescription: 'beats the current model on the holdout',
    });
    expect(action.properties.ManualApprovedBy).toBeUndefined();
    const [context] = lineage.byType('Context', 'Endpoint');
    expect(context.name).toBe(endpointContextName(PROJECT, `arn:aws:sagemaker:${REGION}:${STAGING}:endpoint/churn-staging`));
    expect(context.sourceUri).toBe(`arn:aws:sagemaker:${REGION}:${STAGING}:endpoint/churn-staging`);
    expect(lineage.associations.map((a) => [a.sourceArn, a.destinationArn, a.type])).toEqual([
      [packageArtifact, action.arn, 'ContributedTo'],
      [action.arn, context.arn, 'AssociatedWith'],
    ]);
    expect(lineage.byType('Artifact')).toHaveLength(1);
    expect(successes()).toEqual([{ jobId: 'job-1', outputVariables: { LineageActionName: name } }]);
  });

  test('a production deployment records who approved the package and who approved the promotion, with their words', async () => {
    // WHEN
    await handle(jobEvent(deploymentParameters({ modelPackageArn: packageArn, stage: 'production' })));
    // THEN
    const [action] = actions();
    expect(action.properties).toMatchObject({
      Stage: 'production',
      TargetAccount: PRODUCTION,
      EndpointArn: `arn:aws:sagemaker:${REGION}:${PRODUCTION}:endpoint/churn-production`,
      DeployedAt: '2026-11-23T11:25:00.000Z',
      ManualApprovalStatus: 'Succeeded',
      ManualApprovedBy: REVIEWER,
      ManualApprovalSummary: 'staging looked right: AUC 0.91 on the holdout',
      ManualApprovedAt: '2026-11-23T11:00:00.000Z',
    });
    // moto answers LastModifiedBy with its fake Studio user; the recorder keeps whatever the registry says.
    expect(action.properties.PackageApprovedBy).toMatch(/user-profile\/fake-domain-id\/fake-user-profile-name$/);
    expect(pipelineMock.commandCalls(ListActionExecutionsCommand)[0].args[0].input).toEqual({ pipelineName: PIPELINE, filter: { pipelineExecutionId: EXECUTION }, nextToken: undefined });
  });

  test('without an artifact of SageMaker for the package, the recorder creates one and links it', async () => {
    // WHEN
    await handle(jobEvent(deploymentParameters({ modelPackageArn: packageArn })));
    // THEN
    const artifacts = lineage.byType('Artifact', 'ModelPackage');
    expect(artifacts.map((a) => a.sourceUri)).toEqual([packageArn]);
    expect(lineage.associations[0]).toMatchObject({ sourceArn: artifacts[0].arn, destinationArn: actions()[0].arn });
  });

  test('the same deployment delivered twice is one action with one link each way', async () => {
    // GIVEN
    const event = jobEvent(deploymentParameters({ modelPackageArn: packageArn }));
    // WHEN
    await handle(event);
    await handle(event);
    // THEN
    expect(actions()).toHaveLength(1);
    expect(lineage.byType('Context')).toHaveLength(1);
    expect(lineage.associations).toHaveLength(2);
    expect(lineage.calls.filter((c) => c.command === 'CreateAction')).toHaveLength(1);
  });

  test('staging and production of one execution are two actions on two endpoint contexts, both from the one package artifact', async () => {
    // WHEN
    await handle(jobEvent(deploymentParameters({ modelPackageArn: packageArn }), 'job-staging'));
    await handle(jobEvent(deploymentParameters({ modelPackageArn: packageArn, stage: 'production' }), 'job-production'));
    // THEN
    expect(actions().map((a) => a.properties.Stage).sort()).toEqual(['production', 'staging']);
    expect(lineage.byType('Context', 'Endpoint').map((c) => c.sourceUri).sort()).toEqual([
      `arn:aws:sagemaker:${REGION}:${STAGING}:endpoint/churn-staging`,
      `arn:aws:sagemaker:${REGION}:${PRODUCTION}:endpoint/churn-production`,
    ]);
    expect(lineage.byType('Artifact')).toHaveLength(1);
  });

  test('a lineage write that fails does not undo the promotion: the job succeeded, the failure is counted and thrown, and the retry records it', async () => {
    // GIVEN the lineage API throttles the first attempt's CreateAction
    lineage.failNext('CreateAction', LineageFake.throttling());
    const addMetric = jest.spyOn(metrics, 'addMetric');
    const event = jobEvent(deploymentParameters({ modelPackageArn: packageArn, stage: 'production' }));
    // WHEN the first invocation runs
    const first = handle(event);
    // THEN the promotion goes on (the job succeeded), and the invocation fails, so Lambda retries it
    await expect(first).rejects.toThrow(LineageWriteFailure);
    await expect(first).rejects.toThrow(/recording deployment mlops-churn-deploy-[0-9a-f]{40} in lineage failed: ThrottlingException: Rate exceeded/);
    expect(successes()).toHaveLength(1);
    expect(failures()).toEqual([]);
    expect(addMetric).toHaveBeenCalledWith('LineageWriteFailures', 'Count', 1);
    expect(actions()).toEqual([]);
    // WHEN Lambda retries the same event; CodePipeline refuses to answer the finished job twice
    pipelineMock.on(PutJobSuccessResultCommand).rejects(Object.assign(new Error('job is not in progress'), { name: 'InvalidJobStateException' }));
    const retry = await handle(event);
    // THEN the deployment is recorded, once
    expect(retry.outcome).toBe('recorded');
    expect(actions()).toHaveLength(1);
    expect(lineage.associations).toHaveLength(2);
    addMetric.mockRestore();
  });

  test('a failure after the action was created: the retry completes the links and creates no second action', async () => {
    // GIVEN
    lineage.failNext('AddAssociation', LineageFake.throttling());
    const event = jobEvent(deploymentParameters({ modelPackageArn: packageArn }));
    // WHEN
    await expect(handle(event)).rejects.toThrow(LineageWriteFailure);
    expect(actions()).toHaveLength(1);
    expect(lineage.associations).toHaveLength(0);
    await handle(event);
    // THEN
    expect(actions()).toHaveLength(1);
    expect(lineage.associations).toHaveLength(2);
    expect(lineage.calls.filter((c) => c.command === 'CreateAction')).toHaveLength(1);
  });

  test('the account\'s quota of manually created actions is a failure like any other: thrown, retried, then dead-lettered', async () => {
    // GIVEN
    lineage.failNext('CreateAction', LineageFake.limitExceeded(), 3);
    const event = jobEvent(deploymentParameters({ modelPackageArn: packageArn }));
    // WHEN / THEN
    await expect(handle(event)).rejects.toThrow(/ResourceLimitExceeded/);
    expect(successes()).toHaveLength(1);
  });

  test('a variable CodePipeline did not resolve fails the job: the pipeline definition is wrong and a person must see it', async () => {
    // WHEN
    const outcome = await handle(jobEvent({ ...deploymentParameters({ modelPackageArn: packageArn }), pipelineExecutionId: '#{codepipeline.PipelineExecutionId}' }));
    // THEN
    expect(outcome.outcome).toBe('refused');
    expect(failures()[0].failureDetails!.message).toMatch(/pipelineExecutionId: pipelineExecutionId is an unresolved CodePipeline variable/);
    expect(successes()).toEqual([]);
    expect(lineage.calls).toEqual([]);
  });

  test('a package of another group fails the job', async () => {
    // WHEN
    const outcome = await handle(jobEvent(deploymentParameters({ modelPackageArn: packageArn.replace('/churn/', '/fraud/') })));
    // THEN
    expect(outcome.outcome).toBe('refused');
    expect(failures()[0].failureDetails!.message).toMatch(/is of group 'fraud', not 'churn'/);
  });

  test('a malformed job event is logged and counted, and answers nothing', async () => {
    // WHEN
    const outcome = await handle({ 'CodePipeline.job': { data: {} } });
    // THEN
    expect(outcome.outcome).toBe('malformed');
    expect(successes()).toEqual([]);
    expect(failures()).toEqual([]);
  });
});
