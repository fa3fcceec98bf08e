import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { networkProblems } from '../network/network-interface-grants';
import { ServiceEndpoint } from '../network/service-endpoint';
import { ServiceUsage } from '../network/service-usage';
import { IWorkloadNetwork } from '../network/workload-network';
import { IModelBuildPipeline } from '../pipeline/model-build-pipeline';
import { nagResourceName, waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { IModelPackageGroup } from '../registry/model-package-group';

const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/**
 * What a team's data scientists do in one project.
 */
export interface StudioProjectAccess {
  /** The project's data bucket: read and written (no deletes), with its KMS key. */
  readonly dataBucket: s3.IBucket;

  /**
   * The project's model-build pipeline: started, and its executions watched.
   *
   * @default - none
   */
  readonly buildPipeline?: IModelBuildPipeline;

  /**
   * The project's registry: new versions registered and read, never approved (approval starts a
   * promotion, so it belongs to reviewers).
   *
   * @default - none
   */
  readonly modelPackageGroup?: IModelPackageGroup;
}

/**
 * A team of a Studio domain.
 */
export interface StudioTeamOptions {
  /** The team's name (letters, digits and hyphens), part of its role's description. */
  readonly teamName: string;

  /** The team's members: one Studio user profile each, all with the team's role. */
  readonly userProfileNames: string[];

  /**
   * The projects the team works on.
   *
   * @default - none: Studio only, no project data
   */
  readonly projects?: StudioProjectAccess[];
}

/**
 * Properties of a `StudioDomain`.
 */
export interface StudioDomainProps {
  /** The domain's name. */
  readonly domainName: string;

  /**
   * The network of the tooling account: the domain is `VpcOnly` in its subnets, so notebooks
   * reach AWS through its VPC endpoints only.
   */
  readonly network: IWorkloadNetwork;

  /**
   * Key of the domain's EFS and EBS volumes.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long a JupyterLab or Code Editor app may sit idle before SageMaker shuts it down (60
   * minutes to a year). An app's instance is billed while it runs, used or not.
   *
   * @default Duration.hours(1)
   */
  readonly idleTimeout?: Duration;

  /**
   * The longest idle timeout a user may choose for their own apps.
   *
   * @default Duration.hours(4)
   */
  readonly maxIdleTimeout?: Duration;

  /**
   * Service Catalog portfolios of project templates (`ProjectTemplate.portfolio`): every team's
   * role is associated with them, so its members see and launch the templates in Studio.
   *
   * @default - none
   */
  readonly projectPortfolios?: servicecatalog.IPortfolio[];

  /**
   * Where SageMaker project templates kept in S3 are (`s3://bucket/prefix/`): the domain carries
   * the `sagemaker:projectS3TemplatesLocation` tag. Each template object must be tagged
   * `sagemaker:studio-visibility=true`, and the bucket needs a CORS policy and to be readable by
   * the execution roles (SageMaker Developer Guide, "Using a template from an Amazon S3 bucket").
   *
   * @default - no S3 project templates
   */
  readonly projectTemplatesS3Location?: string;
}

/**
 * A SageMaker Studio domain for data scientists, private by default: `VpcOnly` in the platform's
 * network (no internet from notebooks), volumes encrypted with a customer-managed key, JupyterLab
 * and Code Editor apps shut down when idle (one hour by default), notebook sharing to S3 off.
 * Teams (`addTeam`) get one user profile per member and a role derived from what a data
 * scientist of their projects does: read and write the project's data, start and watch its
 * build pipeline, register model versions but not approve them (denied explicitly), and launch
 * the project templates of the domain's portfolios; never `AmazonSageMakerFullAccess`.
 *
 * Costs: the apps' instances while they run; EFS storage of home directories.
 */
export class StudioDomain extends Construct {
  /** The tag that points Studio at project templates in S3 (SageMaker Developer Guide, "Create Custom Project Templates"). */
  public static readonly PROJECT_S3_TEMPLATES_TAG = 'sagemaker:projectS3TemplatesLocation';

  /** The domain. */
  public readonly domain: sagemaker.CfnDomain;
  /** The domain's id. */
  public readonly domainId: string;
  /** The domain's ARN. */
  public readonly domainArn: string;
  /** The key of the domain's volumes. */
  public readonly encryptionKey: kms.IKey;
  /** The security group of the domain's apps. */
  public readonly securityGroup: ec2.CfnSecurityGroup;
  /** The domain's default execution role (shared spaces, users without a team): Studio only, no project access. */
  public readonly defaultRole: iam.Role;
  /** The teams added. */
  public readonly teams: StudioTeam[] = [];

  private readonly portfolios: servicecatalog.IPortfolio[];
  private readonly profileNames = new Set<string>();

  constructor(scope: Construct, id: string, props: StudioDomainProps) {
    super(scope, id);
    const idle = props.idleTimeout ?? Duration.hours(1);
    const maxIdle = props.maxIdleTimeout ?? Duration.hours(4);
    this.validate(props, idle, maxIdle);
    this.portfolios = props.projectPortfolios ?? [];
    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', `Encrypts the EFS and EBS volumes of Studio domain ${props.domainName}`);

    // VpcOnly needs NFS (2049) between the apps and the domain's EFS volume, and TCP 8192-65535
    // between the apps of the security group (SageMaker Developer Guide, "Connect SageMaker Studio
    // Notebooks in a VPC to External Resources", requirements of VPC only mode).
    this.securityGroup = new ec2.CfnSecurityGroup(this, 'SecurityGroup', {
      vpcId: props.network.vpcId,
      groupDescription: `Apps of Studio domain ${props.domainName}: HTTPS to the VPC endpoints, NFS to the domain volume, app-to-app TCP`,
      securityGroupEgress: [
        { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIp: '0.0.0.0/0', description: 'HTTPS to the interface endpoints and the S3 gateway endpoint; the VPC routes nothing else out' },
        { ipProtocol: 'tcp', fromPort: 2049, toPort: 2049, cidrIp: props.network.vpcCidrBlock, description: 'NFS to the domain EFS volume' },
      ],
    });
    new ec2.CfnSecurityGroupIngress(this, 'AppsIn', {
      groupId: this.securityGroup.attrGroupId,
      sourceSecurityGroupId: this.securityGroup.attrGroupId,
      ipProtocol: 'tcp', fromPort: 8192, toPort: 65535,
      description: 'between the apps of the domain (JupyterServer and kernel gateways)',
    });
    new ec2.CfnSecurityGroupEgress(this, 'AppsOut', {
      groupId: this.securityGroup.attrGroupId,
      destinationSecurityGroupId: this.securityGroup.attrGroupId,
      ipProtocol: 'tcp', fromPort: 8192, toPort: 65535,
      description: 'between the apps of the domain (JupyterServer and kernel gateways)',
    });

    this.defaultRole = createRole(this, 'DefaultRole', `Default execution role of Studio domain ${props.domainName}: Studio only, no project access`);
    const minutes = (d: Duration) => d.toMinutes();
    const lifecycle = {
      appLifecycleManagement: {
        idleSettings: {
          lifecycleManagement: 'ENABLED',
          idleTimeoutInMinutes: minutes(idle),
          minIdleTimeoutInMinutes: 60,
          maxIdleTimeoutInMinutes: minutes(maxIdle),
        },
      },
    };
    this.domain = new sagemaker.CfnDomain(this, 'Resource', {
      domainName: props.domainName,
      authMode: 'IAM',
      appNetworkAccessType: 'VpcOnly',
      vpcId: props.network.vpcId,
      subnetIds: props.network.subnetIds,
      kmsKeyId: this.encryptionKey.keyArn,
      defaultUserSettings: {
        executionRole: this.defaultRole.roleArn,
        securityGroups: [this.securityGroup.attrGroupId],
        jupyterLabAppSettings: lifecycle,
        codeEditorAppSettings: lifecycle,
        sharingSettings: { notebookOutputOption: 'Disabled' },
      },
      defaultSpaceSettings: {
        executionRole: this.defaultRole.roleArn,
        securityGroups: [this.securityGroup.attrGroupId],
        jupyterLabAppSettings: lifecycle,
      },
      tags: props.projectTemplatesS3Location ? [{ key: StudioDomain.PROJECT_S3_TEMPLATES_TAG, value: props.projectTemplatesS3Location }] : undefined,
    });
    this.domainId = this.domain.attrDomainId;
    this.domainArn = this.domain.attrDomainArn;
    this.grantStudio(this.defaultRole, undefined);

    // What Studio in VpcOnly mode reaches through interface endpoints (same guide): the SageMaker
    // API and Runtime, S3, Service Catalog for SageMaker projects, and for the SageMaker Python SDK
    // STS and CloudWatch Logs.
    ServiceUsage.declare(this, [
      ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.SAGEMAKER_RUNTIME, ServiceEndpoint.S3,
      ServiceEndpoint.SERVICE_CATALOG, ServiceEndpoint.STS, ServiceEndpoint.CLOUDWATCH_LOGS,
    ], `Studio domain ${props.domainName} runs VpcOnly in this network`);
  }

  /**
   * Adds a team: its role, derived from its projects, associated with the domain's project
   * portfolios, and one user profile per member.
   */
  public addTeam(id: string, options: StudioTeamOptions): StudioTeam {
    const problems: string[] = [];
    if (!SAGEMAKER_NAME.test(options.teamName)) problems.push(`teamName must be 1-63 of a-z, A-Z, 0-9 and '-', got '${options.teamName}'`);
    if (options.userProfileNames.length === 0) problems.push('userProfileNames must name at least one member');
    for (const name of options.userProfileNames) {
      if (!Token.isUnresolved(name) && !SAGEMAKER_NAME.test(name)) problems.push(`user profile name '${name}' must be 1-63 of a-z, A-Z, 0-9 and '-'`);
      else if (this.profileNames.has(name)) problems.push(`user profile name '${name}' is taken in this domain`);
    }
    if (problems.length > 0) throw new Error(`StudioDomain ${this.node.path} team ${id}: ${problems.join('; ')}`);
    options.userProfileNames.forEach((n) => this.profileNames.add(n));
    const team = new StudioTeam(this, id, options);
    this.teams.push(team);
    return team;
  }

  /** @internal */
  public _createTeamRole(scope: Construct, options: StudioTeamOptions): ManagedPolicyRole {
    const role = createRole(scope, 'Role', `Studio execution role of team ${options.teamName}: its projects' data, build pipelines and registries (register, never approve)`);
    this.grantStudio(role, options.userProfileNames);
    for (const portfolio of this.portfolios) portfolio.giveAccessToRole(role);
    if (this.portfolios.length > 0) grantProjectLaunch(role);
    return role;
  }

  /**
   * What every execution role of the domain needs to run Studio: its apps and spaces in this
   * domain, its own profile, the domain's key (CreateApp checks kms:CreateGrant and DescribeKey on
   * it: SageMaker Developer Guide, "CreateDomain API: Execution Role Permissions").
   */
  private grantStudio(role: iam.Role, userProfileNames: string[] | undefined): void {
    const stack = Stack.of(role);
    const arn = (resource: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName: `${this.domainId}/*` });
    const profiles = userProfileNames
      ? userProfileNames.map((n) => stack.formatArn({ service: 'sagemaker', resource: 'user-profile', resourceName: `${this.domainId}/${n}` }))
      : [arn('user-profile')];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'TheDomain', actions: ['sagemaker:DescribeDomain'], resources: [this.domainArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'OwnProfiles', actions: ['sagemaker:DescribeUserProfile', 'sagemaker:ListTags'], resources: profiles }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'AppsAndSpacesOfTheDomain',
      actions: ['sagemaker:CreateApp', 'sagemaker:DeleteApp', 'sagemaker:DescribeApp', 'sagemaker:AddTags', 'sagemaker:CreateSpace', 'sagemaker:UpdateSpace', 'sagemaker:DeleteSpace', 'sagemaker:DescribeSpace'],
      resources: [arn('app'), arn('space')],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ListStudio',
      // List actions have no resource type (Service Authorization Reference for SageMaker).
      actions: ['sagemaker:ListApps', 'sagemaker:ListSpaces', 'sagemaker:ListUserProfiles', 'sagemaker:ListDomains'],
      resources: ['*'],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'DomainKey', actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: [this.encryptionKey.keyArn] }));
    waive(role, {
      rules: [arn('app'), arn('space'), '*', ...(userProfileNames ? [] : [arn('user-profile')])].map((r) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`),
      reason: 'Studio names apps and spaces when users open them, under this domain only; the SageMaker List actions have no resource-level permissions',
    });
  }

  private validate(props: StudioDomainProps, idle: Duration, maxIdle: Duration): void {
    const problems: string[] = [];
    if (!Token.isUnresolved(props.domainName) && !SAGEMAKER_NAME.test(props.domainName)) problems.push(`domainName must be 1-63 of a-z, A-Z, 0-9 and '-', got '${props.domainName}'`);
    problems.push(...networkProblems(props.network));
    // IdleSettings take 60 to 525,600 minutes (CloudFormation schema of AWS::SageMaker::Domain).
    const idleMinutes = idle.toMinutes({ integral: false });
    const maxMinutes = maxIdle.toMinutes({ integral: false });
    if (!Number.isInteger(idleMinutes) || idleMinutes < 60 || idleMinutes > 525_600) problems.push(`idleTimeout must be whole minutes from 60 to 525600, got ${idleMinutes}`);
    if (!Number.isInteger(maxMinutes) || maxMinutes < 60 || maxMinutes > 525_600) problems.push(`maxIdleTimeout must be whole minutes from 60 to 525600, got ${maxMinutes}`);
    else if (maxMinutes < idleMinutes) problems.push(`maxIdleTimeout (${maxMinutes} min) must be at least idleTimeout (${idleMinutes} min)`);
    const location = props.projectTemplatesS3Location;
    if (location !== undefined && !Token.isUnresolved(location)) {
      // A tag value: at most 128 characters of letters, digits, spaces and _ . : / = + - @.
      if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9_.:/=+@-]*)?$/.test(location) || location.length > 128) {
        problems.push(`projectTemplatesS3Location must be an s3://bucket/prefix/ URI of at most 128 characters, got '${location}'`);
      }
    }
    if (problems.length > 0) throw new Error(`StudioDomain ${this.node.path}: ${problems.join('; ')}`);
  }
}

/**
 * A team of a Studio domain: its execution role and its members' user profiles.
 */
export class StudioTeam extends Construct {
  /** The team's execution role. */
  public readonly role: iam.Role;
  /** The members' user profiles. */
  public readonly userProfiles: sagemaker.CfnUserProfile[];
  /** The team's name. */
  public readonly teamName: string;

  constructor(domain: StudioDomain, id: string, options: StudioTeamOptions) {
    super(domain, id);
    this.teamName = options.teamName;
    const role = domain._createTeamRole(this, options);
    this.role = role;
    for (const project of options.projects ?? []) {
      grantProject(role, project);
    }
    this.userProfiles = options.userProfileNames.map((name) => {
      const profile = new sagemaker.CfnUserProfile(this, `Profile${name}`, {
        domainId: domain.domainId,
        userProfileName: name,
        userSettings: { executionRole: role.roleArn, securityGroups: [domain.securityGroup.attrGroupId] },
        tags: [{ key: 'team', value: options.teamName }],
      });
      // The profile's apps run as the role as soon as it exists: its permissions come first.
      profile.node.addDependency(role);
      return profile;
    });
  }
}

/** An execution role trusted by SageMaker of this account only. */
function createRole(scope: Construct, id: string, description: string): ManagedPolicyRole {
  return new ManagedPolicyRole(scope, id, {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } }),
    description,
  });
}

/** A project's data, build pipeline and registry, for a data scientist: registering, not approving. */
function grantProject(role: iam.Role, project: StudioProjectAccess): void {
  project.dataBucket.grantRead(role);
  project.dataBucket.grantPut(role);
  if (project.buildPipeline) {
    const pipeline = project.buildPipeline;
    pipeline.grantStartExecution(role);
    pipeline.grantReadExecutions(role);
    // The grant names the ARN as written and, for a name with capitals, as SageMaker reports it (lower case).
    const name = pipeline.pipelineName;
    const lowered = Token.isUnresolved(name) || name === name.toLowerCase() ? [] : [pipeline.pipelineArn.replace(name, name.toLowerCase())];
    const executions = [pipeline.pipelineArn, ...lowered]
      .map((a) => nagResourceName(Stack.of(role), `${a}/execution/*`));
    waive(role, {
      rules: [...new Set(executions)].map((r) => `AwsSolutions-IAM5[Resource::${r}]`),
      reason: 'pipeline executions get their ids when they start; the pattern names the executions of the project\'s build pipeline only',
    });
  }
  const group = project.modelPackageGroup;
  if (group) {
    group.grantRead(role);
    group.grantRegister(role);
    // Approving a version starts its promotion to production: reviewers do it, not data scientists.
    // UpdateModelPackage is how a status changes; CreateModelPackage could register a version as
    // Approved at once, so that is denied by its sagemaker:ModelApprovalStatus condition key
    // (Service Authorization Reference for SageMaker: both actions support the key).
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: `NeverApprove${sidOf(group.node.addr)}`,
      effect: iam.Effect.DENY,
      actions: ['sagemaker:UpdateModelPackage'],
      resources: [group.modelPackageArn('*')],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: `NeverRegisterApproved${sidOf(group.node.addr)}`,
      effect: iam.Effect.DENY,
      actions: ['sagemaker:CreateModelPackage'],
      resources: [group.modelPackageArn('*'), group.modelPackageGroupArn],
      conditions: { StringEquals: { 'sagemaker:ModelApprovalStatus': 'Approved' } },
    }));
  }
  waive(role, {
    rules: ['s3:Abort*', 's3:GetBucket*', 's3:GetObject*', 's3:List*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((a) => `AwsSolutions-IAM5[Action::${a}]`)
      .concat([`AwsSolutions-IAM5[Resource::${nagResourceName(Stack.of(role), project.dataBucket.arnForObjects('*'))}]`]),
    reason: 'a data scientist reads and writes the objects of the project data bucket, under keys they choose, with its KMS key; these are the read and put grants of aws-cdk buckets, which do not delete',
  });
}

/** Launching the portfolios' products as SageMaker projects (what AmazonSageMakerFullAccess grants for projects, scoped). */
function grantProjectLaunch(role: iam.Role): void {
  const stack = Stack.of(role);
  const products = `arn:${stack.partition}:catalog:${stack.region}:${stack.account}:product/*`;
  const projects = stack.formatArn({ service: 'sagemaker', resource: 'project', resourceName: '*' });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'LaunchPortfolioProducts',
    // Service Catalog lets a principal launch only the products of portfolios it is associated with.
    actions: ['servicecatalog:ProvisionProduct', 'servicecatalog:DescribeProduct', 'servicecatalog:DescribeProvisioningParameters',
      'servicecatalog:ListLaunchPaths', 'servicecatalog:ListProvisioningArtifacts', 'servicecatalog:DescribeProvisioningArtifact'],
    resources: [products],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'FindProducts',
    actions: ['servicecatalog:SearchProducts', 'servicecatalog:DescribeProductView'],
    resources: ['*'],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'OwnProvisionedProducts',
    actions: ['servicecatalog:DescribeRecord', 'servicecatalog:DescribeProvisionedProduct', 'servicecatalog:SearchProvisionedProducts',
      'servicecatalog:ScanProvisionedProducts', 'servicecatalog:UpdateProvisionedProduct', 'servicecatalog:TerminateProvisionedProduct'],
    resources: ['*'],
    conditions: { StringEquals: { 'servicecatalog:userLevel': 'self' } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'SageMakerProjects',
    actions: ['sagemaker:CreateProject', 'sagemaker:DescribeProject', 'sagemaker:UpdateProject', 'sagemaker:DeleteProject'],
    resources: [projects],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ListProjects', actions: ['sagemaker:ListProjects'], resources: ['*'] }));
  waive(role, {
    rules: [products, projects, '*'].map((r) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`),
    reason: 'Service Catalog admits only products of the portfolios associated with this role; projects are named by the data scientist; search and record actions have no resource and are limited to the caller\'s own provisioned products',
  });
}

function sidOf(addr: string): string {
  return addr.slice(0, 8);
}
