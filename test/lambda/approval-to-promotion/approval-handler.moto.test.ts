import './quiet-env';
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ApprovalOutcome, createApprovalHandler } from '../../../lambda/approval-to-promotion/approval-handler';
import { DynamoDbApprovalLedger } from '../../../lambda/approval-to-promotion/approval-ledger';
import { SerialProxy } from '../../harness/local-services';
import { MotoServer, startMotoServer } from '../../harness/moto-server';
import { GROUP, packageArn, stateChangeEvent } from './approval-events';

const PARAMETER = `/sagemaker-mlops/${GROUP}/approved-model-package`;
const PIPELINE = 'churn-promotion';
const TABLE = 'approval-ledger';

/**
 * Real SageMaker, SSM and DynamoDB calls over HTTP to moto_server: the registry's
 * LastModifiedTime, the ledger's conditional writes. CodePipeline is not in moto: its client is
 * mocked, and every StartPipelineExecution counts as a new execution (CodePipeline documents no
 * guarantee for a repeated client request token, so the tests do not rely on one).
 */
describe('approval handler against moto_server', () => {
  let moto: MotoServer;
  let sagemaker: SageMakerClient;
  let ssm: SSMClient;
  let dynamodb: DynamoDBClient;
  // DynamoDB requests pass one at a time, as DynamoDB's conditional writes are atomic and moto's are not (SerialProxy).
  let serialDynamoDb: SerialProxy;
  const codepipeline = new CodePipelineClient({ region: 'us-east-1' });
  const pipelineMock = mockClient(codepipeline);
  let handle: (event: unknown) => Promise<ApprovalOutcome>;

  beforeAll(async () => {
    moto = await startMotoServer();
    sagemaker = new SageMakerClient(moto.clientConfig);
    ssm = new SSMClient(moto.clientConfig);
    serialDynamoDb = await SerialProxy.start(moto.endpoint);
    dynamodb = new DynamoDBClient({ ...moto.clientConfig, endpoint: serialDynamoDb.endpoint });
    handle = createApprovalHandler({
      config: { modelPackageGroupName: GROUP, pipelineName: PIPELINE, pipelineVariableName: 'ModelPackageArn', approvedModelParameterName: PARAMETER, tableName: TABLE, lockLeaseMs: 45_000 },
      sagemaker,
      ssm,
      codepipeline,
      ledger: new DynamoDbApprovalLedger(dynamodb, TABLE),
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    });
  });

  afterAll(async () => {
    await serialDynamoDb?.stop();
    await moto.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    pipelineMock.reset();
    let executions = 0;
    pipelineMock.on(StartPipelineExecutionCommand).callsFake(() => ({ pipelineExecutionId: `exec-${++executions}` }));
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'fraud' }));
    await dynamodb.send(new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
  });

  async function register(group = GROUP): Promise<string> {
    const created = await sagemaker.send(new CreateModelPackageCommand({ ModelPackageGroupName: group, ModelApprovalStatus: 'PendingManualApproval' }));
    return created.ModelPackageArn!;
  }

  async function setStatus(arn: string, status: 'Approved' | 'Rejected'): Promise<void> {
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status }));
    // LastModifiedTime has millisecond resolution in the API: keep two changes apart.
    await new Promise((r) => setTimeout(r, 5));
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

  const started = () => pipelineMock.commandCalls(StartPipelineExecutionCommand).map((c) => c.args[0].input);

  test('an approved package starts one promotion with its ARN and is recorded', async () => {
    // GIVEN
    const arn = await register();
    await setStatus(arn, 'Approved');
    // WHEN
    const outcome = await handle(stateChangeEvent({ id: 'evt-1', version: 1 }));
    // THEN
    expect(arn).toBe(packageArn(1));
    expect(outcome).toEqual({ outcome: 'started', pipelineExecutionId: 'exec-1', modelPackageArn: arn });
    expect(started()).toEqual([{ name: PIPELINE, variables: [{ name: 'ModelPackageArn', value: arn }], clientRequestToken: expect.stringMatching(/^promote-[0-9a-f]{64}$/) }]);
    expect(await recorded()).toEqual({ modelPackageArn: arn, modelPackageVersion: 1, recordedAt: expect.any(String), pipelineExecutionId: 'exec-1' });
  });

  test('N events of one approval, one after the other, start one promotion', async () => {
    // GIVEN
    const arn = await register();
    await setStatus(arn, 'Approved');
    // WHEN
    for (let i = 0; i < 4; i++) await handle(stateChangeEvent({ id: `evt-${i}`, version: 1 }));
    // THEN
    expect(started()).toHaveLength(1);
  });

  test('N events of one approval handled concurrently start one promotion (conditional writes in DynamoDB)', async () => {
    // GIVEN
    const arn = await register();
    await setStatus(arn, 'Approved');
    // WHEN
    serialDynamoDb.maxWaiting = 0;
    const outcomes = await Promise.all([0, 1, 2, 3, 4].map((i) => handle(stateChangeEvent({ id: `evt-${i}`, version: 1 }))));
    // THEN the invocations raced for the ledger, and one started the promotion
    expect(serialDynamoDb.maxWaiting).toBeGreaterThan(1);
    expect(started()).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'started')).toHaveLength(1);
  });

  test('approve, reject, approve: exactly two promotions, and late deliveries of the first start nothing', async () => {
    // GIVEN
    const arn = await register();
    // WHEN
    await setStatus(arn, 'Approved');
    await handle(stateChangeEvent({ id: 'a1', version: 1 }));
    await setStatus(arn, 'Rejected');
    await handle(stateChangeEvent({ id: 'r1', version: 1, status: 'Rejected' }));
    await setStatus(arn, 'Approved');
    await handle(stateChangeEvent({ id: 'a2', version: 1 }));
    await handle(stateChangeEvent({ id: 'a1-late', version: 1 }));
    await handle(stateChangeEvent({ id: 'a2-dup', version: 1 }));
    // THEN
    expect(started().map((s) => s.variables![0].value)).toEqual([arn, arn]);
  });

  test.each([['v1 first', [1, 2]], ['v2 first', [2, 1]]])('v1 and v2 approved in the same second, events %s: the record ends on v2 and v1 starts nothing after v2', async (_name, order) => {
    // GIVEN
    const v1 = await register();
    const v2 = await register();
    await setStatus(v1, 'Approved');
    await setStatus(v2, 'Approved');
    // WHEN
    for (const version of order) await handle(stateChangeEvent({ id: `evt-${version}`, version, time: '2026-11-23T10:00:00Z' }));
    // THEN
    expect(started().map((s) => s.variables![0].value)).toEqual([v2]);
    expect((await recorded())?.modelPackageArn).toBe(v2);
  });

  test('a package of another group, or rejected when described, starts nothing', async () => {
    // GIVEN
    const foreign = await register('fraud');
    await setStatus(foreign, 'Approved');
    const arn = await register();
    await setStatus(arn, 'Approved');
    await setStatus(arn, 'Rejected');
    // WHEN
    const outcomes = [await handle(stateChangeEvent({ group: 'fraud', version: 1 })), await handle(stateChangeEvent({ version: 1 })), await handle(stateChangeEvent({ version: 42 }))];
    // THEN
    expect(outcomes.map((o) => o.outcome)).toEqual(['ignored', 'skipped', 'skipped']);
    expect(started()).toHaveLength(0);
  });
});
