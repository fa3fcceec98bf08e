import { isTransientServiceError } from './service-errors';

/**
 * SDK client retry configuration of our handlers: the SDK's standard retry mode (exponential
 * backoff with jitter, retrying throttling, 5xx and transient network errors) with more attempts
 * than its default of 3. The handlers' own `retryTransient` adds a bounded outer retry on top, for
 * throttling that outlasts the SDK's attempts; both stop well before the Lambda timeout.
 */
export const SDK_RETRY = { maxAttempts: 4, retryMode: 'standard' } as const;

/** How long a handler may still work: the Lambda context's remaining time, less a margin. */
export interface Deadline {
  /** Milliseconds left before the handler must have answered. */
  remainingMs(): number;
}

/** A deadline `budgetMs` from now (for code without a Lambda context, and for tests). */
export function deadlineIn(budgetMs: number, now: () => number = Date.now): Deadline {
  const end = now() + budgetMs;
  return { remainingMs: () => end - now() };
}

/**
 * The deadline of one invocation: Lambda's remaining time less `marginMs`, kept for answering
 * (a CodePipeline job result, a log line) after the work. Without a context, `fallbackMs`.
 */
export function deadlineOf(context: unknown, marginMs: number, fallbackMs = 20_000, now: () => number = Date.now): Deadline {
  const remaining = typeof (context as { getRemainingTimeInMillis?: unknown } | undefined)?.getRemainingTimeInMillis === 'function'
    ? (context as { getRemainingTimeInMillis: () => number }).getRemainingTimeInMillis()
    : fallbackMs + marginMs;
  return deadlineIn(remaining - marginMs, now);
}

export interface RetryOptions {
  readonly deadline: Deadline;
  /** Waits between attempts; replaced in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** First wait, doubled after each attempt (with full jitter), capped at `maxDelayMs`. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** What counts as transient: by default throttling, server faults and network errors. */
  readonly isTransient?: (error: unknown) => boolean;
  /** Called before each wait, for the log. */
  readonly onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
  /** Random in [0, 1), for the jitter; replaced in tests. */
  readonly random?: () => number;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation`, retrying it while it fails transiently and the deadline leaves time for the
 * wait and another attempt (`minAttemptMs`). The last error is rethrown: never beyond the deadline.
 */
export async function retryTransient<T>(operation: () => Promise<T>, options: RetryOptions, minAttemptMs = 1_000): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const isTransient = options.isTransient ?? isTransientServiceError;
  const random = options.random ?? Math.random;
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 3_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const delay = Math.round(random() * Math.min(cap, base * 2 ** (attempt - 1)));
      if (!isTransient(error) || options.deadline.remainingMs() < delay + minAttemptMs) {
        throw error;
      }
      options.onRetry?.(attempt, error, delay);
      await sleep(delay);
    }
  }
}
