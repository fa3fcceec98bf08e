import './quiet-env';
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ApprovalOutcome, createApprovalHandler } from '../../../lambda/approval-to-promotion/approval-handler';
import { MotoServer, startMotoServer } from '../../harness/moto-server';
import { GROUP, packageArn, stateChangeEvent } from './approval-events';

const PARAMETER = `/sagemaker-mlops/${GROUP}/approved-model-package`;
const PIPELINE = 'churn-promotion';

/**
 * Real SageMaker and SSM calls over HTTP to moto_server. CodePipeline is not in moto: its client
 * is mocked, answering like the service does for a repeated client request token (the same
 * execution, nothing new started).
 */
describe('approval handler against moto_server', () => {
  let moto: MotoServer;
  let sagemaker: SageMakerClient;
  let ssm: SSMClient;
  const codepipeline = new CodePipelineClient({ region: 'us-east-1' });
  const pipelineMock = mockClient(codepipeline);
  let executionsByToken: Map<string, string>;
  let handle: (event: unknown) => Promise<ApprovalOutcome>;

  beforeAll(async () => {
    moto = await startMotoServer();
    sagemaker = new SageMakerClient(moto.clientConfig);
    ssm = new SSMClient(moto.clientConfig);
    handle = createApprovalHandler({
      config: { modelPackageGroupName: GROUP, pipelineName: PIPELINE, pipelineVariableName: 'ModelPackageArn', approvedModelParameterName: PARAMETER },
      sagemaker,
      ssm,
      codepipeline,
    });
  });

  afterAll(async () => {
    await moto.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    pipelineMock.reset();
    executionsByToken = new Map();
    pipelineMock.on(StartPipelineExecutionCommand).callsFake((input) => {
      const token = input.clientRequestToken as string;
      if (!executionsByToken.has(token)) executionsByToken.set(token, `exec-${executionsByToken.size + 1}`);
      return { pipelineExecutionId: executionsByToken.get(token) };
    });
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'fraud' }));
  });

  async function register(group = GROUP): Promise<string> {
    const created = await sagemaker.send(new CreateModelPackageCommand({ ModelPackageGroupName: group, ModelApprovalStatus: 'PendingManualApproval' }));
    return created.ModelPackageArn!;
  }

  async function setStatus(arn: string, status: 'Approved' | 'Rejected'): Promise<void> {
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status }));
  }

  async function recorded(): Promise<Record<string, unknown> | undefined> {
    try {
      const got = await ssm.send(new GetParameterCommand({ Name: PARAMETER }));
      return JSON.parse(got.Parameter!.Value!);
    } catch (error) {
      if ((error as Error).name === 'ParameterNotFound') return undefined;
      throw error;
    }
  }

  const starts = () => pipelineMock.commandCalls(StartPipelineExecutionCommand);

  test('an approved package starts one promotion with its ARN and is recorded', async () => {
    // GIVEN
    const arn = await register();
    await setStatus(arn, 'Approved');
    // WHEN
    const outcome = await handle(stateChangeEvent({ id: 'evt-1', version: 1, time: '2026-11-23T10:00:00Z' }));
    // THEN
    expect(arn).toBe(packageArn(1));
    expect(outcome).toEqual({ outcome: 'started', pipelineExecutionId: 'exec-1' });
    expect(starts()).toHaveLength(1);
    expect(starts()[0].args[0].input).toEqual({
      name: PIPELINE,
      variables: [{ name: 'ModelPackageArn', value: arn }],
      clientRequestToken: expect.stringMatching(/^promote-[0-9a-f]{64}$/),
    });
    expect(await recorded()).toEqual({
      modelPackageArn: arn,
      modelPackageVersion: 1,
      eventId: 'evt-1',
      approvedAt: '2026-11-23T10:00:00.000Z',
      pipelineExecutionId: 'exec-1',
    });
  });

  test.each<[string, { status?: string; group?: string }]>([
    ['a rejected package', { status: 'Rejected' }],
    ['a package pending approval', { status: 'PendingManualApproval' }],
    ["another group's package", { group: 'fraud' }],
  ])('%s starts nothing', async (_name, options) => {
    // GIVEN
    const arn = await register(options.group ?? GROUP);
    await setStatus(arn, options.status === 'Rejected' ? 'Rejected' : 'Approved');
    // WHEN
    const outcome = await handle(stateChangeEvent({ ...options, version: 1 }));
    // THEN
    expect(outcome.outcome).toBe('ignored');
    expect(starts()).toHaveLength(0);
    expect(await recorded()).toBeUndefined();
  });

  test('the same event delivered twice starts one promotion', async () => {
    // GIVEN
    const arn = await register();
    await setStatus(arn, 'Approved');
    const event = stateChangeEvent({ id: 'evt-dup', version: 1 });
    // WHEN
    const first = await handle(event);
    const second = await handle(JSON.parse(JSON.stringify(event)));
    // THEN
    expect(first.outcome).toBe('started');
    expect(second).toEqual({ outcome: 'skipped', reason: expect.stringMatching(/event evt-dup already started promotion exec-1/) });
    expect(starts()).toHaveLength(1);
  });

  test('two deliveries racing past the record start one execution (same client request token)', async () => {
    // GIVEN
    const arn = await register();
    await setStatus(arn, 'Approved');
    const event = stateChangeEvent({ id: 'evt-race', version: 1 });
    // WHEN
    await Promise.all([handle(event), handle(event)]);
    // THEN
    const tokens = new Set(starts().map((c) => c.args[0].input.clientRequestToken));
    expect(tokens.size).toBe(1);
    expect(executionsByToken.size).toBe(1);
  });

  test('a package approved in the event but rejected when described starts nothing', async () => {
    // GIVEN
    const arn = await register();
    await setStatus(arn, 'Approved');
    await setStatus(arn, 'Rejected');
    // WHEN
    const outcome = await handle(stateChangeEvent({ version: 1 }));
    // THEN
    expect(outcome).toEqual({ outcome: 'skipped', reason: expect.stringMatching(/is now 'Rejected', no longer Approved/) });
    expect(starts()).toHaveLength(0);
    expect(await recorded()).toBeUndefined();
  });

  test('a package that does not exist starts nothing', async () => {
    // WHEN
    const outcome = await handle(stateChangeEvent({ version: 42 }));
    // THEN
    expect(outcome).toEqual({ outcome: 'skipped', reason: expect.stringMatching(/no longer exists/) });
    expect(starts()).toHaveLength(0);
  });

  test('an older approval arriving after a newer one starts nothing', async () => {
    // GIVEN
    const v1 = await register();
    const v2 = await register();
    await setStatus(v1, 'Approved');
    await setStatus(v2, 'Approved');
    // WHEN
    await handle(stateChangeEvent({ id: 'evt-v2', version: 2, time: '2026-11-23T10:05:00Z' }));
    const late = await handle(stateChangeEvent({ id: 'evt-v1', version: 1, time: '2026-11-23T10:00:00Z' }));
    // THEN
    expect(late).toEqual({ outcome: 'skipped', reason: expect.stringMatching(/later approval/) });
    expect(starts()).toHaveLength(1);
    expect((await recorded())?.modelPackageArn).toBe(v2);
  });

  test('re-approving an older version later rolls back to it', async () => {
    // GIVEN
    const v1 = await register();
    const v2 = await register();
    await setStatus(v1, 'Approved');
    await setStatus(v2, 'Approved');
    await handle(stateChangeEvent({ id: 'evt-v2', version: 2, time: '2026-11-23T10:05:00Z' }));
    // WHEN
    const rollback = await handle(stateChangeEvent({ id: 'evt-v1-again', version: 1, time: '2026-11-23T11:00:00Z' }));
    // THEN
    expect(rollback.outcome).toBe('started');
    expect(starts()).toHaveLength(2);
    expect((await recorded())?.modelPackageArn).toBe(v1);
  });
});
