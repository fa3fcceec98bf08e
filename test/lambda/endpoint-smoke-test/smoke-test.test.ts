import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { checkResponse, checkServedPackage, packageIdentity } from '../../../lambda/endpoint-smoke-test/check';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.AWS_REGION = 'eu-west-1';

const pipeline = mockClient(CodePipelineClient);
const runtime = mockClient(SageMakerRuntimeClient);
const sagemaker = mockClient(SageMakerClient);
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
  for (const m of [pipeline, runtime, ssm, sts, sagemaker]) m.reset();
  sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'churn-staging', EndpointStatus: 'InService', EndpointConfigName: 'cfg-1' } as never);
  sagemaker.on(DescribeEndpointConfigCommand).resolves({ EndpointConfigName: 'cfg-1', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'model-1' }] } as never);
  sagemaker.on(DescribeModelCommand).resolves({ ModelName: 'model-1', PrimaryContainer: { ModelPackageName: PARAMS.modelPackageArn } } as never);
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
    expect(failures()[0]).toMatch(/smoke test parameters are invalid: roleArn: must be the ARN of the staging smoke-test role/);
  });

  test.each([
    ['without the resolved package', { ...PARAMS, modelPackageArn: undefined }, /^smoke test parameters are invalid: modelPackageArn: is missing$/],
    ['with the resolved package still a variable', { ...PARAMS, modelPackageArn: '#{Resolve.ModelPackageArn}' }, /modelPackageArn: must be the resolved package, #\{Resolve.ModelPackageArn\}, not an unresolved variable/],
  ])('a job %s fails at once: it could not check which model the endpoint serves', async (_name, params, message) => {
    await handler(job(params));
    expect(failures()[0]).toMatch(message);
    expect(runtime.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
  });

  test('UserParameters that are not JSON fail the execution at once', async () => {
    await handler({ 'CodePipeline.job': { id: 'job-7', data: { actionConfiguration: { configuration: { UserParameters: '{not json' } } } } });
    expect(failures()).toEqual([expect.stringMatching(/^smoke test parameters are invalid: the action's UserParameters are not JSON/)]);
  });

  test('the staging endpoint serving another package fails the smoke test, naming both packages', async () => {
    // GIVEN: a newer execution redeployed staging with version 5
    const other = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/5';
    sagemaker.on(DescribeModelCommand).resolves({ ModelName: 'model-2', PrimaryContainer: { ModelPackageName: other } } as never);
    runtime.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode('0.83') as any });
    // WHEN
    await handler(job(PARAMS));
    // THEN
    expect(success()).toEqual([]);
    expect(failures()).toEqual([`endpoint churn-staging serves ${other} (model model-1, variant AllTraffic), not the resolved model package ${PARAMS.modelPackageArn}`]);
    expect(runtime.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
  });

  test('reads what the endpoint serves through the staging role: DescribeEndpoint, DescribeEndpointConfig, DescribeModel', async () => {
    // GIVEN
    runtime.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode('0.83') as any });
    // WHEN
    await handler(job(PARAMS));
    // THEN
    expect(sagemaker.commandCalls(DescribeEndpointCommand)[0].args[0].input).toEqual({ EndpointName: 'churn-staging' });
    expect(sagemaker.commandCalls(DescribeEndpointConfigCommand)[0].args[0].input).toEqual({ EndpointConfigName: 'cfg-1' });
    expect(sagemaker.commandCalls(DescribeModelCommand)[0].args[0].input).toEqual({ ModelName: 'model-1' });
    expect(success()).toHaveLength(1);
  });

  test('an endpoint still being updated fails the smoke test: what it serves is changing', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'churn-staging', EndpointStatus: 'InService', EndpointConfigName: 'cfg-1', PendingDeploymentSummary: { EndpointConfigName: 'cfg-2' } } as never);
    await handler(job(PARAMS));
    expect(failures()).toEqual(['endpoint churn-staging is being updated to endpoint config cfg-2: what it serves is changing']);
  });

  test('a throttled InvokeEndpoint is retried', async () => {
    runtime.on(InvokeEndpointCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }))
      .resolves({ Body: new TextEncoder().encode('0.83') as any });
    await handler(job(PARAMS));
    expect(failures()).toEqual([]);
    expect(runtime.commandCalls(InvokeEndpointCommand)).toHaveLength(2);
  });

  test('a malformed job event answers nothing', async () => {
    await handler({ hello: 'world' });
    expect(success()).toEqual([]);
    expect(failures()).toEqual([]);
  });
});

describe('checkServedPackage', () => {
  const resolved = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/4';

  test('every production variant must serve the resolved package, named by ARN or by name, group case aside', () => {
    expect(checkServedPackage('e', resolved, [{ variantName: 'a', modelName: 'm', modelPackages: ['churn/4'] }, { variantName: 'b', modelName: 'n', modelPackages: [resolved.replace('churn', 'CHURN')] }])).toEqual({ ok: true });
    expect(checkServedPackage('e', resolved, [{ variantName: 'a', modelName: 'm', modelPackages: [] }])).toEqual({ ok: false, reason: expect.stringMatching(/serves no model package \(an image and artifacts\)/) });
    expect(checkServedPackage('e', resolved, [])).toEqual({ ok: false, reason: 'endpoint e has no production variant' });
    expect(packageIdentity('arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/04')).toBe('churn/4');
    expect(packageIdentity('not-a-package')).toBeUndefined();
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
