import { Token } from 'aws-cdk-lib';

/**
 * The cron expressions SageMaker Model Monitor accepts: hourly `cron(0 * ? * * *)`, daily
 * `cron(0 H ? * * *)` and every N hours from a start hour `cron(0 H/N ? * * *)`.
 */
const SUPPORTED = /^cron\(0 (\*|(\d{1,2})|(\d{1,2})\/(\d{1,2})) \? \* \* \*\)$/;

/**
 * How often a monitor runs. Model Monitor accepts only hourly, daily and every-N-hours
 * schedules (UTC); an execution may start up to 20 minutes late.
 */
export class MonitorSchedule {
  /** Every hour, on the hour. */
  public static hourly(): MonitorSchedule {
    return new MonitorSchedule('cron(0 * ? * * *)');
  }

  /**
   * Once a day at `hourUtc`.
   *
   * @param hourUtc 0 to 23
   */
  public static daily(hourUtc: number = 0): MonitorSchedule {
    return new MonitorSchedule(`cron(0 ${hourUtc} ? * * *)`);
  }

  /**
   * Every `hours` hours, starting at `startHourUtc`.
   *
   * @param hours 1 to 24
   * @param startHourUtc 0 to 23
   */
  public static everyHours(hours: number, startHourUtc: number = 0): MonitorSchedule {
    return new MonitorSchedule(`cron(0 ${startHourUtc}/${hours} ? * * *)`);
  }

  /**
   * A cron expression as SageMaker takes it, e.g. `cron(0 17/12 ? * * *)`. Validated when the
   * monitor is created.
   */
  public static expression(expression: string): MonitorSchedule {
    return new MonitorSchedule(expression);
  }

  private constructor(
    /** The cron expression. */
    public readonly expressionString: string,
  ) {}

  /**
   * The shortest time between two executions, in seconds (3600 for hourly), or undefined for a
   * token. A monitoring job must end within it.
   *
   * @internal
   */
  public _intervalSeconds(): number | undefined {
    const m = SUPPORTED.exec(this.expressionString);
    if (!m) return undefined;
    if (m[1] === '*') return 3600;
    if (m[4] !== undefined) return Number(m[4]) * 3600;
    return 86_400;
  }

  /**
   * Why SageMaker would reject the expression, or undefined.
   *
   * @internal
   */
  public _problem(): string | undefined {
    if (Token.isUnresolved(this.expressionString)) return undefined;
    const m = SUPPORTED.exec(this.expressionString);
    const hour = m?.[2] ?? m?.[3];
    const interval = m?.[4];
    if (!m || (hour !== undefined && Number(hour) > 23) || (interval !== undefined && (Number(interval) < 1 || Number(interval) > 24))) {
      return `schedule must be hourly 'cron(0 * ? * * *)', daily 'cron(0 H ? * * *)' or every N hours 'cron(0 H/N ? * * *)' (H 0-23, N 1-24), got '${this.expressionString}'`;
    }
    return undefined;
  }
}
