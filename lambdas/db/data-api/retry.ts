/**
 * What a failed Data API call means for sending it again (docs/semantics.md, "What is retried"):
 * - `not-executed`: the call never ran (the cluster is resuming from auto-pause, the call was throttled, or the
 *   connection was refused before anything was sent). Always safe to send again.
 * - `unknown`: the call was sent and may have run and committed, but its answer was lost (any HTTP 5xx, a
 *   statement timeout, a connection reset or timeout after sending). Safe to send again only if the statement is.
 * - `failed`: a definite answer (a SQL error, a validation error): sending it again would fail the same way.
 */
export type FailureMeaning = 'not-executed' | 'unknown' | 'failed';

const NOT_EXECUTED = new Set([
  'DatabaseResumingException',
  'ThrottlingException',
  'TooManyRequestsException',
]);
/** Connection failures that happen before a request is on the wire. */
const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNKNOWN = new Set([
  // HTTP 504, and it can arrive during a failover that interrupted a statement already running.
  'DatabaseUnavailableException',
  'InternalServerErrorException',
  'StatementTimeoutException',
  'ServiceUnavailableError',
  'TimeoutError',
]);
const LOST_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

export function failureMeaning(error: unknown): FailureMeaning {
  if (!(error instanceof Error)) return 'failed';
  const { code, $metadata } = error as { code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (NOT_EXECUTED.has(error.name) || (typeof code === 'string' && REFUSED.has(code))) return 'not-executed';
  if (UNKNOWN.has(error.name) || (typeof code === 'string' && LOST_CONNECTION.has(code))) return 'unknown';
  if (/socket hang up/i.test(error.message)) return 'unknown';
  if (($metadata?.httpStatusCode ?? 0) >= 500) return 'unknown';
  return 'failed';
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No new attempt starts after this much time has passed since the first. */
  budgetMs: number;
}

/** About 45 s, long enough for a cold resume after a day paused (peers: 8–10 tries over ~40 s). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  budgetMs: 45_000,
};

/** Whether a call that failed so may be sent again; `idempotent` says the call is safe to repeat. */
export function isRetryable(error: unknown, idempotent = false): boolean {
  const meaning = failureMeaning(error);
  return meaning === 'not-executed' || (meaning === 'unknown' && idempotent);
}

/** Capped exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)). */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
}

export interface RetryHooks {
  /** The call is safe to repeat: it is also sent again when its outcome is unknown. */
  idempotent?: boolean;
  onRetry?: (info: { error: Error; attempt: number; delayMs: number }) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Sends the call, and again after failures that `isRetryable` allows. This is the only retry: the SDK client's
 * own is switched off (`maxAttempts: 1` in lambdas/db/index.ts), because it would resend 5xx answers and
 * connection resets whatever the statement.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = hooks.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const delayMs = backoffDelay(attempt, policy);
      const outOfTime = now() + delayMs - started > policy.budgetMs;
      if (!isRetryable(error, hooks.idempotent) || attempt >= policy.maxAttempts || outOfTime) throw error;
      hooks.onRetry?.({ error: error as Error, attempt, delayMs });
      await sleep(delayMs);
    }
  }
}
