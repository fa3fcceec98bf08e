import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { checkResponse } from '../../../lambda/endpoint-smoke-test/check';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const pipeline = mockClient(CodePipelineClient);
const runtime = mockClient(SageMakerRuntimeClient);
const ssm = mockClient(SSMClient);
const sts = mockClient(STSClient);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../lambda/endpoint-smoke-test') as { handler: (e: unknown) => Promise<void> };

const PARAMS = {
  roleArn: 'arn:aws:iam::222222222222:role/mlops-churn-smoke-test',
  endpointName: 'churn-staging',
  region: 'eu-west-1',
  payloadParameterName: '/mlops/churn/smoke-test-payload',
  contentType: 'text/csv',
  expectedResponsePattern: '^0?\\.[0-9]+',
  modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/4',
};

function job(params: unknown): unknown {
  return { 'CodePipeline.job': { id: 'job-7', data: { actionConfiguration: { configuration: { UserParameters: JSON.stringify(params) } } } } };
}

const success = () => pipeline.commandCalls(PutJobSuccessResultCommand).map((c) => c.args[0].input);
const failures = () => pipeline.commandCalls(PutJobFailureResultCommand).map((c) => c.args[0].input.failureDetails!.message);

beforeEach(() => {
  for (const m of [pipeline, runtime, ssm, sts]) m.reset();
  pipeline.on(PutJobSuccessResultCommand).resolves({});
  pipeline.on(PutJobFailureResultCommand).resolves({});
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '42,1,0,12,79.5,1' } });
  sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'a', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() } });
});

describe('endpoint smoke test', () => {
  test('an answer that matches passes, invoking the staging endpoint with the sample as the staging role', async () => {
    // GIVEN
    runtime.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode('0.83') as any });
    // WHEN
    await handler(job(PARAMS));
    // THEN
    expect(failures()).toEqual([]);
    expect(success()).toEqual([expect.objectContaining({ jobId: 'job-7', outputVariables: expect.objectContaining({ ResponsePreview: '0.83' }) })]);
    expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.RoleArn).toBe(PARAMS.roleArn);
    const invoke = runtime.commandCalls(InvokeEndpointCommand)[0].args[0].input;
    expect(invoke.EndpointName).toBe('churn-staging');
    expect(new TextDecoder().decode(invoke.Body as Uint8Array)).toBe('42,1,0,12,79.5,1');
  });

  test('an unexpected answer fails the execution', async () => {
    runtime.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode('{"error":"bad input"}') as any });
    await handler(job(PARAMS));
    expect(success()).toEqual([]);
    expect(failures()[0]).toMatch(/does not match \^0\?\\\.\[0-9\]\+/);
  });

  test('an endpoint error fails the execution with its name', async () => {
    runtime.on(InvokeEndpointCommand).rejects(Object.assign(new Error('Received server error (500) from primary'), { name: 'ModelError' }));
    await handler(job(PARAMS));
    expect(failures()[0]).toMatch(/smoke test of endpoint churn-staging failed: ModelError: Received server error/);
  });

  test('a role that cannot be assumed fails the execution', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }));
    await handler(job(PARAMS));
    expect(failures()[0]).toMatch(/AccessDenied/);
    expect(runtime.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
  });

  test('invalid parameters fail the execution, naming the field', async () => {
    await handler(job({ ...PARAMS, roleArn: 'not-an-arn' }));
    expect(failures()[0]).toMatch(/smoke test parameters are invalid: roleArn/);
  });

  test('a malformed job event answers nothing', async () => {
    await handler({ hello: 'world' });
    expect(success()).toEqual([]);
    expect(failures()).toEqual([]);
  });
});

describe('checkResponse', () => {
  test('needs a non-empty answer, matching the pattern when there is one', () => {
    expect(checkResponse('', undefined)).toEqual({ ok: false, reason: 'the endpoint answered with an empty body' });
    expect(checkResponse('anything', undefined)).toEqual({ ok: true });
    expect(checkResponse('0.5', '^0\\.')).toEqual({ ok: true });
    expect(checkResponse('1', '(')).toEqual({ ok: false, reason: "expectedResponsePattern '(' is not a valid regular expression" });
  });
});
