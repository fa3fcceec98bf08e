import { Aspects, Fn, IAspect, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import { NETWORK_PARAMETER_PREFIX, networkParameterNames, parameterPrefixProblem } from './network-parameters';
import { EndpointType, ServiceEndpoint } from './service-endpoint';
import { grantNetworkInterfaces } from './network-interface-grants';
import { declarationsFor, markServed } from './service-registry';
import type { ServiceUsageDeclaration } from './service-usage';
import { IWorkloadNetwork, NetworkInterfaceUser } from './workload-network';
import { waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { ManagedPolicyRole } from '../private/managed-policy-role';

/**
 * Options of a VPC the network creates.
 */
export interface IsolatedVpcOptions {
  /**
   * The VPC's IPv4 CIDR block.
   *
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;

  /**
   * How many Availability Zones get a subnet (2 to 6). SageMaker endpoints need subnets in two.
   *
   * @default 2
   */
  readonly availabilityZoneCount?: number;

  /**
   * The prefix length of each subnet (a /20 has 4,091 usable addresses; every job instance,
   * endpoint instance, function and interface endpoint takes one or two).
   *
   * @default 20
   */
  readonly subnetPrefixLength?: number;
}

/**
 * The ids of a VPC that exists already (no lookup: synth stays hermetic).
 */
export interface ExistingVpcAttributes {
  /** The VPC's id. It must have DNS support and DNS hostnames on (private DNS of interface endpoints needs both). */
  readonly vpcId: string;
  /** The VPC's IPv4 CIDR block. */
  readonly vpcCidrBlock: string;
  /** The private subnets workloads run in, in two or more Availability Zones. */
  readonly subnetIds: string[];
  /** The route tables of those subnets, for the gateway endpoints. */
  readonly routeTableIds: string[];
  /** The Availability Zones of the subnets, in the same order. */
  readonly availabilityZones: string[];

  /**
   * The managed prefix lists of S3 and DynamoDB in this region (`pl-...`): workloads may send
   * HTTPS to them and to the VPC's CIDR block, nowhere else.
   *
   * @default - workloads may send HTTPS to any address, and the VPC's routes decide where it goes
   */
  readonly gatewayPrefixListIds?: string[];
}

/**
 * The VPC of a `PlatformNetwork`: one it creates, or one that exists.
 */
export class PlatformVpc {
  /**
   * A new VPC with private isolated subnets only, in two or more Availability Zones: no internet
   * gateway, no NAT gateway, no public subnet, DNS support and hostnames on. The Availability
   * Zones are chosen at deploy time (`Fn::GetAZs`), so synth makes no lookup.
   */
  public static isolated(options: IsolatedVpcOptions = {}): PlatformVpc {
    return new PlatformVpc(options, undefined);
  }

  /**
   * A VPC that exists, by its ids.
   */
  public static fromAttributes(attributes: ExistingVpcAttributes): PlatformVpc {
    return new PlatformVpc(undefined, attributes);
  }

  /** @internal */
  public readonly _isolated?: IsolatedVpcOptions;
  /** @internal */
  public readonly _existing?: ExistingVpcAttributes;

  private constructor(isolated: IsolatedVpcOptions | undefined, existing: ExistingVpcAttributes | undefined) {
    this._isolated = isolated;
    this._existing = existing;
  }
}

interface FlowLogOptions {
  readonly encryptionKey?: kms.IKey;
  readonly retention: logs.RetentionDays;
}

interface BoundVpc {
  readonly vpc: ec2.IVpc;
  readonly subnetIds: string[];
  readonly routeTableIds: string[];
  readonly created: boolean;
  readonly gatewayPrefixListIds?: string[];
  readonly flowLog?: ec2.CfnFlowLog;
}

function createIsolatedVpc(scope: PlatformNetwork, options: IsolatedVpcOptions, flowLogs: FlowLogOptions): BoundVpc {
  const cidr = options.cidr ?? '10.0.0.0/16';
  const count = options.availabilityZoneCount ?? 2;
  const prefix = options.subnetPrefixLength ?? 20;
  const problems: string[] = [];
  const vpcPrefix = Token.isUnresolved(cidr) ? undefined : cidrPrefix(cidr);
  if (Token.isUnresolved(cidr)) problems.push('vpc cidr must be a literal CIDR block (security group rules name it), got a token');
  else if (vpcPrefix === undefined) problems.push(`vpc cidr must be an IPv4 CIDR block from /16 to /28 such as '10.0.0.0/16', got '${cidr}'`);
  if (!Number.isInteger(count) || count < 2 || count > 6) problems.push(`vpc availabilityZoneCount must be 2 to 6, got ${count}`);
  if (!Number.isInteger(prefix) || prefix < 16 || prefix > 28) problems.push(`vpc subnetPrefixLength must be 16 to 28, got ${prefix}`);
  else if (vpcPrefix !== undefined && (prefix <= vpcPrefix || 2 ** (prefix - vpcPrefix) < count)) {
    problems.push(`vpc cidr ${cidr} cannot hold ${count} subnets of /${prefix}: use a longer subnetPrefixLength or a larger block`);
  }
  if (problems.length > 0) throw new Error(`PlatformNetwork ${scope.node.path}: ${problems.join('; ')}`);

  const vpc = new ec2.CfnVPC(scope, 'Vpc', {
    cidrBlock: cidr,
    enableDnsSupport: true,
    enableDnsHostnames: true,
    tags: [{ key: 'Name', value: scope.node.path }],
  });
  waive(vpc, {
    rules: ['NIST.800.53.R5-VPCDefaultSecurityGroupClosed', 'HIPAA.Security-VPCDefaultSecurityGroupClosed', 'PCI.DSS.321-VPCDefaultSecurityGroupClosed'],
    reason: 'nothing of the platform is placed in the default security group: workloads, endpoints and Studio each get their own; closing it needs a custom-resource function with EC2 permissions',
  });
  const subnetIds: string[] = [];
  const routeTableIds: string[] = [];
  const availabilityZones: string[] = [];
  for (let i = 0; i < count; i++) {
    // Chosen at deploy time: a concrete environment's Stack.availabilityZones is a context lookup.
    const az = Fn.select(i, Fn.getAzs());
    const subnet = new ec2.CfnSubnet(scope, `Subnet${i + 1}`, {
      vpcId: vpc.ref,
      cidrBlock: Fn.select(i, Fn.cidr(vpc.attrCidrBlock, count, String(32 - prefix))),
      availabilityZone: az,
      mapPublicIpOnLaunch: false,
      tags: [{ key: 'Name', value: `${scope.node.path}/isolated-${i + 1}` }],
    });
    const routeTable = new ec2.CfnRouteTable(scope, `RouteTable${i + 1}`, {
      vpcId: vpc.ref,
      tags: [{ key: 'Name', value: `${scope.node.path}/isolated-${i + 1}` }],
    });
    new ec2.CfnSubnetRouteTableAssociation(scope, `RouteTableAssociation${i + 1}`, { subnetId: subnet.ref, routeTableId: routeTable.ref });
    subnetIds.push(subnet.ref);
    routeTableIds.push(routeTable.ref);
    availabilityZones.push(az);
  }
  const imported = ec2.Vpc.fromVpcAttributes(scope, 'VpcRef', {
    vpcId: vpc.ref,
    // The literal block, not Fn::GetAtt: security group rules that name it stay checkable at synth.
    vpcCidrBlock: cidr,
    availabilityZones,
    isolatedSubnetIds: subnetIds,
    isolatedSubnetRouteTableIds: routeTableIds,
  });
  return { vpc: imported, subnetIds, routeTableIds, created: true, flowLog: addFlowLog(scope, vpc, flowLogs) };
}

function importVpc(scope: PlatformNetwork, a: ExistingVpcAttributes): BoundVpc {
  const problems: string[] = [];
  if (!Token.isUnresolved(a.vpcId) && !/^vpc-[0-9a-f]+$/.test(a.vpcId)) problems.push(`vpcId must be a VPC id (vpc-...), got '${a.vpcId}'`);
  if (!Token.isUnresolved(a.vpcCidrBlock) && cidrPrefix(a.vpcCidrBlock) === undefined) problems.push(`vpcCidrBlock must be an IPv4 CIDR block, got '${a.vpcCidrBlock}'`);
  if (a.subnetIds.length < 2) problems.push(`subnetIds must name private subnets in at least two Availability Zones, got ${a.subnetIds.length}`);
  for (const id of a.subnetIds) if (!Token.isUnresolved(id) && !/^subnet-[0-9a-f]+$/.test(id)) problems.push(`subnetIds holds '${id}', not a subnet id`);
  if (a.routeTableIds.length === 0) problems.push('routeTableIds must name the route tables of the subnets, for the gateway endpoints');
  for (const id of a.routeTableIds) if (!Token.isUnresolved(id) && !/^rtb-[0-9a-f]+$/.test(id)) problems.push(`routeTableIds holds '${id}', not a route table id`);
  if (a.availabilityZones.length !== a.subnetIds.length) problems.push(`availabilityZones must give one zone per subnet, got ${a.availabilityZones.length} for ${a.subnetIds.length} subnets`);
  else if (a.subnetIds.length >= 2 && new Set(a.availabilityZones).size < 2) problems.push('the subnets must be in at least two Availability Zones');
  for (const id of a.gatewayPrefixListIds ?? []) if (!Token.isUnresolved(id) && !/^pl-[0-9a-f]+$/.test(id)) problems.push(`gatewayPrefixListIds holds '${id}', not a prefix list id`);
  if (problems.length > 0) throw new Error(`PlatformNetwork ${scope.node.path}: ${problems.join('; ')}`);
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'VpcRef', {
    vpcId: a.vpcId,
    vpcCidrBlock: a.vpcCidrBlock,
    availabilityZones: a.availabilityZones,
    isolatedSubnetIds: a.subnetIds,
    isolatedSubnetRouteTableIds: a.subnetIds.map((_, i) => a.routeTableIds[Math.min(i, a.routeTableIds.length - 1)]),
  });
  return { vpc, subnetIds: [...a.subnetIds], routeTableIds: [...new Set(a.routeTableIds)], created: false, gatewayPrefixListIds: a.gatewayPrefixListIds };
}

/**
 * Properties of a `PlatformNetwork`.
 */
export interface PlatformNetworkProps {
  /**
   * The VPC.
   *
   * @default PlatformVpc.isolated()
   */
  readonly vpc?: PlatformVpc;

  /**
   * The accounts whose principals may use the VPC endpoints, and whose resources the S3 and
   * DynamoDB gateway endpoints reach: the platform's tooling, staging and production accounts.
   *
   * @default - this stack's account only
   */
  readonly trustedAccounts?: string[];

  /**
   * An AWS Organizations organization id (`o-...`): endpoint policies then admit its principals
   * (`aws:PrincipalOrgID`) and resources (`aws:ResourceOrgID`) instead of `trustedAccounts`.
   *
   * @default - the policies name `trustedAccounts`
   */
  readonly organizationId?: string;

  /**
   * Whether the network creates the VPC endpoints of the services declared in its environment.
   * Turn it off for a VPC whose endpoints another team manages, and list them in `existingEndpoints`.
   *
   * @default true
   */
  readonly manageEndpoints?: boolean;

  /**
   * Endpoints the VPC has already (not created here). Synthesis fails when a service declared
   * in this environment has neither.
   *
   * @default - none
   */
  readonly existingEndpoints?: ServiceEndpoint[];

  /**
   * Endpoints to create beyond those declared by the constructs, for code of your own.
   *
   * @default - none
   */
  readonly additionalServices?: ServiceEndpoint[];

  /**
   * The SSM parameter path under which the network's ids are published for deploy-time templates
   * (`<prefix>/vpc-id`, `<prefix>/vpc-cidr`, `<prefix>/subnet-ids`, `<prefix>/security-group-ids`).
   *
   * @default '/mlops/platform/network'
   */
  readonly parameterPrefix?: string;

  /**
   * Key of the VPC flow log's log group (a created VPC only).
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long VPC flow logs are kept (a created VPC only).
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * The network of one account and region of the platform (tooling, staging, each production
 * region): a VPC with private subnets only and no path to the internet, and the VPC endpoints of
 * exactly the services that what runs there calls, derived from what the constructs declare
 * (`ServiceUsage`): interface endpoints with private DNS behind a security group admitting HTTPS
 * from the VPC only, S3 (and DynamoDB when used) as free gateway endpoints, each with a policy
 * admitting the platform's accounts or organization only. Its ids are published in SSM
 * parameters, so deployment templates resolve the network of whatever account and region they
 * are deployed to (`DeployTimeNetwork`).
 *
 * Costs: each interface endpoint is billed per Availability Zone and hour, and per GB processed
 * (AWS PrivateLink pricing); gateway endpoints are free; flow logs are billed by CloudWatch Logs.
 */
export class PlatformNetwork extends Construct implements IWorkloadNetwork {
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The VPC's id. */
  public readonly vpcId: string;
  /** The VPC's IPv4 CIDR block. */
  public readonly vpcCidrBlock: string;
  /** The private subnets workloads run in. */
  public readonly subnetIds: string[];
  /** The security groups workloads run with: `[workloadSecurityGroup]`. */
  public readonly securityGroupIds: string[];
  /** The workloads' security group: HTTPS out, and any TCP between its members (distributed jobs). */
  public readonly workloadSecurityGroup: ec2.SecurityGroup;
  /** The interface endpoints' security group: HTTPS in from the VPC's CIDR block only. */
  public readonly endpointSecurityGroup?: ec2.SecurityGroup;
  /** The VPC flow log (a created VPC only). */
  public readonly flowLog?: ec2.CfnFlowLog;
  /** Whether the VPC was created here. */
  public readonly createsVpc: boolean;
  /** The SSM parameter path of the published ids. */
  public readonly parameterPrefix: string;
  /** The published ids: vpc-id, vpc-cidr, subnet-ids, security-group-ids. */
  public readonly parameters: ssm.CfnParameter[];

  private readonly routeTableIds: string[];
  private readonly trustedAccounts: string[];
  private readonly organizationId?: string;
  private readonly manageEndpoints: boolean;
  private readonly existingEndpoints: ServiceEndpoint[];
  private readonly additionalServices: ServiceEndpoint[];
  private readonly served: Stack[] = [];
  private readonly endpoints = new Map<string, ec2.CfnVPCEndpoint>();
  private endpointsCreated = false;

  constructor(scope: Construct, id: string, props: PlatformNetworkProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.parameterPrefix = props.parameterPrefix ?? NETWORK_PARAMETER_PREFIX;
    this.trustedAccounts = props.trustedAccounts ?? [stack.account];
    this.organizationId = props.organizationId;
    this.manageEndpoints = props.manageEndpoints ?? true;
    this.existingEndpoints = props.existingEndpoints ?? [];
    this.additionalServices = props.additionalServices ?? [];
    const problems: string[] = [];
    const prefixProblem = parameterPrefixProblem(this.parameterPrefix);
    if (prefixProblem) problems.push(prefixProblem);
    for (const account of this.trustedAccounts) {
      if (!Token.isUnresolved(account) && !/^\d{12}$/.test(account)) problems.push(`trustedAccounts holds '${account}', not a 12-digit account id`);
    }
    if (this.trustedAccounts.length === 0 && !this.organizationId) problems.push('trustedAccounts must name at least one account (or give organizationId)');
    if (this.organizationId !== undefined && !Token.isUnresolved(this.organizationId) && !/^o-[a-z0-9]{10,32}$/.test(this.organizationId)) {
      problems.push(`organizationId must be an organization id (o-...), got '${this.organizationId}'`);
    }
    if (problems.length > 0) throw new Error(`PlatformNetwork ${this.node.path}: ${problems.join('; ')}`);

    const source = props.vpc ?? PlatformVpc.isolated();
    const bound = source._existing
      ? importVpc(this, source._existing)
      : createIsolatedVpc(this, source._isolated ?? {}, { encryptionKey: props.encryptionKey, retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR });
    this.vpc = bound.vpc;
    this.vpcId = bound.vpc.vpcId;
    this.vpcCidrBlock = bound.vpc.vpcCidrBlock;
    this.subnetIds = bound.subnetIds;
    this.routeTableIds = bound.routeTableIds;
    this.createsVpc = bound.created;
    this.flowLog = bound.flowLog;

    this.workloadSecurityGroup = new ec2.SecurityGroup(this, 'WorkloadSecurityGroup', {
      vpc: this.vpc,
      description: `Workloads of ${this.node.path}: HTTPS to the VPC endpoints, any TCP within the group`,
      allowAllOutbound: false,
    });
    const https = ec2.Port.tcp(443);
    this.workloadSecurityGroup.addEgressRule(ec2.Peer.ipv4(this.vpcCidrBlock), https, 'HTTPS to the interface endpoints of the VPC');
    if (bound.gatewayPrefixListIds) {
      for (const pl of bound.gatewayPrefixListIds) this.workloadSecurityGroup.addEgressRule(ec2.Peer.prefixList(pl), https, 'HTTPS to S3 or DynamoDB through the gateway endpoint');
    } else {
      // Gateway endpoints are reached at the services' public addresses, routed by the subnets'
      // route tables; in a created VPC nothing else is routable (no internet or NAT gateway).
      this.workloadSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), https, 'HTTPS to S3 and DynamoDB through the gateway endpoints; the VPC routes nothing else out');
    }
    this.workloadSecurityGroup.addIngressRule(this.workloadSecurityGroup, ec2.Port.allTcp(), 'between the instances of one job or endpoint (distributed training, Clarify shadow endpoints)');
    this.workloadSecurityGroup.addEgressRule(this.workloadSecurityGroup, ec2.Port.allTcp(), 'between the instances of one job or endpoint');
    this.securityGroupIds = [this.workloadSecurityGroup.securityGroupId];

    if (this.manageEndpoints) {
      this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: `Interface endpoints of ${this.node.path}: HTTPS from the VPC only`,
        allowAllOutbound: false,
      });
      this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(this.vpcCidrBlock), https, 'HTTPS from the VPC');
    }

    const names = networkParameterNames(this.parameterPrefix);
    const parameter = (pid: string, name: string, type: string, value: string, description: string) => new ssm.CfnParameter(this, pid, { name, type, value, description, tier: 'Standard' });
    this.parameters = [
      parameter('VpcIdParameter', names.vpcId, 'String', this.vpcId, 'VPC of the SageMaker MLOps platform in this account and region'),
      parameter('VpcCidrParameter', names.vpcCidr, 'String', this.vpcCidrBlock, 'IPv4 CIDR block of the platform VPC'),
      parameter('SubnetIdsParameter', names.subnetIds, 'StringList', Fn.join(',', this.subnetIds), 'Private subnets of the platform VPC that workloads run in'),
      parameter('SecurityGroupIdsParameter', names.securityGroupIds, 'StringList', Fn.join(',', this.securityGroupIds), 'Security groups of the platform\'s workloads'),
    ];

    const network = this;
    Aspects.of(this).add(new (class implements IAspect {
      public visit(node: IConstruct): void {
        if (node === network) network.createEndpoints();
      }
    })());
    this.node.addValidation({ validate: () => this.validateCoverage() });
  }

  /**
   * Counts the services declared in `scope`'s stack (a deployment template deployed into this
   * account and region) as running here, and no longer in the environment of the stack that
   * holds it.
   */
  public serve(scope: IConstruct): void {
    const stack = Stack.of(scope);
    if (!this.served.includes(stack)) this.served.push(stack);
    markServed(stack);
  }

  /**
   * The services whose endpoints this network creates: the S3 gateway endpoint, every service
   * declared in its environment and in the stacks it serves, and `additionalServices`; less
   * `existingEndpoints`. Complete once the app is synthesized.
   */
  public services(): ServiceEndpoint[] {
    const wanted = [ServiceEndpoint.S3, ...this.declarations().map((d) => d.service), ...this.additionalServices];
    const unique: ServiceEndpoint[] = [];
    for (const s of wanted) {
      if (!unique.some((u) => u.serviceName === s.serviceName) && !this.existingEndpoints.some((e) => e.serviceName === s.serviceName)) unique.push(s);
    }
    return unique.sort((a, b) => a.serviceName.localeCompare(b.serviceName));
  }

  /**
   * The VPC endpoint created for a service, once the app is synthesized.
   */
  public endpointFor(service: ServiceEndpoint): ec2.CfnVPCEndpoint | undefined {
    return this.endpoints.get(service.serviceName);
  }

  public grantNetworkInterfaces(grantee: iam.IGrantable, user: NetworkInterfaceUser): iam.Grant {
    return grantNetworkInterfaces(this, grantee, user);
  }

  private declarations(): ServiceUsageDeclaration[] {
    return declarationsFor(this, Stack.of(this), this.served);
  }

  private createEndpoints(): void {
    if (this.endpointsCreated || !this.manageEndpoints) return;
    this.endpointsCreated = true;
    const stack = Stack.of(this);
    for (const service of this.services()) {
      const id = `Endpoint${service.serviceName.split(/[.-]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')}`;
      const gateway = service.type === EndpointType.GATEWAY;
      const endpoint = new ec2.CfnVPCEndpoint(this, id, {
        vpcId: this.vpcId,
        serviceName: service.fullServiceName(stack.region),
        vpcEndpointType: service.type,
        routeTableIds: gateway ? this.routeTableIds : undefined,
        subnetIds: gateway ? undefined : this.subnetIds,
        securityGroupIds: gateway ? undefined : [this.endpointSecurityGroup!.securityGroupId],
        privateDnsEnabled: gateway ? undefined : true,
        policyDocument: this.endpointPolicy(service).toJSON(),
      });
      this.endpoints.set(service.serviceName, endpoint);
    }
  }

  /**
   * The endpoint's policy: requests by principals of the platform's accounts (or organization);
   * for S3 and DynamoDB also only to their resources, and for S3 the AWS-owned buckets that ECR
   * and CloudFormation documents.
   */
  private endpointPolicy(service: ServiceEndpoint): iam.PolicyDocument {
    const stack = Stack.of(this);
    const principals = this.organizationId
      ? { 'aws:PrincipalOrgID': this.organizationId }
      : { 'aws:PrincipalAccount': this.trustedAccounts };
    const resources = this.organizationId
      ? { 'aws:ResourceOrgID': this.organizationId }
      : { 'aws:ResourceAccount': this.trustedAccounts };
    const statements = [new iam.PolicyStatement({
      sid: service.resourcePerimeter ? 'PlatformPrincipalsToPlatformResources' : 'PlatformPrincipals',
      principals: [new iam.AnyPrincipal()],
      actions: ['*'],
      resources: ['*'],
      conditions: { StringEquals: service.resourcePerimeter ? { ...principals, ...resources } : principals },
    })];
    if (service === ServiceEndpoint.S3) {
      const region = stack.region;
      const regionWithoutDashes = Token.isUnresolved(region) ? Fn.join('', Fn.split('-', region)) : region.replace(/-/g, '');
      // ECR keeps image layers in this AWS-owned bucket and hands out presigned URLs to it (ECR
      // User Guide, "Minimum Amazon S3 Bucket Permissions for Amazon ECR").
      statements.push(new iam.PolicyStatement({
        sid: 'EcrImageLayers',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [`arn:${stack.partition}:s3:::prod-${region}-starport-layer-bucket/*`],
      }));
      // Custom resources answer CloudFormation with a presigned PUT to this AWS-owned bucket
      // (CloudFormation User Guide, "Setting up VPC endpoints for AWS CloudFormation").
      statements.push(new iam.PolicyStatement({
        sid: 'CloudFormationCustomResourceResponses',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [`arn:${stack.partition}:s3:::cloudformation-custom-resource-response-${regionWithoutDashes}/*`],
      }));
    }
    return new iam.PolicyDocument({ statements });
  }

  private validateCoverage(): string[] {
    if (this.manageEndpoints) return [];
    const covered = new Set(this.existingEndpoints.map((e) => e.serviceName));
    const missing = this.declarations().filter((d) => !covered.has(d.service.serviceName));
    return missing.map((d) => `PlatformNetwork ${this.node.path}: the VPC has no endpoint for ${d.service.serviceName} (${d.service.description}), which ${d.scope.node.path} calls (${d.reason}); add ServiceEndpoint for it to existingEndpoints, or set manageEndpoints`);
  }
}

function addFlowLog(scope: PlatformNetwork, vpc: ec2.CfnVPC, options: FlowLogOptions): ec2.CfnFlowLog {
  const stack = Stack.of(scope);
  const key = options.encryptionKey ?? createEncryptionKey(scope, 'FlowLogKey', `Encrypts the VPC flow logs of ${scope.node.path}`);
  key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
    conditions: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
    },
  }));
  const logGroup = new logs.LogGroup(scope, 'FlowLogs', { encryptionKey: key, retention: options.retention });
  // The VPC User Guide recommends aws:SourceAccount and aws:SourceArn against the confused deputy.
  const role = new ManagedPolicyRole(scope, 'FlowLogRole', {
    assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:vpc-flow-log/*` },
      },
    }),
    description: `Publishes the VPC flow logs of ${scope.node.path}`,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    resources: [logGroup.logGroupArn],
  }));
  waive(role, {
    rules: [`AwsSolutions-IAM5[Resource::<${stack.getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup)}.Arn>]`],
    reason: 'the flow log service writes log streams it names per network interface into this one log group',
  });
  const flowLog = new ec2.CfnFlowLog(scope, 'FlowLog', {
    resourceId: vpc.ref,
    resourceType: 'VPC',
    trafficType: 'ALL',
    logDestinationType: 'cloud-watch-logs',
    logGroupName: logGroup.logGroupName,
    deliverLogsPermissionArn: role.roleArn,
  });
  flowLog.node.addDependency(role);
  return flowLog;
}

/** The prefix length of an IPv4 CIDR block, or undefined if it is not one. */
function cidrPrefix(cidr: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  if (m.slice(1, 5).some((o) => Number(o) > 255)) return undefined;
  const prefix = Number(m[5]);
  return prefix >= 16 && prefix <= 28 ? prefix : undefined;
}
