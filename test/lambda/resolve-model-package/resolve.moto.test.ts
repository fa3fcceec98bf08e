import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { MotoServer, startMotoServer } from '../../harness/moto-server';
import { loadResolveHandler } from './load-against-moto';

const GROUP = 'churn';
const PARAMETER = `/sagemaker-mlops/${GROUP}/approved-model-package`;

function job(requested: string, id = 'job-1'): unknown {
  return {
    'CodePipeline.job': {
      id,
      accountId: '111111111111',
      data: { actionConfiguration: { configuration: { FunctionName: 'resolve', UserParameters: JSON.stringify({ requestedModelPackageArn: requested }) } } },
    },
  };
}

/**
 * The resolve handler against moto_server: SageMaker and SSM are real calls over HTTP;
 * CodePipeline (not in moto) is mocked to capture the job result.
 */
describe('resolve-model-package against moto_server', () => {
  let moto: MotoServer;
  let sagemaker: SageMakerClient;
  let ssm: SSMClient;
  const pipelineMock = mockClient(CodePipelineClient);
  let handler: (event: unknown) => Promise<void>;
  let restore: () => void;

  beforeAll(async () => {
    moto = await startMotoServer();
    sagemaker = new SageMakerClient(moto.clientConfig);
    ssm = new SSMClient(moto.clientConfig);
    ({ handler, restore } = loadResolveHandler(moto, GROUP, PARAMETER));
  });

  afterAll(async () => {
    restore();
    await moto.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    pipelineMock.reset();
    pipelineMock.on(PutJobSuccessResultCommand).resolves({});
    pipelineMock.on(PutJobFailureResultCommand).resolves({});
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'fraud' }));
  });

  async function register(status: 'Approved' | 'Rejected' | 'PendingManualApproval', group = GROUP): Promise<string> {
    const created = await sagemaker.send(new CreateModelPackageCommand({ ModelPackageGroupName: group, ModelApprovalStatus: 'PendingManualApproval' }));
    if (status !== 'PendingManualApproval') {
      await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: created.ModelPackageArn!, ModelApprovalStatus: status }));
    }
    return created.ModelPackageArn!;
  }

  const success = () => pipelineMock.commandCalls(PutJobSuccessResultCommand).map((c) => c.args[0].input);
  const failure = () => pipelineMock.commandCalls(PutJobFailureResultCommand).map((c) => c.args[0].input);

  test('the variable names an approved package of the group: it is deployed', async () => {
    const arn = await register('Approved');
    await handler(job(arn));
    expect(failure()).toEqual([]);
    expect(success()).toEqual([{ jobId: 'job-1', outputVariables: { ModelPackageArn: arn, ModelPackageVersion: '1' } }]);
  });

  test('without the variable, the last approved package recorded by the approval handler is redeployed', async () => {
    await register('Approved');
    const second = await register('Approved');
    await ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'String', Value: JSON.stringify({ modelPackageArn: second, modelPackageVersion: 2, eventId: 'e' }) }));
    await handler(job('LATEST_APPROVED'));
    expect(success()).toEqual([{ jobId: 'job-1', outputVariables: { ModelPackageArn: second, ModelPackageVersion: '2' } }]);
  });

  test('without the variable and with nothing approved yet, the execution fails before deploying', async () => {
    await handler(job('LATEST_APPROVED'));
    expect(success()).toEqual([]);
    expect(failure()[0].failureDetails!.message).toMatch(/no approved model package is recorded for group churn yet/);
  });

  test('a package approved, then rejected, is not deployed', async () => {
    const arn = await register('Approved');
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: 'Rejected' }));
    await handler(job(arn));
    expect(success()).toEqual([]);
    expect(failure()[0].failureDetails!.message).toMatch(/is Rejected, not Approved/);
  });

  test('a pending package is not deployed', async () => {
    const arn = await register('PendingManualApproval');
    await handler(job(arn));
    expect(failure()[0].failureDetails!.message).toMatch(/is PendingManualApproval, not Approved/);
  });

  test('an approved package of another group is not deployed', async () => {
    const arn = await register('Approved', 'fraud');
    await handler(job(arn));
    expect(success()).toEqual([]);
    expect(failure()[0].failureDetails!.message).toMatch(/belongs to group fraud, not churn/);
  });

  test('a value that is not a package ARN is refused without a lookup', async () => {
    await handler(job('arn:aws:s3:::bucket/key'));
    expect(failure()[0].failureDetails!.message).toMatch(/is not a versioned model package ARN/);
  });

  test('a malformed job event is logged and counted, and answers nothing', async () => {
    await handler({ 'CodePipeline.job': { data: {} } });
    expect(success()).toEqual([]);
    expect(failure()).toEqual([]);
  });
});

describe('resolve-model-package decisions', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { decideModelPackage, readApprovedRecord } = require('../../../lambda/resolve-model-package/decide');
  const arn = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/3';

  test('deploys only an Approved package of the group', () => {
    expect(decideModelPackage('churn', arn, { ModelPackageGroupName: 'churn', ModelApprovalStatus: 'Approved', ModelPackageVersion: 3, ModelPackageArn: arn }))
      .toEqual({ deploy: true, modelPackageArn: arn, version: 3 });
    expect(decideModelPackage('churn', arn, undefined)).toEqual({ deploy: false, reason: `model package ${arn} was not found` });
  });

  test('reads the approval record as JSON or as a bare ARN, and nothing else', () => {
    expect(readApprovedRecord(JSON.stringify({ modelPackageArn: arn }))).toBe(arn);
    expect(readApprovedRecord(arn)).toBe(arn);
    expect(readApprovedRecord('{not json')).toBe('');
    expect(readApprovedRecord(undefined)).toBe('');
  });
});
