import './quiet-env';
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createApprovalHandler, PromotionFailure, readApprovalHandlerConfig, TransientFailure } from '../../../lambda/approval-to-promotion/approval-handler';
import { logger, metrics } from '../../../lambda/shared/observability';
import { GROUP, packageArn, stateChangeEvent } from './approval-events';

const PARAMETER = `/sagemaker-mlops/${GROUP}/approved-model-package`;

function serviceError(name: string, httpStatusCode: number, fault: 'client' | 'server' = 'client'): Error {
  return Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: { httpStatusCode } });
}

describe('approval handler (mocked clients)', () => {
  const sagemaker = new SageMakerClient({ region: 'us-east-1' });
  const ssm = new SSMClient({ region: 'us-east-1' });
  const codepipeline = new CodePipelineClient({ region: 'us-east-1' });
  const sagemakerMock = mockClient(sagemaker);
  const ssmMock = mockClient(ssm);
  const pipelineMock = mockClient(codepipeline);
  const handle = createApprovalHandler({
    config: { modelPackageGroupName: GROUP, pipelineName: 'churn-promotion', pipelineVariableName: 'ModelPackageArn', approvedModelParameterName: PARAMETER },
    sagemaker,
    ssm,
    codepipeline,
  });

  beforeEach(() => {
    sagemakerMock.reset();
    ssmMock.reset();
    pipelineMock.reset();
    sagemakerMock.on(DescribeModelPackageCommand).resolves({
      ModelPackageArn: packageArn(3), ModelPackageGroupName: GROUP, ModelPackageVersion: 3, ModelApprovalStatus: 'Approved',
    } as never);
    ssmMock.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    ssmMock.on(PutParameterCommand).resolves({});
    pipelineMock.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: 'exec-3' });
  });

  test('starts the pipeline with the package ARN variable, then records it', async () => {
    // WHEN
    const outcome = await handle(stateChangeEvent({ id: 'e-3', version: 3 }));
    // THEN
    expect(outcome).toEqual({ outcome: 'started', pipelineExecutionId: 'exec-3' });
    expect(pipelineMock.commandCalls(StartPipelineExecutionCommand)[0].args[0].input).toMatchObject({
      name: 'churn-promotion',
      variables: [{ name: 'ModelPackageArn', value: packageArn(3) }],
    });
    const put = ssmMock.commandCalls(PutParameterCommand)[0].args[0].input;
    expect(put).toMatchObject({ Name: PARAMETER, Type: 'String', Overwrite: true });
    expect(JSON.parse(put.Value!)).toEqual({
      modelPackageArn: packageArn(3), modelPackageVersion: 3, eventId: 'e-3', approvedAt: '2026-11-23T10:00:00.000Z', pipelineExecutionId: 'exec-3',
    });
  });

  test('a value in the parameter that is not our record does not block a promotion', async () => {
    // GIVEN
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: packageArn(1) } });
    // WHEN
    const outcome = await handle(stateChangeEvent({ version: 3 }));
    // THEN
    expect(outcome.outcome).toBe('started');
  });

  test.each([
    ['DescribeModelPackage throttled', () => sagemakerMock.on(DescribeModelPackageCommand).rejects(serviceError('ThrottlingException', 400))],
    ['GetParameter server fault', () => ssmMock.on(GetParameterCommand).rejects(serviceError('InternalServerError', 500, 'server'))],
    ['StartPipelineExecution throttled', () => pipelineMock.on(StartPipelineExecutionCommand).rejects(serviceError('ThrottlingException', 400))],
    ['pipeline at its concurrent-execution limit', () => pipelineMock.on(StartPipelineExecutionCommand).rejects(serviceError('ConcurrentPipelineExecutionsLimitExceededException', 400))],
    ['PutParameter throttled', () => ssmMock.on(PutParameterCommand).rejects(serviceError('ThrottlingException', 400))],
  ])('throws TransientFailure so the platform retries: %s', async (_name, arrange) => {
    // GIVEN
    arrange();
    // WHEN / THEN
    await expect(handle(stateChangeEvent({ version: 3 }))).rejects.toBeInstanceOf(TransientFailure);
  });

  test('fails with PromotionFailure, not silently, when the role may not start the pipeline', async () => {
    // GIVEN
    pipelineMock.on(StartPipelineExecutionCommand).rejects(serviceError('AccessDeniedException', 403));
    // WHEN / THEN
    await expect(handle(stateChangeEvent({ version: 3 }))).rejects.toThrow(PromotionFailure);
    await expect(handle(stateChangeEvent({ version: 3 }))).rejects.toThrow(/StartPipelineExecution failed: AccessDeniedException/);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  test('a retry after a failed record makes the same start request (same client request token)', async () => {
    // GIVEN
    ssmMock.on(PutParameterCommand).rejectsOnce(serviceError('ThrottlingException', 400)).resolves({});
    const event = stateChangeEvent({ id: 'e-retry', version: 3 });
    // WHEN
    await expect(handle(event)).rejects.toBeInstanceOf(TransientFailure);
    await handle(event);
    // THEN
    const tokens = pipelineMock.commandCalls(StartPipelineExecutionCommand).map((c) => c.args[0].input.clientRequestToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]);
  });

  test('a malformed event is counted, not retried, and calls no service', async () => {
    // GIVEN
    const addMetric = jest.spyOn(metrics, 'addMetric');
    const warn = jest.spyOn(logger, 'warn');
    const event = stateChangeEvent();
    delete (event.detail as Record<string, unknown>).ModelPackageArn;
    // WHEN
    const outcome = await handle(event);
    // THEN
    expect(outcome).toEqual({ outcome: 'malformed', problems: [expect.stringMatching(/^detail\.ModelPackageArn: /)] });
    expect(addMetric).toHaveBeenCalledWith('MalformedEvents', 'Count', 1);
    expect(warn).toHaveBeenCalledWith('malformed event: not retried', { eventId: event.id, problems: outcome.outcome === 'malformed' ? outcome.problems : [] });
    expect(sagemakerMock.calls()).toHaveLength(0);
    expect(pipelineMock.calls()).toHaveLength(0);
    addMetric.mockRestore();
    warn.mockRestore();
  });

  test('an event not for us is not counted as malformed', async () => {
    // GIVEN
    const addMetric = jest.spyOn(metrics, 'addMetric');
    // WHEN
    const outcome = await handle(stateChangeEvent({ group: 'fraud' }));
    // THEN
    expect(outcome.outcome).toBe('ignored');
    expect(addMetric).not.toHaveBeenCalled();
    addMetric.mockRestore();
  });
});

describe('approval handler configuration', () => {
  test('fails the cold start naming every missing variable', () => {
    // WHEN / THEN
    expect(() => readApprovalHandlerConfig({ PIPELINE_NAME: 'p' })).toThrow(
      'missing required environment variable(s): MODEL_PACKAGE_GROUP_NAME, PIPELINE_VARIABLE_NAME, APPROVED_MODEL_PARAMETER_NAME',
    );
  });

  test('the module wires its handler from the environment at start-up', () => {
    // GIVEN
    const env = { MODEL_PACKAGE_GROUP_NAME: GROUP, PIPELINE_NAME: 'p', PIPELINE_VARIABLE_NAME: 'ModelPackageArn', APPROVED_MODEL_PARAMETER_NAME: PARAMETER };
    Object.assign(process.env, env);
    try {
      // WHEN
      let loaded: { handler?: unknown } = {};
      jest.isolateModules(() => {
        loaded = require('../../../lambda/approval-to-promotion/index');
      });
      // THEN
      expect(typeof loaded.handler).toBe('function');
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
    }
  });
});
