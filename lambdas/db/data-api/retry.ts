/** Errors after which the same call may be sent again (data-api.md; the SDK's own retry does not cover them). */
const RETRYABLE = new Set([
  'DatabaseResumingException',
  'DatabaseUnavailableException',
  'ServiceUnavailableError',
  'InternalServerErrorException',
  'StatementTimeoutException',
  'ThrottlingException',
]);

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

export function isRetryable(error: unknown): boolean {
  return error instanceof Error && RETRYABLE.has(error.name);
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
  onRetry?: (info: { error: Error; attempt: number; delayMs: number }) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

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
      if (!isRetryable(error) || attempt >= policy.maxAttempts || outOfTime) throw error;
      hooks.onRetry?.({ error: error as Error, attempt, delayMs });
      await sleep(delayMs);
    }
  }
}
