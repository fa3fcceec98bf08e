import { CreatePortfolioShareCommand, DeletePortfolioShareCommand, DescribePortfolioShareStatusCommand, ServiceCatalogClient } from '@aws-sdk/client-service-catalog';
import { mockClient } from 'aws-sdk-client-mock';
import { SHARE_HANDLER_SOURCE } from '../../lib/project/portfolio-organization-share';
import { loadInlineHandler } from '../harness/inline-handler';

// The inline custom-resource handler, run as Lambda runs it: CommonJS, the runtime's SDK, its
// answer PUT to the CloudFormation response URL (captured here).
const catalog = mockClient(ServiceCatalogClient);

const loadHandler = () => loadInlineHandler(SHARE_HANDLER_SOURCE);

const event = (RequestType: string, PhysicalResourceId?: string) => ({
  RequestType,
  PhysicalResourceId,
  ResponseURL: 'https://cloudformation-custom-resource-response.example/abc',
  StackId: 'stack', RequestId: 'req', LogicalResourceId: 'Share',
  ResourceProperties: { PortfolioId: 'port-abc', NodeType: 'ORGANIZATIONAL_UNIT', NodeValue: 'ou-ab12-cdefgh34' },
});
const ID = 'port-abc/ORGANIZATIONAL_UNIT/ou-ab12-cdefgh34';

beforeEach(() => catalog.reset());

test('creates the share and waits until it completes', async () => {
  catalog.on(CreatePortfolioShareCommand).resolves({ PortfolioShareToken: 'share-1' });
  catalog.on(DescribePortfolioShareStatusCommand).resolvesOnce({ Status: 'IN_PROGRESS' }).resolves({ Status: 'COMPLETED' });
  const { handler, responses } = loadHandler();
  await handler(event('Create'));
  expect(catalog.commandCalls(CreatePortfolioShareCommand)[0].args[0].input).toEqual({
    PortfolioId: 'port-abc', OrganizationNode: { Type: 'ORGANIZATIONAL_UNIT', Value: 'ou-ab12-cdefgh34' }, ShareTagOptions: false,
  });
  expect(catalog.commandCalls(DescribePortfolioShareStatusCommand)).toHaveLength(2);
  expect(responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: ID })]);
});

test('fails the deployment when the share ends in error, saying why', async () => {
  catalog.on(CreatePortfolioShareCommand).resolves({ PortfolioShareToken: 'share-1' });
  catalog.on(DescribePortfolioShareStatusCommand).resolves({ Status: 'ERROR', ShareDetails: { ShareErrors: [{ Message: 'organizations access not enabled' }] } });
  const { handler, responses } = loadHandler();
  await handler(event('Create'));
  expect(responses[0].Status).toBe('FAILED');
  expect(responses[0].Reason).toMatch(/ended ERROR: .*organizations access not enabled/);
});

test('deletes its own share, and nothing for a replaced one', async () => {
  catalog.on(DeletePortfolioShareCommand).resolves({});
  const { handler, responses } = loadHandler();
  await handler(event('Delete', ID));
  await handler(event('Delete', 'port-abc/ORGANIZATION/o-older'));
  expect(catalog.commandCalls(DeletePortfolioShareCommand)).toHaveLength(1);
  expect(responses.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
});
