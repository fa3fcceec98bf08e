import { CustomResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { nagResourceName, waive } from '../private/compliance';
import { CUSTOM_RESOURCE_RESPONSE_SOURCE, InlineCustomResourceFunction } from '../private/inline-function';

/**
 * CloudFormation shares a portfolio with accounts only (AWS::ServiceCatalog::PortfolioShare has
 * no organization node): this handler calls CreatePortfolioShare / DeletePortfolioShare with the
 * organization or organizational unit, and waits for the share to complete.
 */
export const SHARE_HANDLER_SOURCE = `${CUSTOM_RESOURCE_RESPONSE_SOURCE}
const sc = require('@aws-sdk/client-service-catalog');
const client = new sc.ServiceCatalogClient({});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function share(portfolioId, node) {
  const created = await client.send(new sc.CreatePortfolioShareCommand({ PortfolioId: portfolioId, OrganizationNode: node, ShareTagOptions: false }));
  if (!created.PortfolioShareToken) return;
  for (let i = 0; i < 50; i++) {
    const status = await client.send(new sc.DescribePortfolioShareStatusCommand({ PortfolioShareToken: created.PortfolioShareToken }));
    if (status.Status === 'COMPLETED') return;
    if (status.Status === 'ERROR' || status.Status === 'COMPLETED_WITH_ERRORS') {
      throw new Error('share of ' + portfolioId + ' with ' + node.Value + ' ended ' + status.Status + ': ' + JSON.stringify(status.ShareDetails || {}));
    }
    await sleep(3000);
  }
  throw new Error('share of ' + portfolioId + ' with ' + node.Value + ' did not complete in 150 s');
}
exports.handler = async (event) => {
  const p = event.ResourceProperties;
  const node = { Type: p.NodeType, Value: p.NodeValue };
  const physicalId = p.PortfolioId + '/' + p.NodeType + '/' + p.NodeValue;
  try {
    if (event.RequestType === 'Delete') {
      if (event.PhysicalResourceId === physicalId) {
        await client.send(new sc.DeletePortfolioShareCommand({ PortfolioId: p.PortfolioId, OrganizationNode: node }));
      }
    } else {
      // A changed node is a new physical id: CloudFormation then deletes the old share.
      await share(p.PortfolioId, node);
    }
    console.log(JSON.stringify({ requestType: event.RequestType, portfolioId: p.PortfolioId, node }));
    return respond(event, 'SUCCESS', {}, undefined, physicalId);
  } catch (err) {
    console.error(err);
    return respond(event, 'FAILED', {}, err.name + ': ' + err.message, event.PhysicalResourceId || physicalId);
  }
};
`;

/**
 * Properties of a `PortfolioOrganizationShare`.
 */
export interface PortfolioOrganizationShareProps {
  /** The portfolio. */
  readonly portfolio: servicecatalog.IPortfolio;
  /** An organization (`o-...`) or organizational unit (`ou-...`) id. */
  readonly organizationNodeId: string;
  /** Key of the handler's logs. */
  readonly encryptionKey: kms.IKey;
}

/**
 * Shares a portfolio with an AWS organization or organizational unit. Deploy it in the
 * organization's management account or a delegated administrator, with Service Catalog's
 * access to AWS Organizations enabled.
 */
export class PortfolioOrganizationShare extends Construct {
  constructor(scope: Construct, id: string, props: PortfolioOrganizationShareProps) {
    super(scope, id);
    const nodeId = props.organizationNodeId;
    const nodeType = nodeId.startsWith('ou-') ? 'ORGANIZATIONAL_UNIT' : 'ORGANIZATION';
    const stack = Stack.of(this);
    const handler = new InlineCustomResourceFunction(this, 'Handler', {
      source: SHARE_HANDLER_SOURCE,
      description: `Shares a Service Catalog portfolio with ${nodeId}`,
      encryptionKey: props.encryptionKey,
      calls: 'the regional Service Catalog portfolio share APIs',
      timeout: undefined,
    });
    const portfolioArn = stack.formatArn({ service: 'catalog', resource: 'portfolio', resourceName: props.portfolio.portfolioId });
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['servicecatalog:CreatePortfolioShare', 'servicecatalog:DeletePortfolioShare'],
      resources: [portfolioArn],
    }));
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      // The share status is read by token, and Service Catalog looks the node up in Organizations:
      // neither has a resource to scope to.
      actions: ['servicecatalog:DescribePortfolioShareStatus', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit'],
      resources: ['*'],
    }));
    waive(handler.role, {
      rules: [`AwsSolutions-IAM5[Resource::${nagResourceName(stack, '*')}]`],
      reason: 'DescribePortfolioShareStatus takes a share token and the Organizations describe calls take no resource ARN in this account',
    });
    new CustomResource(this, 'Resource', {
      serviceToken: handler.function.functionArn,
      resourceType: 'Custom::PortfolioOrganizationShare',
      properties: { PortfolioId: props.portfolio.portfolioId, NodeType: nodeType, NodeValue: nodeId },
    });
  }
}
