process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
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

  test('without the variable, the newest approved package is redeployed (the approval handler\'s record agrees)', async () => {
    await register('Approved');
    const second = await register('Approved');
    await ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'String', Value: JSON.stringify({ modelPackageArn: second, modelPackageVersion: 2, eventId: 'e' }) }));
    await handler(job('LATEST_APPROVED'));
    expect(success()).toEqual([{ jobId: 'job-1', outputVariables: { ModelPackageArn: second, ModelPackageVersion: '2' } }]);
  });

  test('without the variable and with nothing approved yet, the execution fails before deploying', async () => {
    await handler(job('LATEST_APPROVED'));
    expect(success()).toEqual([]);
    expect(failure()[0].failureDetails!.message).toMatch(/no approved model package in group churn yet/);
  });

  test('LATEST_APPROVED is the newest approved version in the registry, approved before the platform existed and never recorded', async () => {
    // GIVEN: no SSM record at all
    await register('Approved');
    const second = await register('Approved');
    await register('PendingManualApproval');
    // WHEN
    await handler(job('LATEST_APPROVED'));
    // THEN
    expect(success()).toEqual([{ jobId: 'job-1', outputVariables: { ModelPackageArn: second, ModelPackageVersion: '2' } }]);
  });

  test('LATEST_APPROVED: a record that disagrees with the registry loses', async () => {
    // GIVEN: the record names v1, v2 is approved since
    const first = await register('Approved');
    const second = await register('Approved');
    await ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'String', Value: JSON.stringify({ modelPackageArn: first, modelPackageVersion: 1 }) }));
    // WHEN
    await handler(job('LATEST_APPROVED'));
    // THEN
    expect(success()).toEqual([{ jobId: 'job-1', outputVariables: { ModelPackageArn: second, ModelPackageVersion: '2' } }]);
  });

  test('LATEST_APPROVED: a newer version rejected since is skipped for the newest still approved', async () => {
    // GIVEN
    const first = await register('Approved');
    await register('Rejected');
    // WHEN
    await handler(job('LATEST_APPROVED'));
    // THEN
    expect(success()).toEqual([{ jobId: 'job-1', outputVariables: { ModelPackageArn: first, ModelPackageVersion: '1' } }]);
  });

  test('verify: a package still approved passes, one rejected after it was resolved fails the job before production', async () => {
    // GIVEN
    const arn = await register('Approved');
    const verify = (id: string) => ({ 'CodePipeline.job': { id, data: { actionConfiguration: { configuration: { UserParameters: JSON.stringify({ mode: 'verify', modelPackageArn: arn }) } } } } });
    await handler(verify('job-before'));
    // WHEN: rejected while the execution waited for the manual approval
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: 'Rejected' }));
    await handler(verify('job-after'));
    // THEN
    expect(success()).toEqual([{ jobId: 'job-before', outputVariables: { ModelPackageArn: arn, ModelPackageVersion: '1' } }]);
    expect(failure()).toEqual([{ jobId: 'job-after', failureDetails: { type: 'JobFailed', message: expect.stringMatching(/^verify before production: model package .* is Rejected, not Approved; production is not deployed$/) } }]);
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
    expect(failure()[0].failureDetails!.message).toMatch(/requestedModelPackageArn 'arn:aws:s3:::bucket\/key' is not a versioned model package ARN/);
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
    expect(decideModelPackage('churn', arn, { ModelPackageGroupName: 'churn', ModelApprovalStatus: 'Approved' })).toEqual({ deploy: true, modelPackageArn: arn, version: 3 });
  });

  test('reads the approval record as JSON or as a bare ARN, and nothing else', () => {
    expect(readApprovedRecord(JSON.stringify({ modelPackageArn: arn }))).toBe(arn);
    expect(readApprovedRecord(arn)).toBe(arn);
    expect(readApprovedRecord('{not json')).toBe('');
    expect(readApprovedRecord(undefined)).toBe('');
  });
});
