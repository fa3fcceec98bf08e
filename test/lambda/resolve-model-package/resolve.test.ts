import '../approval-to-promotion/quiet-env';
import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createResolveHandler } from '../../../lambda/resolve-model-package/resolve-handler';
import { metrics } from '../../../lambda/shared/observability';

const GROUP = 'churn';
const ARN = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/3';
const sagemaker = new SageMakerClient({ region: 'eu-west-1' });
const ssm = new SSMClient({ region: 'eu-west-1' });
const codepipeline = new CodePipelineClient({ region: 'eu-west-1' });
const sagemakerMock = mockClient(sagemaker);
const ssmMock = mockClient(ssm);
const pipelineMock = mockClient(codepipeline);

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

function job(userParameters: unknown, id = 'job-1'): unknown {
  const configuration = userParameters === undefined ? {} : { UserParameters: typeof userParameters === 'string' ? userParameters : JSON.stringify(userParameters) };
  return { 'CodePipeline.job': { id, data: { actionConfiguration: { configuration } } } };
}

const sleeps: number[] = [];
const handle = createResolveHandler({
  config: { modelPackageGroupName: GROUP, approvedModelParameterName: '/sagemaker-mlops/churn/approved-model-package' },
  sagemaker,
  ssm,
  codepipeline,
  sleep: async (ms) => {
    sleeps.push(ms);
  },
});
const success = () => pipelineMock.commandCalls(PutJobSuccessResultCommand).map((c) => c.args[0].input);
const failures = () => pipelineMock.commandCalls(PutJobFailureResultCommand).map((c) => c.args[0].input);

beforeEach(() => {
  sleeps.length = 0;
  sagemakerMock.reset();
  ssmMock.reset();
  pipelineMock.reset();
  sagemakerMock.on(DescribeModelPackageCommand).resolves({ ModelPackageArn: ARN, ModelPackageGroupName: GROUP, ModelPackageVersion: 3, ModelApprovalStatus: 'Approved' } as never);
  sagemakerMock.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: ARN, ModelPackageVersion: 3, ModelApprovalStatus: 'Approved' }] } as never);
  ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ modelPackageArn: ARN }) } });
  pipelineMock.on(PutJobSuccessResultCommand).resolves({});
  pipelineMock.on(PutJobFailureResultCommand).resolves({});
});

describe('resolve: transient faults are retried', () => {
  test('throttling of DescribeModelPackage that outlasts the SDK is retried by the handler, and the job succeeds', async () => {
    // GIVEN
    sagemakerMock.on(DescribeModelPackageCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).rejectsOnce(throttled())
      .resolves({ ModelPackageArn: ARN, ModelPackageGroupName: GROUP, ModelPackageVersion: 3, ModelApprovalStatus: 'Approved' } as never);
    // WHEN
    const outcome = await handle(job({ requestedModelPackageArn: ARN }), { getRemainingTimeInMillis: () => 60_000 });
    // THEN
    expect(outcome).toEqual({ outcome: 'succeeded', jobId: 'job-1', modelPackageArn: ARN, version: 3 });
    expect(sagemakerMock.commandCalls(DescribeModelPackageCommand)).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    expect(failures()).toEqual([]);
  });

  test('throttling that never ends fails the job in time, saying it was transient', async () => {
    // GIVEN
    sagemakerMock.on(ListModelPackagesCommand).rejects(throttled());
    let clock = 0;
    const h = createResolveHandler({
      config: { modelPackageGroupName: GROUP, approvedModelParameterName: '/p' }, sagemaker, ssm, codepipeline,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    // WHEN
    const outcome = await h(job({ requestedModelPackageArn: 'LATEST_APPROVED' }), { getRemainingTimeInMillis: () => 20_000 - clock });
    // THEN
    expect(outcome).toEqual({ outcome: 'failed', jobId: 'job-1', message: expect.stringMatching(/^could not resolve the model package: ThrottlingException: Rate exceeded \(a transient fault that outlasted the retries: retry the stage\)$/) });
    expect(clock).toBeLessThan(20_000);
    expect(sagemakerMock.commandCalls(ListModelPackagesCommand).length).toBeGreaterThan(2);
  });

  test('a throttled answer is retried too: the job is answered', async () => {
    // GIVEN
    pipelineMock.on(PutJobSuccessResultCommand).rejectsOnce(throttled()).resolves({});
    // WHEN
    await handle(job({ requestedModelPackageArn: ARN }));
    // THEN
    expect(pipelineMock.commandCalls(PutJobSuccessResultCommand)).toHaveLength(2);
  });

  test('an answer refused because the job is no longer waiting is not an error', async () => {
    // GIVEN
    pipelineMock.on(PutJobSuccessResultCommand).rejects(Object.assign(new Error('invalid state'), { name: 'InvalidJobStateException' }));
    // WHEN / THEN
    await expect(handle(job({ requestedModelPackageArn: ARN }))).resolves.toMatchObject({ outcome: 'succeeded' });
  });
});

describe('resolve: every job it can identify is answered', () => {
  test.each([
    ['empty UserParameters', '', /^the action's UserParameters are empty: the action must pass a JSON object$/],
    ['no UserParameters', undefined, /^the action's UserParameters are empty/],
    ['UserParameters that are not JSON', '{"requestedModelPackageArn": ', /^the action's UserParameters are not JSON: \{"requestedModelPackageArn": $/],
    ['UserParameters that are not an object', '"arn"', /^the action's UserParameters must be a JSON object, got "arn"$/],
    ['a requested ARN that is not a string', { requestedModelPackageArn: 42 }, /^UserParameters of a resolve job are invalid: requestedModelPackageArn: must be a string/],
    ['no requested ARN', {}, /^UserParameters.requestedModelPackageArn is missing: pass the pipeline variable, #\{variables.ModelPackageArn\}$/],
    ['an unknown mode', { mode: 'deploy' }, /^UserParameters.mode must be 'resolve' or 'verify', got "deploy"$/],
    ['a verify job without the package', { mode: 'verify' }, /^UserParameters.modelPackageArn of a verify job is missing/],
    ['a verify job with a package that is not a string', { mode: 'verify', modelPackageArn: ['x'] }, /^UserParameters of a verify job are invalid: modelPackageArn: must be a string$/],
    ['a verify job with an unresolved variable', { mode: 'verify', modelPackageArn: '#{Resolve.ModelPackageArn}' }, /must be the resolved package \(#\{Resolve.ModelPackageArn\}\), got '#\{Resolve.ModelPackageArn\}'/],
  ])('%s: the job fails at once, naming what is wrong', async (_name, parameters, message) => {
    // WHEN
    const outcome = await handle(job(parameters));
    // THEN
    expect(outcome.outcome).toBe('failed');
    expect(failures()).toEqual([{ jobId: 'job-1', failureDetails: { type: 'JobFailed', message: expect.stringMatching(message) } }]);
    expect(sagemakerMock.calls()).toHaveLength(0);
  });

  test('a job event without an id is logged and counted, and answers nothing', async () => {
    // GIVEN
    const addMetric = jest.spyOn(metrics, 'addMetric');
    // WHEN
    const outcome = await handle({ 'CodePipeline.job': { data: {} } });
    // THEN
    expect(outcome).toEqual({ outcome: 'no-job', problem: expect.stringMatching(/^CodePipeline.job.id /) });
    expect(addMetric).toHaveBeenCalledWith('MalformedEvents', 'Count', 1);
    expect(pipelineMock.calls()).toHaveLength(0);
    addMetric.mockRestore();
  });
});

describe('resolve: LATEST_APPROVED and verify', () => {
  test('LATEST_APPROVED lists the group\'s approved versions newest first and takes the largest version', async () => {
    // GIVEN
    sagemakerMock.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [
      { ModelPackageArn: ARN.replace(/3$/, '2'), ModelPackageVersion: 2, ModelApprovalStatus: 'Approved' },
      { ModelPackageArn: ARN, ModelPackageVersion: 3, ModelApprovalStatus: 'Approved' },
    ] } as never);
    // WHEN
    await handle(job({ requestedModelPackageArn: 'LATEST_APPROVED' }));
    // THEN
    expect(sagemakerMock.commandCalls(ListModelPackagesCommand)[0].args[0].input).toEqual({
      ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 10,
    });
    expect(success()).toEqual([{ jobId: 'job-1', outputVariables: { ModelPackageArn: ARN, ModelPackageVersion: '3' } }]);
  });

  test('a record that cannot be read never fails the job: the registry decides', async () => {
    // GIVEN
    ssmMock.on(GetParameterCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    // WHEN
    await handle(job({ requestedModelPackageArn: 'LATEST_APPROVED' }));
    // THEN
    expect(success()).toHaveLength(1);
  });

  test('verify fails the job of a package rejected since it was resolved', async () => {
    // GIVEN
    sagemakerMock.on(DescribeModelPackageCommand).resolves({ ModelPackageArn: ARN, ModelPackageGroupName: GROUP, ModelPackageVersion: 3, ModelApprovalStatus: 'Rejected' } as never);
    // WHEN
    await handle(job({ mode: 'verify', modelPackageArn: ARN }));
    // THEN
    expect(failures()[0].failureDetails!.message).toBe(`verify before production: model package ${ARN} is Rejected, not Approved; production is not deployed`);
  });
});

describe('resolve: the served package\'s drift-check baselines for the production monitor', () => {
  const CONSTRAINTS = 's3://mlops-churn-data-111111111111/model-build/exec-1/DataQualityCheck/constraints.json';
  const STATISTICS = 's3://mlops-churn-data-111111111111/model-build/exec-1/DataQualityCheck/statistics.json';

  test('outputs the package\'s DriftCheckBaselines.ModelDataQuality as the variables the production template takes', async () => {
    // GIVEN a package registered with its data-quality baselines (botocore: DescribeModelPackageOutput.DriftCheckBaselines)
    sagemakerMock.on(DescribeModelPackageCommand).resolves({
      ModelPackageArn: ARN, ModelPackageGroupName: GROUP, ModelPackageVersion: 3, ModelApprovalStatus: 'Approved',
      DriftCheckBaselines: { ModelDataQuality: { Constraints: { ContentType: 'application/json', S3Uri: CONSTRAINTS }, Statistics: { ContentType: 'application/json', S3Uri: STATISTICS } } },
    } as never);
    // WHEN
    await handle(job({ requestedModelPackageArn: ARN, driftCheckBaselines: ['ModelDataQuality'] }));
    // THEN
    expect(success()).toEqual([{ jobId: 'job-1', outputVariables: {
      ModelPackageArn: ARN, ModelPackageVersion: '3', DataQualityConstraintsS3Uri: CONSTRAINTS, DataQualityStatisticsS3Uri: STATISTICS,
    } }]);
  });

  test('fails the job of a package without them, saying what the build must register', async () => {
    // WHEN the default package has no DriftCheckBaselines
    await handle(job({ requestedModelPackageArn: ARN, driftCheckBaselines: ['ModelDataQuality'] }));
    // THEN nothing is deployed: staging comes after resolve
    expect(success()).toEqual([]);
    expect(failures()[0].failureDetails!.message).toBe(`model package ${ARN} has no DriftCheckBaselines.ModelDataQuality (constraints and statistics), which the production monitor checks the traffic against: register them in the build (a data-quality QualityCheckStep whose baselines RegisterModel records, as ClassicModelBuild does)`);
  });

  test('fails the job asking for a baseline kind it does not know, naming the one it knows', async () => {
    await handle(job({ requestedModelPackageArn: ARN, driftCheckBaselines: ['ModelBias'] }));
    expect(failures()[0].failureDetails!.message).toMatch(/UserParameters of a resolve job are invalid: driftCheckBaselines.0: must list only 'ModelDataQuality'/);
  });
});
