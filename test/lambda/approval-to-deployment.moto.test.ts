import './approval-to-promotion/quiet-env';
import {
  CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand, StartPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createApprovalHandler } from '../../lambda/approval-to-promotion/approval-handler';
import { DynamoDbApprovalLedger } from '../../lambda/approval-to-promotion/approval-ledger';
import { MotoServer, startMotoServer } from '../harness/moto-server';
import { loadResolveHandler } from './resolve-model-package/load-against-moto';
import { stateChangeEvent } from './approval-to-promotion/approval-events';

const GROUP = 'churn';
const PARAMETER = `/sagemaker-mlops/${GROUP}/approved-model-package`;

/**
 * The two handlers of the promotion path agree: what the approval handler starts the pipeline
 * with, and records in SSM, is what the pipeline's first action deploys, with the variable and
 * without it (a redeploy of the last approved package). SageMaker and SSM are moto over HTTP;
 * CodePipeline is mocked and hands the started variable to the first action, as the service does.
 */
describe('approval → promotion → resolved model package, against moto_server', () => {
  let moto: MotoServer;
  let sagemaker: SageMakerClient;
  const codepipeline = mockClient(CodePipelineClient);
  let resolve: (event: unknown) => Promise<void>;
  let restore: () => void;

  beforeAll(async () => {
    moto = await startMotoServer();
    sagemaker = new SageMakerClient(moto.clientConfig);
    ({ handler: resolve, restore } = loadResolveHandler(moto, GROUP, PARAMETER));
  });

  afterAll(async () => {
    restore();
    await moto.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    codepipeline.reset();
    codepipeline.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: 'exec-1' });
    codepipeline.on(PutJobSuccessResultCommand).resolves({});
    codepipeline.on(PutJobFailureResultCommand).resolves({});
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
    await new DynamoDBClient(moto.clientConfig).send(new CreateTableCommand({
      TableName: 'ledger', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
    }));
  });

  const job = (requested: string) => ({
    'CodePipeline.job': { id: 'job-1', data: { actionConfiguration: { configuration: { UserParameters: JSON.stringify({ requestedModelPackageArn: requested }) } } } },
  });

  test('an approved package is what the promotion deploys, with the variable and when redeployed without it', async () => {
    // GIVEN a package approved in the registry, and its approval event
    const arn = (await sagemaker.send(new CreateModelPackageCommand({ ModelPackageGroupName: GROUP, ModelApprovalStatus: 'PendingManualApproval' }))).ModelPackageArn!;
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved' }));
    const approve = createApprovalHandler({
      config: { modelPackageGroupName: GROUP, pipelineName: 'churn-promotion', pipelineVariableName: 'ModelPackageArn', approvedModelParameterName: PARAMETER, tableName: 'ledger', lockLeaseMs: 45_000 },
      sagemaker,
      ssm: new SSMClient(moto.clientConfig),
      codepipeline: new CodePipelineClient({ region: 'us-east-1' }),
      ledger: new DynamoDbApprovalLedger(new DynamoDBClient(moto.clientConfig), 'ledger'),
    });
    // WHEN the approval handler starts the promotion
    await approve(stateChangeEvent({ arn, version: 1, id: 'evt-approved' }));
    const started = codepipeline.commandCalls(StartPipelineExecutionCommand)[0].args[0].input;
    const variable = started.variables!.find((v) => v.name === 'ModelPackageArn')!.value!;
    // THEN the pipeline's first action deploys that package
    await resolve(job(variable));
    // AND a later run without the variable (a redeploy) deploys the package the approval recorded
    await resolve(job('LATEST_APPROVED'));
    const resolved = codepipeline.commandCalls(PutJobSuccessResultCommand).map((c) => c.args[0].input.outputVariables!.ModelPackageArn);
    expect(resolved).toEqual([arn, arn]);
    expect(codepipeline.commandCalls(PutJobFailureResultCommand)).toHaveLength(0);
  });
});
