/**
 * Whether an AWS SDK error is worth retrying after the SDK's own retries are spent:
 * throttling and server faults are; a validation or access error will fail the same way again.
 */
export function isTransientServiceError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const e = error as { name?: string; $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.$fault === 'server' || e.$retryable) {
    return true;
  }
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) {
    return true;
  }
  const name = e.name ?? '';
  return /Throttl|TooManyRequests|RequestLimitExceeded|ProvisionedThroughputExceeded|ServiceUnavailable|InternalFailure|InternalServerError|TimeoutError|ECONNRESET|ETIMEDOUT/.test(name);
}
