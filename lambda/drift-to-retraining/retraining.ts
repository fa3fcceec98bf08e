import {
  DescribePipelineCommand,
  ListPipelineExecutionsCommand,
  PipelineExecutionSummary,
  SageMakerClient,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { readEnvironment, readOptionalInteger } from '../shared/environment';
import { countMalformedEvent, logger, metrics, MetricUnit } from '../shared/observability';
import { requestTokenFor } from '../shared/request-token';
import { isTransientServiceError } from '../shared/service-errors';
import { classify, DriftSignal, MonitoredEnvironment, WatchList } from './drift-signal';

/** Which pipeline parameter receives which part of the drift signal. */
export interface ParameterNames {
  readonly reason?: string;
  readonly monitorType?: string;
  readonly metric?: string;
  readonly endpoint?: string;
}

export interface DriftConfig {
  readonly pipelineName: string;
  readonly topicArn: string;
  readonly watch: WatchList;
  readonly cooldownSeconds: number;
  readonly parameterNames: ParameterNames;
}

/** The pipeline parameters a drift sets when the pipeline declares them. */
export const DEFAULT_PARAMETER_NAMES: ParameterNames = {
  reason: 'RetrainReason',
  monitorType: 'DriftMonitorType',
  metric: 'DriftMetric',
  endpoint: 'DriftEndpoint',
};

function jsonOf(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`environment variable ${name} must be JSON, got '${raw}'`);
  }
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** `[{"account": "333333333333", "region": "eu-west-1"}, ...]`: where the project's monitors run. */
function environmentList(name: string, raw: string): MonitoredEnvironment[] {
  const value = jsonOf(name, raw);
  const valid = Array.isArray(value) && value.every((x) => typeof x === 'object' && x !== null
    && ACCOUNT.test(String((x as MonitoredEnvironment).account)) && REGION.test(String((x as MonitoredEnvironment).region)));
  if (!valid || (value as unknown[]).length === 0) {
    throw new Error(`environment variable ${name} must be a non-empty JSON array of {"account": "<12 digits>", "region": "<region>"}, got '${raw}'`);
  }
  return (value as MonitoredEnvironment[]).map((e) => ({ account: e.account, region: e.region }));
}

function stringList(name: string, raw: string): Set<string> {
  const value = jsonOf(name, raw);
  if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) {
    throw new Error(`environment variable ${name} must be a JSON array of strings, got '${raw}'`);
  }
  return new Set(value as string[]);
}

/**
 * Reads the handler's configuration:
 * PIPELINE_NAME, TOPIC_ARN, WATCHED_ENDPOINTS and WATCHED_MONITORING_SCHEDULES (JSON arrays of names),
 * MONITORED_ENVIRONMENTS (JSON array of `{account, region}`: where drift may come from),
 * COOLDOWN_SECONDS (default 86400), PIPELINE_PARAMETER_NAMES (JSON object mapping reason, monitorType,
 * metric, endpoint to pipeline parameter names; default `DEFAULT_PARAMETER_NAMES`).
 */
export function readDriftConfig(env: NodeJS.ProcessEnv = process.env): DriftConfig {
  const e = readEnvironment(['PIPELINE_NAME', 'TOPIC_ARN', 'WATCHED_ENDPOINTS', 'WATCHED_MONITORING_SCHEDULES', 'MONITORED_ENVIRONMENTS'], env);
  const environments = environmentList('MONITORED_ENVIRONMENTS', e.MONITORED_ENVIRONMENTS);
  const endpoints = stringList('WATCHED_ENDPOINTS', e.WATCHED_ENDPOINTS);
  const monitoringSchedules = stringList('WATCHED_MONITORING_SCHEDULES', e.WATCHED_MONITORING_SCHEDULES);
  if (endpoints.size + monitoringSchedules.size === 0) {
    throw new Error('WATCHED_ENDPOINTS and WATCHED_MONITORING_SCHEDULES are both empty: the handler would ignore every event');
  }
  let parameterNames = DEFAULT_PARAMETER_NAMES;
  const rawNames = env.PIPELINE_PARAMETER_NAMES?.trim();
  if (rawNames) {
    const value = jsonOf('PIPELINE_PARAMETER_NAMES', rawNames);
    const keys = ['reason', 'monitorType', 'metric', 'endpoint'];
    if (typeof value !== 'object' || value === null || Array.isArray(value)
      || Object.entries(value).some(([k, n]) => !keys.includes(k) || typeof n !== 'string')) {
      throw new Error(`environment variable PIPELINE_PARAMETER_NAMES must map ${keys.join(', ')} to parameter names, got '${rawNames}'`);
    }
    parameterNames = value as ParameterNames;
  }
  return {
    pipelineName: e.PIPELINE_NAME,
    topicArn: e.TOPIC_ARN,
    watch: { endpoints, monitoringSchedules, environments },
    cooldownSeconds: readOptionalInteger('COOLDOWN_SECONDS', 86_400, env),
    parameterNames,
  };
}

export interface DriftHandlerDependencies {
  readonly sagemaker: SageMakerClient;
  readonly sns: SNSClient;
  readonly config: DriftConfig;
  /** The clock, for tests. */
  readonly now?: () => Date;
}

/** What the handler did with one event (also its one structured log line). */
export type Outcome =
  | 'ignored'
  | 'foreign'
  | 'malformed'
  | 'started'
  | 'already-started'
  | 'skipped-executing'
  | 'skipped-cooldown';

/** Executions this many back are enough to see the running one and the latest start. */
const RECENT_EXECUTIONS = 20;
/** SageMaker's limit on a pipeline parameter value. */
const MAX_PARAMETER_VALUE = 1024;

const RUNNING = new Set(['Executing', 'Stopping']);
/**
 * Executions that start the cooldown: a running one (which holds every drift back anyway) or one
 * that succeeded. A failed or stopped retraining produced no model: the next drift retrains.
 */
const COUNTS_FOR_COOLDOWN = new Set(['Executing', 'Stopping', 'Succeeded']);

/**
 * The drift handler: turns a drift signal into at most one retraining of the project's
 * model-build pipeline per drift (keyed on the monitoring execution or the alarm's state change,
 * not the event), never two at once, never two within the cooldown after a retraining that runs or
 * succeeded.
 */
export function createDriftHandler(deps: DriftHandlerDependencies): (event: unknown) => Promise<Outcome> {
  const { sagemaker, sns, config } = deps;
  const now = deps.now ?? (() => new Date());

  async function recentExecutions(): Promise<PipelineExecutionSummary[]> {
    const page = await sagemaker.send(new ListPipelineExecutionsCommand({
      PipelineName: config.pipelineName,
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: RECENT_EXECUTIONS,
    }));
    // Sort here too: the order is the contract this handler relies on.
    return [...(page.PipelineExecutionSummaries ?? [])]
      .sort((a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0));
  }

  async function declaredParameters(): Promise<Set<string>> {
    const pipeline = await sagemaker.send(new DescribePipelineCommand({ PipelineName: config.pipelineName }));
    try {
      const definition = JSON.parse(pipeline.PipelineDefinition ?? '{}') as { Parameters?: Array<{ Name?: unknown }> };
      return new Set((definition.Parameters ?? []).map((p) => p.Name).filter((n): n is string => typeof n === 'string'));
    } catch {
      logger.warn('pipeline definition is not JSON; starting retraining without drift parameters', { pipelineName: config.pipelineName });
      return new Set();
    }
  }

  function parametersFor(signal: DriftSignal, declared: Set<string>) {
    const values: Array<[string | undefined, string]> = [
      [config.parameterNames.reason, signal.reason],
      [config.parameterNames.monitorType, signal.monitorType],
      [config.parameterNames.metric, signal.metric],
      [config.parameterNames.endpoint, signal.endpoint],
    ];
    const passed = values.filter(([n]) => n !== undefined && declared.has(n));
    const dropped = values.map(([n]) => n).filter((n): n is string => n !== undefined && !declared.has(n));
    return {
      parameters: passed.map(([Name, Value]) => ({ Name: Name!, Value: Value.slice(0, MAX_PARAMETER_VALUE) })),
      dropped,
    };
  }

  async function notify(signal: DriftSignal, outcome: Outcome, detail: string): Promise<void> {
    const where = signal.endpoint ? `endpoint ${signal.endpoint}` : `monitoring schedule ${signal.monitoringSchedule}`;
    const headline: Record<string, string> = {
      'started': `Drift on ${where}: retraining started`,
      'already-started': `Drift on ${where}: retraining already started`,
      'skipped-executing': `Drift on ${where}: retraining skipped, one is running`,
      'skipped-cooldown': `Drift on ${where}: retraining skipped, cooldown`,
    };
    await sns.send(new PublishCommand({
      TopicArn: config.topicArn,
      Subject: (headline[outcome] ?? `Drift on ${where}`).slice(0, 100),
      Message: [
        `${signal.reason}.`,
        `Monitor type: ${signal.monitorType}; metric: ${signal.metric}; ${where}${signal.origin ? ` in ${signal.origin}` : ''}.`,
        `Pipeline ${config.pipelineName}: ${detail}.`,
        `Drift: ${signal.key} (event ${signal.eventId}).`,
      ].join('\n'),
      MessageAttributes: {
        outcome: { DataType: 'String', StringValue: outcome },
        monitorType: { DataType: 'String', StringValue: signal.monitorType },
      },
    }));
  }

  async function retrain(signal: DriftSignal): Promise<Outcome> {
    // The business key, not the event id: SageMaker may send one change as several events.
    const token = requestTokenFor('drift', signal.key);
    const log = { eventId: signal.eventId, driftKey: signal.key, origin: signal.origin, pipelineName: config.pipelineName, monitorType: signal.monitorType, metric: signal.metric, endpoint: signal.endpoint };
    const executions = await recentExecutions();

    // Another delivery of a drift we already acted on: the display name says so. The client request
    // token is a second guard: SageMaker documents it as "a unique, case-sensitive identifier that you
    // provide to ensure the idempotency of the operation" (botocore sagemaker 2017-07-24,
    // StartPipelineExecutionRequest.ClientRequestToken).
    const mine = executions.find((x) => x.PipelineExecutionDisplayName === token);
    if (mine) {
      // Logged, not notified: the topic heard of this drift when its retraining started.
      logger.info('retraining already started for this drift', { ...log, outcome: 'already-started', executionArn: mine.PipelineExecutionArn });
      return 'already-started';
    }
    const running = executions.find((x) => RUNNING.has(x.PipelineExecutionStatus ?? ''));
    if (running) {
      logger.info('retraining skipped: an execution is running', { ...log, outcome: 'skipped-executing', executionArn: running.PipelineExecutionArn });
      await notify(signal, 'skipped-executing', `retraining skipped because execution ${running.PipelineExecutionArn} is ${running.PipelineExecutionStatus}`);
      return 'skipped-executing';
    }
    const latest = executions.find((x) => COUNTS_FOR_COOLDOWN.has(x.PipelineExecutionStatus ?? ''))?.StartTime;
    if (latest && config.cooldownSeconds > 0) {
      const cooldownEnds = new Date(latest.getTime() + config.cooldownSeconds * 1000);
      if (now() < cooldownEnds) {
        logger.info('retraining skipped: within the cooldown after the last execution', {
          ...log, outcome: 'skipped-cooldown', lastStart: latest.toISOString(), cooldownEnds: cooldownEnds.toISOString(),
        });
        await notify(signal, 'skipped-cooldown', `retraining skipped: the last running or successful execution started at ${latest.toISOString()} and the cooldown of ${config.cooldownSeconds} s ends at ${cooldownEnds.toISOString()}`);
        return 'skipped-cooldown';
      }
    }

    const { parameters, dropped } = parametersFor(signal, await declaredParameters());
    const started = await sagemaker.send(new StartPipelineExecutionCommand({
      PipelineName: config.pipelineName,
      PipelineExecutionDisplayName: token,
      PipelineExecutionDescription: signal.reason.slice(0, 3072),
      PipelineParameters: parameters.length > 0 ? parameters : undefined,
      ClientRequestToken: token,
    }));
    logger.info('retraining started', {
      ...log,
      outcome: 'started',
      executionArn: started.PipelineExecutionArn,
      parameters: parameters.map((p) => p.Name),
      undeclaredParametersNotPassed: dropped,
    });
    await notify(signal, 'started', `retraining started as execution ${started.PipelineExecutionArn}`);
    return 'started';
  }

  return async (event: unknown): Promise<Outcome> => {
    const c = classify(event, config.watch);
    if (c.kind === 'malformed') {
      logger.warn('malformed event: not retried', { outcome: 'malformed', problems: c.problems });
      countMalformedEvent();
      return 'malformed';
    }
    if (c.kind === 'ignored') {
      logger.info('event ignored', { outcome: 'ignored', eventId: c.eventId, reason: c.reason });
      return 'ignored';
    }
    if (c.kind === 'foreign') {
      // Drift of a watched name from where this project does not monitor: a person should know.
      logger.warn('drift from an unmonitored account or region ignored', { outcome: 'foreign', eventId: c.eventId, reason: c.reason });
      metrics.addMetric('ForeignDriftEvents', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      return 'foreign';
    }
    try {
      return await retrain(c.signal);
    } catch (err) {
      // Transient faults are retried by the platform; anything else is kept in the dead-letter
      // queue too, because a drift we could not act on must not vanish.
      logger.error('could not act on drift', {
        eventId: c.signal.eventId, pipelineName: config.pipelineName, transient: isTransientServiceError(err), error: err as Error,
      });
      throw err;
    }
  };
}
