import { DescribeModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { BASELINES_HANDLER_SOURCE } from '../../lib/monitoring/model-package-baselines';
import { loadInlineHandler } from '../harness/inline-handler';

// The inline custom-resource handler, run as Lambda would run it: CommonJS, the SDK from the
// runtime, its answer PUT to the CloudFormation response URL (captured here).
const sagemakerMock = mockClient(SageMakerClient);

const loadHandler = () => loadInlineHandler(BASELINES_HANDLER_SOURCE);

const event = (requestType: string, required: string[]) => ({
  RequestType: requestType,
  ResponseURL: 'https://cloudformation-custom-resource-response.example/abc',
  StackId: 'stack', RequestId: 'req', LogicalResourceId: 'Lookup',
  ResourceProperties: { ModelPackageArn: 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/3', RequiredBaselines: required },
});

beforeEach(() => sagemakerMock.reset());

test('answers the drift-check baselines of the package as attributes', async () => {
  // GIVEN
  sagemakerMock.on(DescribeModelPackageCommand).resolves({
    DriftCheckBaselines: {
      ModelDataQuality: { Constraints: { S3Uri: 's3://a/c.json', ContentType: 'application/json' }, Statistics: { S3Uri: 's3://a/s.json', ContentType: 'application/json' } },
      Explainability: { ConfigFile: { S3Uri: 's3://a/analysis.json', ContentType: 'application/json' } },
    },
  });
  const { handler, responses } = loadHandler();
  // WHEN
  await handler(event('Create', ['ModelDataQuality.Constraints', 'ModelDataQuality.Statistics']));
  // THEN
  expect(sagemakerMock.commandCalls(DescribeModelPackageCommand)[0].args[0].input).toEqual({ ModelPackageName: 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/3' });
  expect(responses).toEqual([expect.objectContaining({
    Status: 'SUCCESS',
    PhysicalResourceId: 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/3',
    RequestId: 'req',
    Data: { 'ModelDataQuality.Constraints': 's3://a/c.json', 'ModelDataQuality.Statistics': 's3://a/s.json', 'Explainability.ConfigFile': 's3://a/analysis.json' },
  })]);
});

test('fails the deployment naming the baselines the package lacks', async () => {
  sagemakerMock.on(DescribeModelPackageCommand).resolves({ DriftCheckBaselines: { ModelQuality: { Constraints: { S3Uri: 's3://a/c.json', ContentType: 'application/json' } } } });
  const { handler, responses } = loadHandler();
  await handler(event('Update', ['ModelDataQuality.Constraints', 'ModelQuality.Constraints']));
  expect(responses[0]).toEqual(expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/has no drift-check baseline ModelDataQuality.Constraints$/) }));
});

test('fails the deployment when the package cannot be described', async () => {
  sagemakerMock.on(DescribeModelPackageCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
  const { handler, responses } = loadHandler();
  await handler(event('Create', []));
  expect(responses[0]).toEqual(expect.objectContaining({ Status: 'FAILED', Reason: expect.stringContaining('AccessDeniedException: not authorized') }));
});

test('deletes without calling SageMaker', async () => {
  const { handler, responses } = loadHandler();
  await handler(event('Delete', []));
  expect(sagemakerMock.calls()).toHaveLength(0);
  expect(responses[0].Status).toBe('SUCCESS');
});

test('fits CloudFormation\'s 4 KB limit on inline code', () => {
  expect(Buffer.byteLength(BASELINES_HANDLER_SOURCE)).toBeLessThan(4096);
});
