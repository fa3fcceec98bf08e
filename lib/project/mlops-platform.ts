import { Aspects, Aws, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EventForwarding, ForwardedEvents } from '../monitoring/event-forwarding';
import { PlatformEventBus, PlatformEventSource } from '../monitoring/platform-event-bus';
import { PlatformNetwork, PlatformVpc } from '../network/platform-network';
import { ServiceEndpoint } from '../network/service-endpoint';
import { SandboxRemoval } from '../private/sandbox';

/**
 * An account and region the platform deploys into.
 */
export interface PlatformEnvironment {
  /**
   * The 12-digit account id.
   */
  readonly account: string;

  /**
   * The region.
   */
  readonly region: string;
}

/**
 * An existing VPC of one account and region of the platform.
 */
export interface EnvironmentVpc {
  /** The account. */
  readonly account: string;
  /** The region. */
  readonly region: string;
  /** The VPC there (`PlatformVpc.fromAttributes`, or `PlatformVpc.isolated` with options of your own). */
  readonly vpc: PlatformVpc;
}

/**
 * Options of the platform's private networks.
 */
export interface PrivateNetworkingOptions {
  /**
   * The VPCs of environments that have one already, or need other options than the default.
   *
   * @default - a new VPC with private isolated subnets only in each account and region (`PlatformVpc.isolated()`)
   */
  readonly vpcs?: EnvironmentVpc[];

  /**
   * An AWS Organizations organization id (`o-...`): the VPC endpoint policies admit its
   * principals and resources instead of the platform's accounts.
   *
   * @default - the endpoint policies name the platform's tooling, staging and production accounts
   */
  readonly organizationId?: string;

  /**
   * Endpoints to create in every network beyond those the platform's constructs declare, for
   * code of your own.
   *
   * @default - none
   */
  readonly additionalServices?: ServiceEndpoint[];
}

/**
 * Where the platform's jobs, endpoints, monitors, handlers and builds run.
 */
export class PlatformNetworking {
  /**
   * Private (the default): one `PlatformNetwork` per account and region of the platform, with
   * private subnets only, no path to the internet, and the VPC endpoints of what runs there.
   * Every SageMaker job, model, monitor, Lambda handler and CodeBuild build of the platform's
   * projects runs in it. Interface endpoints cost about USD 14.60 a month each in two
   * Availability Zones (see the README for the reference platform's total).
   */
  public static privateVpcs(options: PrivateNetworkingOptions = {}): PlatformNetworking {
    return new PlatformNetworking(true, options);
  }

  /**
   * No VPCs: everything runs on the services' own networks with internet access, as AWS's
   * samples do. Cheaper, for a first try; cdk-nag's VPC rules are then acknowledged on each
   * resource with that reason.
   */
  public static none(): PlatformNetworking {
    return new PlatformNetworking(false, {});
  }

  /** Whether the platform runs in private networks. */
  public readonly isPrivate: boolean;
  /** The options of the private networks. */
  public readonly options: PrivateNetworkingOptions;

  private constructor(isPrivate: boolean, options: PrivateNetworkingOptions) {
    this.isPrivate = isPrivate;
    this.options = options;
  }
}

/**
 * Properties of an `MlopsPlatform`.
 */
export interface MlopsPlatformProps {
  /**
   * The tooling account: build pipelines, registries, promotion pipelines, the drift loop.
   */
  readonly tooling: PlatformEnvironment;

  /**
   * The staging account, where every model is deployed and tested before production.
   */
  readonly staging: PlatformEnvironment;

  /**
   * The production accounts, in the order their waves deploy. At least one.
   */
  readonly production: PlatformEnvironment[];

  /**
   * Name of the tooling account's event bus.
   *
   * @default 'sagemaker-mlops-platform'
   */
  readonly eventBusName?: string;

  /**
   * Prefix of the platform's stack names.
   *
   * @default 'Mlops'
   */
  readonly stackNamePrefix?: string;

  /**
   * Where the platform's workloads run.
   *
   * @default PlatformNetworking.privateVpcs()
   */
  readonly networking?: PlatformNetworking;

  /**
   * A sandbox that `cdk destroy` removes: every bucket (its objects deleted first), key
   * (scheduled for deletion after 7 days), log group, registry and table of the platform and its
   * projects is deleted with its stack. By default they are retained: captured data, model
   * artifacts, audit logs and the registry outlive a stack deleted by mistake, and buckets,
   * registries and endpoint log groups have fixed names that a redeploy takes up again. A
   * registry that still holds model versions may refuse deletion (DeleteModelPackageGroup can
   * answer ConflictException): delete its versions first.
   *
   * @default false
   */
  readonly sandbox?: boolean;
}

/**
 * The shared part of the platform, one per organization: the tooling account's event bus, and in
 * staging and each production account the forwarding of events to it. Production forwards its Model
 * Monitor executions and metric alarms and its endpoint changes; staging only its endpoint changes.
 * The bus admits exactly those accounts, and from each only what it forwards, so drift reaches the
 * tooling account from production only, by this one route. Projects (`MlopsProject`) are onboarded
 * onto a platform; each brings its own stacks, so onboarding a project never touches another
 * project's resources.
 */
export class MlopsPlatform extends Construct {
  /** The tooling environment. */
  public readonly tooling: PlatformEnvironment;
  /** The staging environment. */
  public readonly staging: PlatformEnvironment;
  /** The production environments. */
  public readonly production: PlatformEnvironment[];
  /** The tooling account's stack of shared resources. */
  public readonly toolingStack: Stack;
  /** The staging account's stack of shared resources. */
  public readonly stagingStack: Stack;
  /** The stacks of shared resources of each production account and region other than staging's. */
  public readonly productionStacks: Stack[];
  /** The tooling account's event bus, which admits the staging and production accounts, each for what it forwards. */
  public readonly eventBus: PlatformEventBus;
  /** The name of the tooling account's event bus. */
  public readonly eventBusName: string;
  /** Prefix of the stack names of the platform and its projects. */
  public readonly stackNamePrefix: string;
  /** Where the platform's workloads run. */
  public readonly networking: PlatformNetworking;
  /** Whether everything the platform and its projects create is removed with their stacks. */
  public readonly sandbox: boolean;
  /** The network of the tooling account and region, in private mode. */
  public readonly toolingNetwork?: PlatformNetwork;
  /** The networks of every account and region of the platform, in private mode (one per account and region). */
  public readonly networks: PlatformNetwork[];
  private readonly networkByEnvironment = new Map<string, PlatformNetwork>();
  private readonly stackByEnvironment = new Map<string, Stack>();

  constructor(scope: Construct, id: string, props: MlopsPlatformProps) {
    super(scope, id);
    const problems: string[] = [];
    const check = (what: string, env: PlatformEnvironment) => {
      if (!Token.isUnresolved(env.account) && !/^\d{12}$/.test(env.account)) problems.push(`${what}.account must be a 12-digit account id, got '${env.account}'`);
      if (!Token.isUnresolved(env.region) && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(env.region)) problems.push(`${what}.region must be a region such as eu-west-1, got '${env.region}'`);
    };
    check('tooling', props.tooling);
    check('staging', props.staging);
    props.production.forEach((env, i) => check(`production[${i}]`, env));
    if (props.production.length === 0) problems.push('production must name at least one environment');
    const prefix = props.stackNamePrefix ?? 'Mlops';
    if (!/^[A-Za-z][A-Za-z0-9-]{0,40}$/.test(prefix)) problems.push(`stackNamePrefix must be 1-41 of A-Z, a-z, 0-9 and '-', starting with a letter, got '${prefix}'`);
    const networking = props.networking ?? PlatformNetworking.privateVpcs();
    const environments = new Set([props.tooling, props.staging, ...props.production].map((e) => `${e.account}/${e.region}`));
    (networking.options.vpcs ?? []).forEach((v, i) => {
      if (!environments.has(`${v.account}/${v.region}`)) {
        problems.push(`networking vpcs[${i}] is for ${v.account}/${v.region}, which is not an account and region of the platform (${[...environments].join(', ')})`);
      }
    });
    if (problems.length > 0) throw new Error(`MlopsPlatform ${this.node.path}: ${problems.join('; ')}`);

    this.tooling = props.tooling;
    this.staging = props.staging;
    this.production = props.production;
    this.stackNamePrefix = prefix;
    this.networking = networking;
    this.sandbox = props.sandbox ?? false;
    if (this.sandbox) Aspects.of(this).add(new SandboxRemoval());

    this.toolingStack = new Stack(this, 'Tooling', {
      env: props.tooling,
      stackName: `${prefix}-Platform-Tooling`,
      description: 'SageMaker MLOps platform: shared resources of the tooling account (event bus)',
    });
    // What each account and region forwards: production its monitoring and endpoints, staging its
    // endpoints only; one that is both (a shared account and region) forwards both.
    const forwardedFrom = new Map<string, ForwardedEvents>();
    const forwarding = (where: string, events: ForwardedEvents) => {
      const known = forwardedFrom.get(where);
      forwardedFrom.set(where, known ? known.combinedWith(events) : events);
    };
    forwarding(`${props.staging.account}/${props.staging.region}`, ForwardedEvents.staging());
    for (const env of props.production) forwarding(`${env.account}/${env.region}`, ForwardedEvents.production());
    const sources: PlatformEventSource[] = [...forwardedFrom.entries()].map(([where, events]) => ({ account: where.split('/')[0], events }));
    this.eventBusName = props.eventBusName ?? 'sagemaker-mlops-platform';
    this.eventBus = new PlatformEventBus(this.toolingStack, 'Events', {
      eventBusName: this.eventBusName,
      sources,
    });

    const forwardTo = (stack: Stack, where: string) => {
      stack.addStackDependency(this.toolingStack);
      new EventForwarding(stack, 'ForwardToTooling', { targetEventBusArn: this.eventBusArn, events: forwardedFrom.get(where) });
    };
    this.stagingStack = new Stack(this, 'Staging', {
      env: props.staging,
      stackName: `${prefix}-Platform-Staging`,
      description: 'SageMaker MLOps platform: shared resources of the staging account (event forwarding)',
    });
    forwardTo(this.stagingStack, `${props.staging.account}/${props.staging.region}`);
    // SageMaker events are regional: forward once from each account and region with endpoints.
    const forwarded = new Set([`${props.staging.account}/${props.staging.region}`]);
    this.productionStacks = [];
    props.production.forEach((env, i) => {
      const where = `${env.account}/${env.region}`;
      if (forwarded.has(where)) return;
      forwarded.add(where);
      const stack = new Stack(this, `Production${i + 1}`, {
        env,
        stackName: `${prefix}-Platform-Production${i + 1}`,
        description: `SageMaker MLOps platform: shared resources of production account ${i + 1} (event forwarding)`,
      });
      forwardTo(stack, where);
      this.productionStacks.push(stack);
    });

    this.stackByEnvironment.set(`${props.tooling.account}/${props.tooling.region}`, this.toolingStack);
    this.stackByEnvironment.set(`${props.staging.account}/${props.staging.region}`, this.stagingStack);
    props.production.forEach((env, i) => {
      const where = `${env.account}/${env.region}`;
      if (!this.stackByEnvironment.has(where)) this.stackByEnvironment.set(where, this.productionStacks.find((st) => st.node.id === `Production${i + 1}`)!);
    });
    // One network per account and region: a shared one when tooling and staging are one environment.
    this.networks = [];
    if (networking.isPrivate) {
      const trustedAccounts = [...new Set([props.tooling.account, props.staging.account, ...props.production.map((p) => p.account)])];
      for (const [where, stack] of this.stackByEnvironment) {
        const given = (networking.options.vpcs ?? []).find((v) => `${v.account}/${v.region}` === where);
        const network = new PlatformNetwork(stack, 'Network', {
          vpc: given?.vpc,
          trustedAccounts,
          organizationId: networking.options.organizationId,
          additionalServices: networking.options.additionalServices,
        });
        this.networkByEnvironment.set(where, network);
        this.networks.push(network);
      }
      this.toolingNetwork = this.networkByEnvironment.get(`${props.tooling.account}/${props.tooling.region}`);
    }
  }

  /**
   * The network of an account and region of the platform, in private mode.
   */
  public networkFor(environment: PlatformEnvironment): PlatformNetwork | undefined {
    return this.networkByEnvironment.get(`${environment.account}/${environment.region}`);
  }

  /**
   * The platform's stack in an account and region of the platform (its network and event
   * forwarding), which the projects' stacks there deploy after.
   */
  public stackFor(environment: PlatformEnvironment): Stack | undefined {
    return this.stackByEnvironment.get(`${environment.account}/${environment.region}`);
  }

  /** The projects onboarded, by name: the construct path of each. */
  private readonly projects = new Map<string, string>();

  /**
   * Records a project onboarded onto this platform; fails for a name already taken.
   * @internal
   */
  public _registerProject(projectName: string, path: string): void {
    const existing = this.projects.get(projectName);
    if (existing !== undefined) {
      throw new Error(`MlopsProject ${path}: projectName '${projectName}' is already the name of project ${existing} on platform ${this.node.path}; project names name buckets, roles, the registry and endpoints in every account, so give each project its own`);
    }
    this.projects.set(projectName, path);
  }

  /**
   * The ARN of the tooling account's event bus, as a string other accounts' stacks can use. Its
   * partition is the stack's own (`AWS::Partition`), never a literal `aws`: events cannot cross
   * partitions, so the forwarding account's partition is the bus's.
   */
  public get eventBusArn(): string {
    return `arn:${Aws.PARTITION}:events:${this.tooling.region}:${this.tooling.account}:event-bus/${this.eventBusName}`;
  }
}
