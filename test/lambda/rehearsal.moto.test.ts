/**
 * The rehearsal tier: what is tested is what deploys. The handlers run as shipped
 * (assets/lambda/<name>/index.mjs, each in its own Node process, as an execution environment),
 * with the environment variables their synthesized templates give them (the reference platform,
 * bin/app.ts, and for the drift loop a fixture of the constructs), against moto_server on 127.0.0.1
 * for SageMaker, SSM, DynamoDB, SNS and STS, and a local stand-in for CodePipeline, which moto lacks.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateModelPackageCommand, CreateModelPackageGroupCommand,
  CreatePipelineCommand, ListPipelineExecutionsCommand, SageMakerClient, UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { build } from '../../bin/app';
import { DriftRetraining } from '../../lib/monitoring';
import { ModelBuildPipeline } from '../../lib/pipeline';
import { BundledHandler } from '../harness/bundled-handler';
import { CodePipelineStandIn, FaultProxy, SerialProxy } from '../harness/local-services';
import { MotoServer, startMotoServer } from '../harness/moto-server';
import { CfnTemplate, functionsOf, resolvedEnvironment, resolveValue, SynthesizedFunction, synthesizeTemplates } from '../harness/synthesized-function';

const CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
const TOOLING = { account: String(CONTEXT['mlops:toolingAccount']), region: String(CONTEXT['mlops:region']) };
const STAGING_ACCOUNT = String(CONTEXT['mlops:stagingAccount']);
const PRODUCTION = { account: String(CONTEXT['mlops:productionAccount']), region: TOOLING.region };
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** What every bundled handler gets besides its template's variables: the region, credentials and local endpoints. */
function runtimeEnvironment(endpoints: Record<string, string>): Record<string, string> {
  return {
    AWS_REGION: TOOLING.region,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...Object.fromEntries(Object.entries(endpoints).map(([service, url]) => [`AWS_ENDPOINT_URL_${service}`, url])),
  };
}

/** The `{ Ref: X }` of an environment variable, to give X a local name. */
function refOf(fn: SynthesizedFunction, variable: string): string {
  const value = fn.variables[variable] as { Ref?: string };
  if (!value?.Ref) throw new Error(`${fn.logicalId}.${variable} is not a Ref: ${JSON.stringify(value)}`);
  return value.Ref;
}

/** The configuration of a CodePipeline action of the synthesized pipeline, by stage and action name. */
function actionConfiguration(template: CfnTemplate, stage: string, action: string): Record<string, unknown> {
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::CodePipeline::Pipeline') continue;
    const found = (resource.Properties!.Stages as Array<{ Name: string; Actions: Array<{ Name: string; Configuration: Record<string, unknown> }> }>)
      .find((s) => s.Name === stage)?.Actions.find((a) => a.Name === action);
    if (found) return found.Configuration;
  }
  throw new Error(`no action ${stage}/${action} in ${template.file}`);
}

/** A CodePipeline Lambda-invoke job, as CodePipeline sends it once it has substituted the variables. */
function job(id: string, userParameters: string): unknown {
  return { 'CodePipeline.job': { id, accountId: TOOLING.account, data: { actionConfiguration: { configuration: { FunctionName: 'f', UserParameters: userParameters } } } } };
}

function stateChange(id: string, arn: string, status: string, time = '2026-11-23T10:00:00Z'): unknown {
  const [, group, version] = /model-package\/([^/]+)\/(\d+)$/.exec(arn)!;
  return {
    'version': '0', id, 'detail-type': 'SageMaker Model Package State Change', 'source': 'aws.sagemaker',
    'account': TOOLING.account, time, 'region': TOOLING.region, 'resources': [arn],
    'detail': { ModelPackageGroupName: group, ModelPackageVersion: Number(version), ModelPackageArn: arn, ModelApprovalStatus: status, ModelPackageStatus: 'Completed' },
  };
}

describe('rehearsal: the promotion path of the reference platform, bundled, against moto_server', () => {
  let templates: CfnTemplate[];
  let tooling: CfnTemplate;
  let moto: MotoServer;
  let proxy: FaultProxy;
  // DynamoDB requests pass one at a time, as DynamoDB's conditional writes are atomic and moto's are not (SerialProxy).
  let serialDynamoDb: SerialProxy;
  let codepipeline: CodePipelineStandIn;
  let sagemaker: SageMakerClient;
  let ssm: SSMClient;
  const started: BundledHandler[] = [];
  const clientConfig = () => ({ endpoint: moto.endpoint, region: TOOLING.region, credentials: CREDENTIALS });

  beforeAll(async () => {
    templates = synthesizeTemplates((app) => build(app), CONTEXT);
    tooling = templates.find((t) => /ChurnTooling[0-9A-F]+\.template\.json$/.test(t.file))!;
    moto = await startMotoServer({ accountId: TOOLING.account });
    proxy = await FaultProxy.start(moto.endpoint);
    serialDynamoDb = await SerialProxy.start(moto.endpoint);
    codepipeline = await CodePipelineStandIn.start();
    sagemaker = new SageMakerClient(clientConfig());
    ssm = new SSMClient(clientConfig());
  });

  afterAll(async () => {
    await Promise.all(started.map((h) => h.stop()));
    await codepipeline?.stop();
    await proxy?.stop();
    await serialDynamoDb?.stop();
    await moto?.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    codepipeline.executions.length = 0;
    codepipeline.answers.length = 0;
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'churn' }));
  });

  async function register(status: 'Approved' | 'Rejected' | 'PendingManualApproval' = 'PendingManualApproval'): Promise<string> {
    // Registered as the classic build registers: with the data-quality baselines it computed.
    const baseline = (file: string) => ({ ContentType: 'application/json', S3Uri: `s3://mlops-churn-data-111111111111/model-build/exec/DataQualityCheck/${file}` });
    const arn = (await sagemaker.send(new CreateModelPackageCommand({
      ModelPackageGroupName: 'churn',
      ModelApprovalStatus: 'PendingManualApproval',
      DriftCheckBaselines: { ModelDataQuality: { Constraints: baseline('constraints.json'), Statistics: baseline('statistics.json') } },
    }))).ModelPackageArn!;
    if (status !== 'PendingManualApproval') await setStatus(arn, status);
    return arn;
  }

  async function setStatus(arn: string, status: 'Approved' | 'Rejected'): Promise<void> {
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status }));
    await new Promise((r) => setTimeout(r, 5));
  }

  async function start(name: string, fn: SynthesizedFunction, tokens: Parameters<typeof resolvedEnvironment>[1], endpoints: Record<string, string>): Promise<BundledHandler> {
    const handler = await BundledHandler.start(name, { ...resolvedEnvironment(fn, tokens), ...runtimeEnvironment(endpoints) });
    started.push(handler);
    return handler;
  }

  describe('approval handler', () => {
    let fn: SynthesizedFunction;
    let environments: BundledHandler[];
    const TABLE = 'churn-approval-ledger';

    beforeAll(async () => {
      [fn] = functionsOf([tooling], 'approval-to-promotion');
      const tokens = { ...TOOLING, refs: { [refOf(fn, 'LEDGER_TABLE_NAME')]: TABLE, [refOf(fn, 'PIPELINE_NAME')]: 'churn-promotion' } };
      const endpoints = { SAGEMAKER: moto.endpoint, SSM: moto.endpoint, DYNAMODB: serialDynamoDb.endpoint, CODEPIPELINE: codepipeline.endpoint };
      // Three execution environments, for concurrent invocations.
      environments = await Promise.all([0, 1, 2].map(() => start('approval-to-promotion', fn, tokens, endpoints)));
    });

    beforeEach(async () => {
      // The ledger as the template declares it.
      const table = tooling.Resources[refOf(fn, 'LEDGER_TABLE_NAME')].Properties!;
      await new DynamoDBClient(clientConfig()).send(new CreateTableCommand({
        TableName: TABLE, KeySchema: table.KeySchema, AttributeDefinitions: table.AttributeDefinitions, BillingMode: table.BillingMode,
      }));
    });

    const invoke = (i: number, event: unknown) => environments[i % environments.length].invoke(event, fn.timeoutSeconds * 1000);
    const promoted = () => codepipeline.executions.map((e) => e.variables.find((v) => v.name === 'ModelPackageArn')?.value);
    const recorded = async () => JSON.parse((await ssm.send(new GetParameterCommand({ Name: String(fn.variables.APPROVED_MODEL_PARAMETER_NAME) }))).Parameter!.Value!).modelPackageArn;

    test('the template gives it the group, the pipeline, its variable, the parameter and the ledger, and a 30 s timeout', () => {
      expect(fn.variables).toMatchObject({ MODEL_PACKAGE_GROUP_NAME: 'churn', PIPELINE_VARIABLE_NAME: 'ModelPackageArn', APPROVED_MODEL_PARAMETER_NAME: '/sagemaker-mlops/churn/approved-model-package' });
      expect(fn.timeoutSeconds).toBe(30);
    });

    test('five events of one approval, two in a row and three at once in three environments, start one promotion', async () => {
      // GIVEN
      const arn = await register('Approved');
      // WHEN
      const sequential = [await invoke(0, stateChange('e1', arn, 'Approved')), await invoke(0, stateChange('e2', arn, 'Approved'))];
      const concurrent = await Promise.all([2, 3, 4].map((i) => invoke(i, stateChange(`e${i + 1}`, arn, 'Approved'))));
      // THEN
      expect([...sequential, ...concurrent].every((r) => r.ok)).toBe(true);
      expect(promoted()).toEqual([arn]);
      expect(codepipeline.executions[0]).toMatchObject({ pipelineName: 'churn-promotion', clientRequestToken: expect.stringMatching(/^promote-[0-9a-f]{64}$/) });
      expect(await recorded()).toBe(arn);
    });

    test('five events of one approval, all at once in three environments, start one promotion', async () => {
      // GIVEN
      const arn = await register('Approved');
      // WHEN
      serialDynamoDb.maxWaiting = 0;
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => invoke(i, stateChange(`c${i}`, arn, 'Approved'))));
      // THEN the invocations raced for the ledger, and one started the promotion
      expect(serialDynamoDb.maxWaiting).toBeGreaterThan(1);
      expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true]);
      expect(promoted()).toEqual([arn]);
    });

    test('approve, reject, approve again: exactly two promotions', async () => {
      // GIVEN
      const arn = await register();
      // WHEN
      await setStatus(arn, 'Approved');
      await invoke(0, stateChange('a1', arn, 'Approved'));
      await setStatus(arn, 'Rejected');
      await invoke(1, stateChange('r1', arn, 'Rejected'));
      await setStatus(arn, 'Approved');
      await invoke(2, stateChange('a2', arn, 'Approved'));
      await invoke(0, stateChange('a1-late', arn, 'Approved'));
      // THEN
      expect(promoted()).toEqual([arn, arn]);
    });

    test.each([['v1 first', [0, 1]], ['v2 first', [1, 0]]])('v1 and v2 approved in the same second, events %s: production and the record end on v2', async (_name, order) => {
      // GIVEN
      const v1 = await register('Approved');
      const v2 = await register('Approved');
      const arns = [v1, v2];
      // WHEN
      for (const i of order) await invoke(i, stateChange(`v${i + 1}`, arns[i], 'Approved', '2026-11-23T10:00:00Z'));
      // THEN
      expect(promoted().at(-1)).toBe(v2);
      expect(promoted()).not.toContain(v1);
      expect(await recorded()).toBe(v2);
    });
  });

  describe('resolve handler', () => {
    let fn: SynthesizedFunction;
    let resolve: BundledHandler;
    let resolveParameters: string;

    beforeAll(async () => {
      [fn] = functionsOf([tooling], 'resolve-model-package');
      // SageMaker through the proxy that can throttle it.
      resolve = await start('resolve-model-package', fn, TOOLING, { SAGEMAKER: proxy.endpoint, SSM: moto.endpoint, CODEPIPELINE: codepipeline.endpoint });
      resolveParameters = String(actionConfiguration(tooling, 'ResolveModelPackage', 'ResolveModelPackage').UserParameters);
    });

    /** The served package's baselines, which the production deployment receives as parameters. */
    const BASELINE_VARIABLES = {
      DataQualityConstraintsS3Uri: 's3://mlops-churn-data-111111111111/model-build/exec/DataQualityCheck/constraints.json',
      DataQualityStatisticsS3Uri: 's3://mlops-churn-data-111111111111/model-build/exec/DataQualityCheck/statistics.json',
    };
    /** What CodePipeline does with `#{variables.ModelPackageArn}`: the value it was started with, or the variable's default. */
    const withVariable = (value: string) => resolveParameters.replace('#{variables.ModelPackageArn}', value);
    const answerOf = (jobId: string) => codepipeline.answers.find((a) => a.jobId === jobId);

    test('the pipeline asks it for the variable, whose default is LATEST_APPROVED', () => {
      // the churn project monitors production against the served package's own baselines
      expect(JSON.parse(resolveParameters)).toEqual({ requestedModelPackageArn: '#{variables.ModelPackageArn}', driftCheckBaselines: ['ModelDataQuality'] });
      const pipeline = Object.values(tooling.Resources).find((r) => r.Type === 'AWS::CodePipeline::Pipeline' && JSON.stringify(r.Properties).includes('ResolveModelPackage'))!;
      expect(pipeline.Properties!.Variables).toEqual([expect.objectContaining({ Name: 'ModelPackageArn', DefaultValue: 'LATEST_APPROVED' })]);
    });

    test('LATEST_APPROVED is the newest approved version in the registry, approved before the platform existed and never recorded', async () => {
      // GIVEN
      await register('Approved');
      const v2 = await register('Approved');
      await register('Rejected');
      // WHEN
      const r = await resolve.invoke(job('latest', withVariable('LATEST_APPROVED')), fn.timeoutSeconds * 1000);
      // THEN
      expect(r.ok).toBe(true);
      expect(answerOf('latest')).toEqual({ jobId: 'latest', kind: 'success', outputVariables: { ModelPackageArn: v2, ModelPackageVersion: '2', ...BASELINE_VARIABLES } });
    });

    test('throttling of the registry that outlasts the SDK\'s retries is retried, and the job succeeds', async () => {
      // GIVEN: more throttling answers than the SDK's four attempts
      const arn = await register('Approved');
      proxy.throttle('SageMaker.DescribeModelPackage', 6);
      const before = proxy.seen.get('SageMaker.DescribeModelPackage') ?? 0;
      // WHEN
      await resolve.invoke(job('throttled', withVariable(arn)), fn.timeoutSeconds * 1000);
      // THEN
      expect(answerOf('throttled')).toEqual({ jobId: 'throttled', kind: 'success', outputVariables: { ModelPackageArn: arn, ModelPackageVersion: '1', ...BASELINE_VARIABLES } });
      expect((proxy.seen.get('SageMaker.DescribeModelPackage') ?? 0) - before).toBe(7);
    });

    test('empty or non-JSON UserParameters fail the job at once, naming what is wrong', async () => {
      // WHEN
      await resolve.invoke(job('empty', ''));
      await resolve.invoke(job('not-json', '{"requestedModelPackageArn": '));
      // THEN
      expect(answerOf('empty')).toEqual({ jobId: 'empty', kind: 'failure', message: "the action's UserParameters are empty: the action must pass a JSON object" });
      expect(answerOf('not-json')?.message).toMatch(/^the action's UserParameters are not JSON/);
    });

    test('verify before production: a package rejected after it was resolved fails the job', async () => {
      // GIVEN
      const arn = await register('Approved');
      const verify = (id: string) => job(id, JSON.stringify({ mode: 'verify', modelPackageArn: arn }));
      await resolve.invoke(verify('verify-approved'));
      // WHEN
      await setStatus(arn, 'Rejected');
      await resolve.invoke(verify('verify-rejected'));
      // THEN
      expect(answerOf('verify-approved')?.kind).toBe('success');
      expect(answerOf('verify-rejected')).toEqual({ jobId: 'verify-rejected', kind: 'failure', message: `verify before production: model package ${arn} is Rejected, not Approved; production is not deployed` });
    });
  });

  describe('smoke test', () => {
    let fn: SynthesizedFunction;
    let smoke: BundledHandler;
    let parameters: Record<string, unknown>;
    let staging: SageMakerClient;
    const PAYLOAD = 'smoke-test-payload';

    beforeAll(async () => {
      [fn] = functionsOf([tooling], 'endpoint-smoke-test');
      smoke = await start('endpoint-smoke-test', fn, TOOLING, {
        SSM: moto.endpoint, STS: moto.endpoint, SAGEMAKER: moto.endpoint, SAGEMAKER_RUNTIME: moto.endpoint, CODEPIPELINE: codepipeline.endpoint,
      });
      // The parameters are a Fn::Join of the role's partition and the sample's SSM parameter: the
      // one Ref of a resource in them is that parameter, which gets its local name.
      const raw = actionConfiguration(tooling, 'Staging', 'SmokeTest').UserParameters;
      const resourceRefs = [...JSON.stringify(raw).matchAll(/\{"Ref":"([^"]+)"\}/g)].map((m) => m[1]).filter((r) => !r.startsWith('AWS::'));
      expect(resourceRefs.map((r) => tooling.Resources[r]?.Type)).toEqual(['AWS::SSM::Parameter']);
      parameters = JSON.parse(resolveValue(raw, { ...TOOLING, refs: { [resourceRefs[0]]: PAYLOAD } }, 'SmokeTest.UserParameters'));
    });

    beforeEach(async () => {
      await ssm.send(new PutParameterCommand({ Name: PAYLOAD, Type: 'String', Value: '42,1,0,12,79.5,1', Overwrite: true }));
      // The staging account, as the smoke-test role sees it.
      const assumed = await new STSClient(clientConfig()).send(new AssumeRoleCommand({ RoleArn: String(parameters.roleArn), RoleSessionName: 'setup' }));
      const c = assumed.Credentials!;
      staging = new SageMakerClient({ endpoint: moto.endpoint, region: String(parameters.region), credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
      // What the staging endpoint answers. moto's sagemaker-runtime files a call made with assumed
      // credentials under its default account, so the answer is queued for both.
      for (const account of [STAGING_ACCOUNT, TOOLING.account]) {
        await fetch(`${moto.endpoint}/moto-api/static/sagemaker/endpoint-results`, {
          method: 'POST',
          body: JSON.stringify({ account_id: account, region: parameters.region, results: [{ Body: '0.83', ContentType: 'text/csv' }] }),
        });
      }
    });

    async function deployStaging(modelPackageArn: string): Promise<void> {
      await staging.send(new CreateModelCommand({ ModelName: 'staging-model', ExecutionRoleArn: `arn:aws:iam::${STAGING_ACCOUNT}:role/endpoint`, PrimaryContainer: { ModelPackageName: modelPackageArn } }));
      await staging.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'staging-config', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'staging-model', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }] }));
      await staging.send(new CreateEndpointCommand({ EndpointName: String(parameters.endpointName), EndpointConfigName: 'staging-config' }));
    }

    const smokeJob = (id: string, resolved: string) => job(id, JSON.stringify({ ...parameters, modelPackageArn: resolved }));
    const answerOf = (jobId: string) => codepipeline.answers.find((a) => a.jobId === jobId);

    test('the pipeline passes the staging role, endpoint and region, the sample\'s parameter and the resolved package', () => {
      expect(parameters).toMatchObject({
        roleArn: `arn:aws:iam::${STAGING_ACCOUNT}:role/mlops-churn-smoke-test`, endpointName: 'churn-staging', region: TOOLING.region,
        payloadParameterName: PAYLOAD, modelPackageArn: '#{Resolve.ModelPackageArn}',
      });
    });

    test('the staging endpoint serving the resolved package and answering the pattern passes', async () => {
      // GIVEN
      const arn = `arn:aws:sagemaker:${TOOLING.region}:${TOOLING.account}:model-package/churn/4`;
      await deployStaging(arn);
      // WHEN
      await smoke.invoke(smokeJob('serves', arn), fn.timeoutSeconds * 1000);
      // THEN
      expect(answerOf('serves')).toMatchObject({ kind: 'success', outputVariables: expect.objectContaining({ ResponsePreview: '0.83' }) });
    });

    test('the staging endpoint serving another package fails the smoke test, naming both', async () => {
      // GIVEN: a newer execution deployed version 5 to staging
      const resolved = `arn:aws:sagemaker:${TOOLING.region}:${TOOLING.account}:model-package/churn/4`;
      const other = resolved.replace(/4$/, '5');
      await deployStaging(other);
      // WHEN
      await smoke.invoke(smokeJob('other', resolved), fn.timeoutSeconds * 1000);
      // THEN
      expect(answerOf('other')).toEqual({
        jobId: 'other', kind: 'failure',
        message: `endpoint churn-staging serves ${other} (model staging-model, variant AllTraffic), not the resolved model package ${resolved}`,
      });
    });
  });

  describe('every bundled handler can write its dead letters', () => {
    // Lambda sends an event it could not process to the function's dead-letter queue with the
    // function's execution role (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html),
    // and SQS encrypts it with the queue's KMS key on the sender's behalf: the role needs
    // kms:GenerateDataKey and kms:Decrypt on that key
    // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
    const handlers = ['approval-to-promotion', 'resolve-model-package', 'endpoint-smoke-test', 'drift-to-retraining'];

    test.each(handlers)('%s: its role may use the key of its dead-letter queue', (handler) => {
      const problems: string[] = [];
      for (const fn of functionsOf(templates, handler)) {
        const resources = fn.template.Resources;
        const queueId = (fn.properties.DeadLetterConfig?.TargetArn as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
        const keyId = (resources[queueId ?? '']?.Properties?.KmsMasterKeyId as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
        const roleId = (fn.properties.Role as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
        if (!queueId || !keyId || !roleId) {
          problems.push(`${path.basename(fn.template.file)} ${fn.logicalId}: dead-letter queue ${queueId}, key ${keyId}, role ${roleId}`);
          continue;
        }
        const statements = Object.values(resources)
          .filter((r) => (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') && JSON.stringify(r.Properties!.Roles ?? []).includes(`"${roleId}"`))
          .flatMap((r) => r.Properties!.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown }>);
        const onKey = (s: { Resource: unknown }) => [s.Resource].flat().some((r) => r === '*' || JSON.stringify(r) === JSON.stringify({ 'Fn::GetAtt': [keyId, 'Arn'] }));
        // A statement limited to another service (kms:ViaService dynamodb...) does not let SQS use the key.
        const forSqs = (s: { Condition?: Record<string, Record<string, unknown>> }) => !s.Condition
          || Object.values(s.Condition).every((keys) => Object.entries(keys).every(([k, v]) => k !== 'kms:ViaService' || JSON.stringify(v).includes('sqs.')));
        const allows = (action: string) => statements.some((s) => s.Effect === 'Allow' && onKey(s) && forSqs(s as never) && [s.Action].flat().some((a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1)))));
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          if (!allows(action)) problems.push(`${path.basename(fn.template.file)} ${fn.logicalId}: role ${roleId} lacks ${action} on ${keyId}, the key of its dead-letter queue ${queueId}`);
        }
      }
      expect(problems).toEqual([]);
    });
  });
});

describe('rehearsal: the drift loop, bundled, against moto_server', () => {
  /** The tooling side of the drift loop as the constructs synthesize it: production's schedule, by exact name. */
  function fixture(app: App): void {
    const tooling = new Stack(app, 'Tooling', { env: TOOLING });
    new DriftRetraining(tooling, 'Drift', {
      pipeline: ModelBuildPipeline.fromPipelineName(tooling, 'Build', 'churn-build'),
      endpointNames: ['churn-production'],
      monitoringScheduleNames: ['churn-production-data-quality'],
      monitoredEnvironments: [PRODUCTION],
      cooldown: Duration.days(1),
    });
  }

  function violation(id: string, account: string, job: string): unknown {
    const schedule = `arn:aws:sagemaker:${PRODUCTION.region}:${account}:monitoring-schedule/churn-production-data-quality`;
    return {
      'version': '0', id, 'detail-type': 'SageMaker Processing Job State Change', 'source': 'aws.sagemaker', account, 'time': '2026-11-23T01:02:03Z', 'region': PRODUCTION.region,
      'resources': [`arn:aws:sagemaker:${PRODUCTION.region}:${account}:processing-job/${job}`],
      'detail': {
        ProcessingJobName: job, ProcessingJobArn: `arn:aws:sagemaker:${PRODUCTION.region}:${account}:processing-job/${job}`, ProcessingJobStatus: 'Completed',
        ExitMessage: 'CompletedWithViolations: Job completed successfully with 3 violations.', MonitoringScheduleArn: schedule,
        Environment: { sagemaker_endpoint_name: 'churn-production', sagemaker_monitoring_schedule_name: 'churn-production-data-quality' },
      },
    };
  }

  async function rehearse(status: 'Succeeded' | 'Failed', drive: (drift: BundledHandler, executions: () => Promise<number>) => Promise<void>): Promise<void> {
    const moto = await startMotoServer({ accountId: TOOLING.account, pipelineExecutionStatus: status });
    let drift: BundledHandler | undefined;
    try {
      const config = { endpoint: moto.endpoint, region: TOOLING.region, credentials: CREDENTIALS };
      const sagemaker = new SageMakerClient(config);
      await sagemaker.send(new CreatePipelineCommand({
        PipelineName: 'churn-build', RoleArn: `arn:aws:iam::${TOOLING.account}:role/build`,
        PipelineDefinition: JSON.stringify({ Version: '2020-12-01', Parameters: [{ Name: 'RetrainReason', Type: 'String', DefaultValue: '' }], Steps: [] }),
      }));
      const topicArn = (await new SNSClient(config).send(new CreateTopicCommand({ Name: 'drift' }))).TopicArn!;
      const [fn] = functionsOf(synthesizeTemplates(fixture, CONTEXT), 'drift-to-retraining');
      expect(fn.variables.MONITORED_ENVIRONMENTS).toBe(JSON.stringify([PRODUCTION]));
      drift = await BundledHandler.start('drift-to-retraining', {
        ...resolvedEnvironment(fn, { ...TOOLING, refs: { [refOf(fn, 'TOPIC_ARN')]: topicArn } }),
        ...runtimeEnvironment({ SAGEMAKER: moto.endpoint, SNS: moto.endpoint }),
      });
      const executions = async () => ((await sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName: 'churn-build' }))).PipelineExecutionSummaries ?? []).length;
      await drive(drift, executions);
    } finally {
      await drift?.stop();
      await moto.stop();
    }
  }

  test('a violation named like production\'s from staging or an unknown account retrains nothing; from production, once, however often it is delivered', async () => {
    await rehearse('Succeeded', async (drift, executions) => {
      // WHEN
      const fromStaging = await drift.invoke(violation('s', STAGING_ACCOUNT, 'staging-job'));
      const fromUnknown = await drift.invoke(violation('u', '999999999999', 'unknown-job'));
      const fromProduction = [await drift.invoke(violation('p1', PRODUCTION.account, 'prod-job')), await drift.invoke(violation('p2', PRODUCTION.account, 'prod-job'))];
      // THEN
      expect([fromStaging.result, fromUnknown.result]).toEqual(['foreign', 'foreign']);
      expect(fromProduction.map((r) => r.result)).toEqual(['started', 'already-started']);
      expect(await executions()).toBe(1);
    });
  });

  test('a failed retraining starts no cooldown: the next drift retrains', async () => {
    await rehearse('Failed', async (drift, executions) => {
      // WHEN
      const first = await drift.invoke(violation('d1', PRODUCTION.account, 'monitoring-1'));
      const next = await drift.invoke(violation('d2', PRODUCTION.account, 'monitoring-2'));
      // THEN
      expect([first.result, next.result]).toEqual(['started', 'started']);
      expect(await executions()).toBe(2);
    });
  });
});
