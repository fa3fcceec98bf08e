import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { CfnEndpoint } from 'aws-cdk-lib/aws-sagemaker';

/**
 * How many instances of a fleet a deployment step moves: a share of the variant's
 * instance count, or a number of instances.
 */
export class CapacitySize {
  /**
   * A percentage of the variant's total instance count.
   */
  public static percent(value: number): CapacitySize {
    return new CapacitySize('CAPACITY_PERCENT', value);
  }

  /**
   * A number of instances.
   */
  public static instances(count: number): CapacitySize {
    return new CapacitySize('INSTANCE_COUNT', count);
  }

  /**
   * `CAPACITY_PERCENT` or `INSTANCE_COUNT`, as SageMaker names the unit.
   */
  public readonly type: string;

  /**
   * The percentage or the number of instances.
   */
  public readonly value: number;

  private constructor(type: string, value: number) {
    this.type = type;
    this.value = value;
  }

  /** @internal */
  public _render(): CfnEndpoint.CapacitySizeProperty {
    return { type: this.type, value: this.value };
  }

  /** @internal */
  public _problems(what: string, minPercent: number, maxPercent: number): string[] {
    if (Token.isUnresolved(this.value)) {
      return [];
    }
    if (this.type === 'CAPACITY_PERCENT') {
      if (!Number.isInteger(this.value) || this.value < minPercent || this.value > maxPercent) {
        return [`${what} must be a whole percentage between ${minPercent} and ${maxPercent}, got ${this.value}`];
      }
    } else if (!Number.isInteger(this.value) || this.value < 1) {
      return [`${what} must be a whole number of instances of at least 1, got ${this.value}`];
    }
    return [];
  }
}

/**
 * What every deployment strategy accepts.
 */
export interface DeploymentStrategyOptions {
  /**
   * More alarms that roll the deployment back when they go off, in addition to the endpoint's
   * default rollback alarms (5xx errors and model latency of the new fleet). SageMaker watches
   * at most 10 alarms in all.
   *
   * @default - only the endpoint's default rollback alarms
   */
  readonly rollbackAlarms?: cloudwatch.IAlarm[];

  /**
   * How long the whole deployment may take before SageMaker stops it and rolls back.
   *
   * @default - SageMaker's default
   */
  readonly maximumExecutionTimeout?: Duration;
}

/**
 * What the blue/green strategies (all at once, canary, linear) accept.
 */
export interface BlueGreenStrategyOptions extends DeploymentStrategyOptions {
  /**
   * How long SageMaker keeps the old fleet after all traffic has moved to the new one, ready for
   * an instant rollback; the old fleet's instances are billed meanwhile. At most one hour.
   *
   * @default Duration.seconds(0)
   */
  readonly terminationWait?: Duration;
}

/**
 * Options of an all-at-once blue/green deployment.
 */
export interface AllAtOnceOptions extends BlueGreenStrategyOptions {
  /**
   * The baking period: how long all traffic is on the new fleet, with the rollback alarms
   * watched, before the deployment completes. At most one hour.
   *
   * @default Duration.minutes(5)
   */
  readonly bakeTime?: Duration;
}

/**
 * Options of a canary blue/green deployment.
 */
export interface CanaryOptions extends BlueGreenStrategyOptions {
  /**
   * The share of the new fleet's capacity that takes traffic first, in percent (1 to 50).
   */
  readonly percent: number;

  /**
   * How long the canary takes traffic, with the rollback alarms watched, before the rest of
   * the traffic moves. At most one hour.
   */
  readonly wait: Duration;
}

/**
 * Options of a linear blue/green deployment.
 */
export interface LinearOptions extends BlueGreenStrategyOptions {
  /**
   * The share of the new fleet's capacity that takes traffic at each step, in percent (10 to 50).
   */
  readonly stepPercent: number;

  /**
   * How long each step takes traffic, with the rollback alarms watched, before the next step.
   * At most one hour.
   */
  readonly wait: Duration;
}

/**
 * Options of a rolling deployment.
 */
export interface RollingOptions extends DeploymentStrategyOptions {
  /**
   * How many instances each batch replaces: 5 to 50 percent of the variant's instance count,
   * or a number of instances.
   */
  readonly batchSize: CapacitySize;

  /**
   * How long each batch takes traffic, with the rollback alarms watched, before the next batch.
   * At most one hour.
   */
  readonly wait: Duration;

  /**
   * How many instances each batch of a rollback restores.
   *
   * @default - the whole fleet at once
   */
  readonly rollbackBatchSize?: CapacitySize;
}

/**
 * How a new model replaces the one an endpoint serves: blue/green (all at once, canary or
 * linear traffic shifting) or rolling, each rolled back automatically when an alarm goes off.
 *
 * For real-time and asynchronous endpoints (serverless endpoints have no deployment guardrails).
 * Rolling deployments do not support endpoints with more than one variant (a shadow variant
 * counts); SageMaker falls back to all at once, without baking, for Marketplace containers and
 * Inf1 instances.
 */
export class DeploymentStrategy {
  /**
   * Blue/green: the new fleet is provisioned, then takes all traffic at once; the old fleet is
   * kept through the baking period and restored if a rollback alarm goes off.
   */
  public static allAtOnce(options: AllAtOnceOptions = {}): DeploymentStrategy {
    return new DeploymentStrategy('ALL_AT_ONCE', options, {
      type: 'ALL_AT_ONCE',
      wait: options.bakeTime ?? Duration.minutes(5),
    });
  }

  /**
   * Blue/green with a canary: a share of the new fleet takes traffic first, for `wait`, then
   * the rest moves.
   */
  public static canary(options: CanaryOptions): DeploymentStrategy {
    return new DeploymentStrategy('CANARY', options, {
      type: 'CANARY',
      size: CapacitySize.percent(options.percent),
      sizeName: 'canary percent',
      minPercent: 1,
      maxPercent: 50,
      wait: options.wait,
    });
  }

  /**
   * Blue/green in equal linear steps, each taking traffic for `wait`.
   */
  public static linear(options: LinearOptions): DeploymentStrategy {
    return new DeploymentStrategy('LINEAR', options, {
      type: 'LINEAR',
      size: CapacitySize.percent(options.stepPercent),
      sizeName: 'linear step percent',
      minPercent: 10,
      maxPercent: 50,
      wait: options.wait,
    });
  }

  /**
   * Rolling: the fleet is replaced in batches in place, without doubling it, each batch taking
   * traffic for `wait`. Cheaper than blue/green for large fleets; a rollback takes longer.
   */
  public static rolling(options: RollingOptions): DeploymentStrategy {
    return new DeploymentStrategy('ROLLING', options, undefined, options);
  }

  /**
   * `ALL_AT_ONCE`, `CANARY`, `LINEAR` or `ROLLING`.
   */
  public readonly kind: string;

  /**
   * The alarms added to this strategy, beyond the endpoint's default rollback alarms.
   */
  public readonly rollbackAlarms: cloudwatch.IAlarm[];

  private readonly options: BlueGreenStrategyOptions;
  private readonly routing?: TrafficRouting;
  private readonly rollingOptions?: RollingOptions;

  private constructor(kind: string, options: BlueGreenStrategyOptions, routing?: TrafficRouting, rolling?: RollingOptions) {
    this.kind = kind;
    this.options = options;
    this.routing = routing;
    this.rollingOptions = rolling;
    this.rollbackAlarms = [...(options.rollbackAlarms ?? [])];
  }

  /**
   * Whether this is a rolling deployment (not blue/green).
   */
  public get isRolling(): boolean {
    return this.rollingOptions !== undefined;
  }

  /**
   * What is wrong with this strategy's options, as sentences without the construct path.
   *
   * @internal
   */
  public _problems(): string[] {
    const problems: string[] = [];
    const within = (what: string, d: Duration | undefined, minSeconds: number, maxSeconds: number) => {
      if (d === undefined || Token.isUnresolved(d.toSeconds())) return;
      const s = d.toSeconds();
      if (s < minSeconds || s > maxSeconds) {
        problems.push(`${what} must be between ${minSeconds} and ${maxSeconds} seconds, got ${s}`);
      }
    };
    if (this.routing) {
      if (this.routing.size) {
        problems.push(...this.routing.size._problems(this.routing.sizeName!, this.routing.minPercent!, this.routing.maxPercent!));
      }
      within(this.routing.type === 'ALL_AT_ONCE' ? 'bake time' : 'wait', this.routing.wait, 0, 3600);
      within('termination wait', this.options.terminationWait, 0, 3600);
      within('maximum execution timeout', this.options.maximumExecutionTimeout, 600, 14400);
    }
    if (this.rollingOptions) {
      problems.push(...this.rollingOptions.batchSize._problems('rolling batch size', 5, 50));
      if (this.rollingOptions.rollbackBatchSize) {
        problems.push(...this.rollingOptions.rollbackBatchSize._problems('rolling rollback batch size', 1, 100));
      }
      within('wait', this.rollingOptions.wait, 0, 3600);
      within('maximum execution timeout', this.rollingOptions.maximumExecutionTimeout, 600, 14400);
    }
    return problems;
  }

  /**
   * The endpoint's `DeploymentConfig`, rolling back on the named alarms.
   *
   * @internal
   */
  public _render(alarmNames: string[]): CfnEndpoint.DeploymentConfigProperty {
    const autoRollbackConfiguration = alarmNames.length > 0
      ? { alarms: alarmNames.map((alarmName) => ({ alarmName })) }
      : undefined;
    if (this.rollingOptions) {
      const r = this.rollingOptions;
      return {
        autoRollbackConfiguration,
        rollingUpdatePolicy: {
          maximumBatchSize: r.batchSize._render(),
          waitIntervalInSeconds: r.wait.toSeconds(),
          rollbackMaximumBatchSize: r.rollbackBatchSize?._render(),
          maximumExecutionTimeoutInSeconds: r.maximumExecutionTimeout?.toSeconds(),
        },
      };
    }
    const routing = this.routing!;
    return {
      autoRollbackConfiguration,
      blueGreenUpdatePolicy: {
        trafficRoutingConfiguration: {
          type: routing.type,
          waitIntervalInSeconds: routing.wait.toSeconds(),
          canarySize: routing.type === 'CANARY' ? routing.size!._render() : undefined,
          linearStepSize: routing.type === 'LINEAR' ? routing.size!._render() : undefined,
        },
        terminationWaitInSeconds: this.options.terminationWait?.toSeconds(),
        maximumExecutionTimeoutInSeconds: this.options.maximumExecutionTimeout?.toSeconds(),
      },
    };
  }
}

interface TrafficRouting {
  readonly type: string;
  readonly wait: Duration;
  readonly size?: CapacitySize;
  readonly sizeName?: string;
  readonly minPercent?: number;
  readonly maxPercent?: number;
}
