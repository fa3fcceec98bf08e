import { Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IModelBuildPipeline } from '../pipeline/model-build-pipeline';

/**
 * An endpoint the dashboard shows, possibly in another account and region.
 */
export interface DashboardEndpoint {
  /**
   * The stage of the endpoint (`staging`, `production-eu`, ...), in the widgets' titles.
   */
  readonly stage: string;

  /**
   * The endpoint's name.
   */
  readonly endpointName: string;

  /**
   * The account of the endpoint. Another account than the dashboard's needs CloudWatch
   * cross-account sharing set up (see the governance README).
   *
   * @default - the dashboard's account
   */
  readonly account?: string;

  /**
   * The region of the endpoint.
   *
   * @default - the dashboard's region
   */
  readonly region?: string;

  /**
   * The variant whose metrics are shown.
   *
   * @default 'AllTraffic'
   */
  readonly variantName?: string;

  /**
   * Model Monitor schedules of the endpoint whose baseline drift metrics the dashboard shows
   * (`feature_baseline_drift_<feature>`, published when the baseline constraints enable metrics).
   *
   * @default - none
   */
  readonly monitoringScheduleNames?: string[];
}

/**
 * A handler of the project: its errors, throttles and dead letters.
 */
export interface DashboardHandler {
  /**
   * What the handler does, in the widget's title.
   */
  readonly title: string;

  /**
   * The handler's function.
   */
  readonly function: lambda.IFunction;

  /**
   * The handler's dead-letter queue.
   *
   * @default - no dead-letter widget
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * Properties of a `ProjectDashboard`.
 */
export interface ProjectDashboardProps {
  /**
   * The project, in the dashboard's name and title.
   */
  readonly projectName: string;

  /**
   * The name of the dashboard.
   *
   * @default 'mlops-<project>'
   */
  readonly dashboardName?: string;

  /**
   * The model-build pipeline whose executions the dashboard shows (SageMaker Pipelines metrics,
   * `AWS/Sagemaker/ModelBuildingPipeline`).
   *
   * @default - no build widgets
   */
  readonly buildPipeline?: IModelBuildPipeline;

  /**
   * The endpoints per stage: invocations, errors and latency (`AWS/SageMaker`).
   *
   * @default - none
   */
  readonly endpoints?: DashboardEndpoint[];

  /**
   * Rules of this account whose matches are monitoring violations (the tooling account's
   * `DriftRetraining.violationsRule`, which sees every violation forwarded to the platform bus).
   *
   * @default - none
   */
  readonly violationRules?: events.IRule[];

  /**
   * The project's handlers (approval, resolve, smoke test, drift, model card, lineage).
   *
   * @default - none
   */
  readonly handlers?: DashboardHandler[];

  /**
   * The project's alarms of this account, shown with their state.
   *
   * @default - none
   */
  readonly alarms?: cloudwatch.IAlarm[];

  /**
   * The period of the graphs.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/**
 * One CloudWatch dashboard per project, in the tooling account: the build pipeline's executions,
 * each stage's endpoint (invocations, 4XX and 5XX errors, model and overhead latency), the
 * monitors' violations and drift, the handlers' errors, throttles and dead letters, and the
 * state of the project's alarms.
 *
 * Endpoints and monitors of other accounts are graphed with their account and region on each
 * metric (a cross-account dashboard); the tooling account must be allowed to read their metrics
 * (CloudWatch cross-account observability, or the cross-account sharing role in each workload
 * account; see the governance README). Without it those graphs stay empty; nothing fails.
 *
 * Costs: USD 3 a month per dashboard beyond the free tier of three (CloudWatch pricing).
 */
export class ProjectDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: ProjectDashboardProps) {
    super(scope, id);
    validate(this, props);
    this.period = props.period ?? Duration.minutes(5);
    const dashboardName = props.dashboardName ?? `mlops-${props.projectName}`;
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(new cloudwatch.TextWidget({
      markdown: `# ${props.projectName}\nBuild, endpoints per stage, monitoring, handlers and alarms of the ${props.projectName} project. Graphs of other accounts need CloudWatch cross-account access from this account.`,
      width: 24,
      height: 2,
    }));
    if (props.buildPipeline) this.addBuildPipeline(props.buildPipeline);
    for (const endpoint of props.endpoints ?? []) this.addEndpoint(endpoint);
    this.addMonitoring(props.violationRules ?? [], props.endpoints ?? []);
    for (const handler of props.handlers ?? []) this.addHandler(handler);
    if ((props.alarms ?? []).length > 0) this.addAlarms(props.alarms!);
  }

  /**
   * Adds the executions of a model-build pipeline: started, succeeded, failed, stopped, and
   * their duration.
   */
  public addBuildPipeline(pipeline: IModelBuildPipeline): void {
    const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({
      // SageMaker Pipelines metrics (SageMaker developer guide, "SageMaker AI metrics in Amazon CloudWatch").
      namespace: 'AWS/Sagemaker/ModelBuildingPipeline',
      metricName,
      dimensionsMap: { PipelineName: pipeline.pipelineName },
      statistic,
      period: this.period,
      label: metricName.replace(/^Execution/, ''),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Build pipeline executions',
        left: ['ExecutionStarted', 'ExecutionSucceeded', 'ExecutionFailed', 'ExecutionStopped'].map((m) => metric(m, 'Sum')),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Build pipeline execution duration (ms)',
        left: [metric('ExecutionDuration', 'Average'), metric('ExecutionDuration', 'Maximum')],
        width: 12,
      }),
    );
  }

  /**
   * Adds one stage's endpoint: invocations, errors, latency (`AWS/SageMaker`, `EndpointName`
   * and `VariantName`; latencies in microseconds).
   */
  public addEndpoint(endpoint: DashboardEndpoint): void {
    const where = this.where(endpoint.account, endpoint.region);
    const metric = (metricName: string, statistic: string, label: string) => new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: endpoint.endpointName, VariantName: endpoint.variantName ?? 'AllTraffic' },
      statistic,
      period: this.period,
      label,
      ...where,
    });
    const title = `${endpoint.stage}: ${endpoint.endpointName}${where.account ? ` (${where.account}${where.region ? `/${where.region}` : ''})` : ''}`;
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: `${title}, invocations`, left: [metric('Invocations', 'Sum', 'Invocations')], width: 8 }),
      new cloudwatch.GraphWidget({
        title: `${title}, errors`,
        left: [metric('Invocation4XXErrors', 'Sum', '4XX'), metric('Invocation5XXErrors', 'Sum', '5XX')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${title}, latency (µs)`,
        left: [metric('ModelLatency', 'p50', 'model p50'), metric('ModelLatency', 'p99', 'model p99'), metric('OverheadLatency', 'p99', 'overhead p99')],
        width: 8,
      }),
    );
  }

  /**
   * Adds a handler: errors and throttles of its function, and messages in its dead-letter queue.
   */
  public addHandler(handler: DashboardHandler): void {
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        title: `${handler.title}: errors and throttles`,
        left: [
          handler.function.metricErrors({ period: this.period, statistic: 'Sum', label: 'errors' }),
          handler.function.metricThrottles({ period: this.period, statistic: 'Sum', label: 'throttles' }),
        ],
        width: handler.deadLetterQueue ? 12 : 24,
      }),
    ];
    if (handler.deadLetterQueue) {
      widgets.push(new cloudwatch.GraphWidget({
        title: `${handler.title}: dead letters`,
        left: [handler.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: this.period, statistic: 'Maximum', label: 'waiting' })],
        width: 12,
      }));
    }
    this.dashboard.addWidgets(...widgets);
  }

  /**
   * Adds the state of alarms of this account.
   */
  public addAlarms(alarms: cloudwatch.IAlarm[]): void {
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({
      title: 'Alarms',
      alarms,
      width: 24,
      height: Math.min(2 + Math.ceil(alarms.length / 4), 12),
    }));
  }

  private addMonitoring(rules: events.IRule[], endpoints: DashboardEndpoint[]): void {
    const monitored = endpoints.filter((e) => (e.monitoringScheduleNames ?? []).length > 0);
    if (rules.length === 0 && monitored.length === 0) return;
    const widgets: cloudwatch.IWidget[] = [];
    if (rules.length > 0) {
      widgets.push(new cloudwatch.GraphWidget({
        title: 'Monitoring executions with violations',
        left: rules.map((rule, i) => new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'MatchedEvents',
          dimensionsMap: ruleDimensions(rule),
          statistic: 'Sum',
          period: Duration.hours(1),
          label: `violations ${i + 1}`,
        })),
        width: monitored.length > 0 ? 12 : 24,
      }));
    }
    for (const endpoint of monitored) {
      const where = this.where(endpoint.account, endpoint.region);
      widgets.push(new cloudwatch.GraphWidget({
        title: `${endpoint.stage}: baseline drift per feature`,
        // A search finds every feature's metric without naming the features; it matches the
        // schedule name as a dimension value (CloudWatch search expression syntax).
        left: endpoint.monitoringScheduleNames!.map((schedule) => new cloudwatch.SearchExpression({
          expression: `SEARCH('"${schedule}" feature_baseline_drift', 'Maximum', 3600)`,
          label: schedule,
          period: Duration.hours(1),
          searchAccount: where.account,
          searchRegion: where.region,
        })),
        width: 12,
      }));
    }
    this.dashboard.addWidgets(...widgets);
  }

  /** The account and region to put on a metric: only those that differ from the dashboard's. */
  private where(account?: string, region?: string): { account?: string; region?: string } {
    const stack = Stack.of(this);
    const other = (mine: string, theirs?: string) => (theirs !== undefined && (Token.isUnresolved(mine) || Token.isUnresolved(theirs) || theirs !== mine) ? theirs : undefined);
    return { account: other(stack.account, account), region: other(stack.region, region) };
  }
}

/**
 * The dimensions of a rule's metrics: `RuleName` on the default bus, `EventBusName` and
 * `RuleName` on a custom bus (EventBridge user guide, "Monitoring Amazon EventBridge"). Both are
 * read from the rule's ARN, `...:rule/<name>` or `...:rule/<bus>/<name>`.
 */
function ruleDimensions(rule: events.IRule): { [name: string]: string } {
  const arn = rule.ruleArn;
  if (!Token.isUnresolved(arn)) {
    const path = arn.slice(arn.indexOf(':rule/') + ':rule/'.length).split('/');
    return path.length > 1 ? { EventBusName: path[0], RuleName: path[1] } : { RuleName: path[0] };
  }
  const cfn = rule.node.defaultChild as events.CfnRule | undefined;
  const onCustomBus = cfn instanceof events.CfnRule && cfn.eventBusName !== undefined;
  const parts = Fn.split('/', arn);
  return onCustomBus ? { EventBusName: Fn.select(1, parts), RuleName: Fn.select(2, parts) } : { RuleName: Fn.select(1, parts) };
}

function validate(scope: Construct, props: ProjectDashboardProps): void {
  const problems: string[] = [];
  const name = props.dashboardName ?? `mlops-${props.projectName}`;
  // Dashboard names: up to 255 of A-Z, a-z, 0-9, '-' and '_' (CloudFormation AWS::CloudWatch::Dashboard).
  if (!Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
    problems.push(`dashboardName '${name}' must be 1-255 of letters, digits, '-' and '_'`);
  }
  for (const e of props.endpoints ?? []) {
    if (e.account !== undefined && !Token.isUnresolved(e.account) && !/^\d{12}$/.test(e.account)) {
      problems.push(`endpoint ${e.endpointName}: account '${e.account}' is not a 12-digit account id`);
    }
    for (const s of e.monitoringScheduleNames ?? []) {
      if (!Token.isUnresolved(s) && /['"]/.test(s)) problems.push(`endpoint ${e.endpointName}: monitoring schedule name '${s}' may not hold quotes`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`ProjectDashboard ${scope.node.path}: ${problems.join('; ')}`);
  }
}
