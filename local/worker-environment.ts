import type { EnvironmentVariable } from '../lambdas/environment-names.js';

/**
 * Worker settings the containers of `npm run start:aws` receive when set in its environment, as the stack sets them
 * on the worker function. The API runs in the start:aws process itself and reads that environment directly, so a
 * setting both read (the per-user limits) must be passed, or the workers would apply their default beside it.
 */
export const PASSED_TO_WORKER: readonly EnvironmentVariable[] = [
  'HEARTBEAT_MS',
  'LEASE_SECONDS',
  'RETRY_BASE_DELAY_MS',
  'USER_MAX_RUNNING',
  'USER_MAX_QUEUED',
  'LOG_LEVEL',
  'WEBHOOK_ALLOW_PRIVATE_TARGETS',
  'WEBHOOK_RETRY_BASE_MS',
  'WEBHOOK_RETRY_WINDOW_SECONDS',
  'WEBHOOK_TIMEOUT_MS',
];

/** The settings of `PASSED_TO_WORKER` that `env` sets (an empty value counts as unset). */
export function workerEnvironmentFrom(env: Record<string, string | undefined>): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const name of PASSED_TO_WORKER) {
    const value = env[name];
    if (value) passed[name] = value;
  }
  return passed;
}
