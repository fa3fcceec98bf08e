import { Aspects, CfnParameter, Stack, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { nagResourceName, waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { DeploymentTemplateNaming } from '../promotion/deployment-template-names';
import { TemplatePermissionsAspect } from '../promotion/template-permissions';
import { PortfolioOrganizationShare } from './portfolio-organization-share';

/**
 * Properties of a `ProjectProductStack`.
 */
export interface ProjectProductStackProps {
  /**
   * Description of the template, shown when a data scientist picks it in Studio.
   *
   * @default - no description
   */
  readonly description?: string;
}

/**
 * The resources a data scientist gets when they create a SageMaker project from Studio. SageMaker
 * passes `SageMakerProjectName` and `SageMakerProjectId` as parameters; name resources after
 * `projectName`. Every resource is tagged `sagemaker:project-name` and `sagemaker:project-id`, so
 * Studio shows it as part of the project.
 *
 * It is synthesized as a template asset of the stack it is defined in (a Service Catalog
 * product stack): define no Lambda functions or other assets in it.
 */
export class ProjectProductStack extends servicecatalog.ProductStack {
  /** The project name SageMaker passes (`SageMakerProjectName`). */
  public readonly projectName: string;
  /** The project id SageMaker passes (`SageMakerProjectId`). */
  public readonly projectId: string;

  constructor(scope: Construct, id: string, props: ProjectProductStackProps = {}) {
    super(scope, id, { description: props.description });
    this.projectName = new CfnParameter(this, 'SageMakerProjectName', {
      type: 'String',
      description: 'Name of the SageMaker project',
      minLength: 1,
      maxLength: 32,
      allowedPattern: '^[a-zA-Z](-*[a-zA-Z0-9])*',
    }).valueAsString;
    this.projectId = new CfnParameter(this, 'SageMakerProjectId', {
      type: 'String',
      description: 'Service-generated id of the SageMaker project (Service Catalog launches pass it)',
      minLength: 1,
      maxLength: 20,
      default: 'unassigned',
    }).valueAsString;
    Tags.of(this).add('sagemaker:project-name', this.projectName);
    Tags.of(this).add('sagemaker:project-id', this.projectId);
  }
}

/**
 * Properties of a `ProjectTemplate`.
 */
export interface ProjectTemplateProps {
  /**
   * What a project launched from this template contains.
   */
  readonly productStack: ProjectProductStack;

  /**
   * The product's name, shown in Studio's list of organization templates.
   */
  readonly productName: string;

  /**
   * The product's owner (a team).
   */
  readonly owner: string;

  /**
   * The product's description.
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * Version of the product.
   *
   * @default 'v1'
   */
  readonly versionName?: string;

  /**
   * The portfolio to publish into.
   *
   * @default - a new portfolio named after the product
   */
  readonly portfolio?: servicecatalog.IPortfolio;

  /**
   * Roles that may launch the product: typically the SageMaker Studio execution roles of the
   * data scientists' domain.
   *
   * @default - none; grant access with `portfolio.giveAccessToRole()`
   */
  readonly launchingRoles?: iam.IRole[];

  /**
   * Accounts to share the portfolio with.
   *
   * @default - not shared
   */
  readonly shareWithAccounts?: string[];

  /**
   * An AWS organization (`o-...`) or organizational unit (`ou-...`) to share the portfolio with.
   * Deploy in the management account or a delegated administrator, with Service Catalog's
   * access to AWS Organizations enabled. CloudFormation has no such share: a small custom
   * resource (inline function, encrypted logs) makes it.
   *
   * @default - not shared with an organization
   */
  readonly shareWithOrganization?: string;

  /**
   * Key of the organization share's logs.
   *
   * @default - a new KMS key with rotation when `shareWithOrganization` is set (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Statements for resource types of the product stack that the launch role cannot derive
   * permissions for.
   *
   * @default - none: an unknown resource type fails synthesis
   */
  readonly additionalLaunchStatements?: iam.PolicyStatement[];
}

/**
 * Publishes a project template as a Service Catalog product that SageMaker Studio lists as an
 * organization template (`sagemaker:studio-visibility=true`), in a portfolio, with a launch role
 * constraint: Service Catalog launches the product with a role that holds exactly what the
 * product's resources need (derived from their types), never `IAMFullAccess` or administrator.
 */
export class ProjectTemplate extends Construct {
  /** The portfolio. */
  public readonly portfolio: servicecatalog.IPortfolio;
  /** The product. */
  public readonly product: servicecatalog.CloudFormationProduct;
  /** The role Service Catalog launches the product with. */
  public readonly launchRole: iam.Role;

  constructor(scope: Construct, id: string, props: ProjectTemplateProps) {
    super(scope, id);
    const owner = `ProjectTemplate ${this.node.path}`;
    const problems: string[] = [];
    if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/.test(props.productName)) problems.push(`productName must be 1-100 letters, digits, spaces, '.', '_' or '-', got '${props.productName}'`);
    for (const account of props.shareWithAccounts ?? []) {
      if (!Token.isUnresolved(account) && !/^\d{12}$/.test(account)) problems.push(`shareWithAccounts holds '${account}', not a 12-digit account id`);
    }
    if (props.shareWithOrganization !== undefined && !Token.isUnresolved(props.shareWithOrganization)
      && !/^(o-[a-z0-9]{10,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$/.test(props.shareWithOrganization)) {
      problems.push(`shareWithOrganization must be an organization (o-...) or organizational unit (ou-...) id, got '${props.shareWithOrganization}'`);
    }
    if (problems.length > 0) throw new Error(`${owner}: ${problems.join('; ')}`);
    const stack = Stack.of(this);

    this.portfolio = props.portfolio ?? new servicecatalog.Portfolio(this, 'Portfolio', {
      displayName: `${props.productName} portfolio`,
      providerName: props.owner,
      description: `SageMaker project templates of ${props.owner}`,
    });
    this.product = new servicecatalog.CloudFormationProduct(this, 'Product', {
      productName: props.productName,
      owner: props.owner,
      description: props.description,
      productVersions: [{
        productVersionName: props.versionName ?? 'v1',
        cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromProductStack(props.productStack),
      }],
    });
    Tags.of(this.product).add('sagemaker:studio-visibility', 'true');
    this.portfolio.addProduct(this.product);

    this.launchRole = new ManagedPolicyRole(this, 'LaunchRole', {
      // "you can restrict the launch role access by using sourceAccount and sourceArn conditions in
      // the launch role trust policy"; sourceArn "only supports templated ARNs, such as
      // arn:<partition>:servicecatalog:<region>:<accountId>:*" (Service Catalog Administrator Guide,
      // constraints-launch). Launches happen in this account, where the role is.
      assumedBy: new iam.ServicePrincipal('servicecatalog.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:servicecatalog:${stack.region}:${stack.account}:*` },
        },
      }),
      description: `Service Catalog launches ${props.productName} with this role`,
    });
    const provisionedStacks = stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: 'SC-*' });
    this.launchRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ProvisionTheProductStack',
      actions: ['cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:DeleteStack', 'cloudformation:DescribeStacks',
        'cloudformation:DescribeStackEvents', 'cloudformation:SetStackPolicy', 'cloudformation:GetTemplate'],
      resources: [provisionedStacks],
    }));
    this.launchRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadTemplates',
      // ValidateTemplate and GetTemplateSummary act on a template body, not on a stack.
      actions: ['cloudformation:ValidateTemplate', 'cloudformation:GetTemplateSummary'],
      resources: ['*'],
    }));
    this.launchRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadTheProductTemplate',
      actions: ['s3:GetObject'],
      resources: [`arn:${stack.partition}:s3:::*/*`],
      conditions: { StringEquals: { 's3:ResourceAccount': stack.account } },
    }));
    for (const statement of props.additionalLaunchStatements ?? []) {
      this.launchRole.addToPrincipalPolicy(statement);
    }
    // Service Catalog names provisioned stacks SC-<account>-pp-<id>: the product's resources are
    // named after the stack they are provisioned as (DeploymentTemplateNaming), so the launch role
    // can be scoped to that prefix.
    Aspects.of(props.productStack).add(new DeploymentTemplateNaming(props.productStack));
    Aspects.of(this).add(new TemplatePermissionsAspect(this.launchRole, [{ template: props.productStack, stackName: `SC-${stack.account}-pp-*` }],
      { partition: stack.partition, region: stack.region, account: stack.account },
      owner, (props.additionalLaunchStatements ?? []).length > 0, 'additionalLaunchStatements'));
    waive(this.launchRole, {
      rules: [provisionedStacks, `arn:${stack.partition}:s3:::*/*`, '*'].map((r) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`),
      reason: 'provisioned stacks are named SC-<account>-pp-<id>; template reads are limited to this account by s3:ResourceAccount; template validation acts on no resource',
    });

    this.portfolio.setLaunchRole(this.product, this.launchRole, {
      description: `Launch ${props.productName} with a least-privilege role`,
    });

    for (const role of props.launchingRoles ?? []) {
      this.portfolio.giveAccessToRole(role);
    }
    for (const account of props.shareWithAccounts ?? []) {
      this.portfolio.shareWithAccount(account);
    }
    if (props.shareWithOrganization) {
      new PortfolioOrganizationShare(this, 'OrganizationShare', {
        portfolio: this.portfolio,
        organizationNodeId: props.shareWithOrganization,
        encryptionKey: props.encryptionKey ?? createEncryptionKey(this, 'Key', `Encrypts the logs of the organization share of ${props.productName}`),
      });
    }
  }
}

/**
 * Properties of a `TemplateProviderProject`.
 */
export interface TemplateProviderProjectProps {
  /**
   * The template of the project.
   */
  readonly productStack: ProjectProductStack;

  /**
   * The SageMaker project name: 1-32 of a-z, A-Z, 0-9 and '-'.
   */
  readonly projectName: string;

  /**
   * Description of the project.
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * The role CloudFormation uses to create the project's stack.
   *
   * @default - SageMaker's default: the caller's permissions
   */
  readonly role?: iam.IRole;
}

/**
 * A SageMaker project created straight from a template in S3 (`AWS::SageMaker::Project` with
 * `TemplateProviderDetails`), the route without Service Catalog. The template is the product
 * stack's, published as an asset.
 */
export class TemplateProviderProject extends Construct {
  /** The SageMaker project. */
  public readonly project: sagemaker.CfnProject;
  /** The S3 URL of the template. */
  public readonly templateUrl: string;

  constructor(scope: Construct, id: string, props: TemplateProviderProjectProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.projectName) && !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/.test(props.projectName)) {
      throw new Error(`TemplateProviderProject ${this.node.path}: projectName must be 1-32 of a-z, A-Z, 0-9 and '-', got '${props.projectName}'`);
    }
    this.templateUrl = servicecatalog.CloudFormationTemplate.fromProductStack(props.productStack).bind(this).httpUrl!;
    this.project = new sagemaker.CfnProject(this, 'Resource', {
      projectName: props.projectName,
      projectDescription: props.description,
      templateProviderDetails: [{
        cfnTemplateProviderDetail: {
          templateName: 'mlops-project',
          templateUrl: this.templateUrl,
          roleArn: props.role?.roleArn,
          parameters: [{ key: 'SageMakerProjectName', value: props.projectName }],
        },
      }],
    });
  }
}
