import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** One structured JSON logger per handler; the service name comes from POWERTOOLS_SERVICE_NAME. */
export const logger = new Logger();

/** Embedded-metric-format metrics; namespace and service come from the environment. */
export const metrics = new Metrics();

/**
 * Counts an event we could not parse. It is logged with what was wrong and not retried:
 * retrying garbage helps nobody, and the MalformedEvents alarm tells a person.
 */
export function countMalformedEvent(): void {
  metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

export { MetricUnit };
