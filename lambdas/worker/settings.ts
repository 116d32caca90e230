import type { WorkerVariable } from '../environment-names.js';
import { describeIssues } from '../settings-issues.js';
import * as z from '../shapes/zod.js';

/** Worker and scheduler tuning, from the environment, read once and checked. */
const Settings = z.object({
  /** In-process workers for `npm start`; 0 turns the local scheduler and workers off. */
  WORKER_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(256)), 4),
  /** First retry delay; each further retry doubles it (with jitter). */
  RETRY_BASE_DELAY_MS: z._default(z.coerce.number().check(z.int(), z.minimum(0)), 2_000),
  /** How long a claim lasts without a heartbeat before another worker may take the task. */
  LEASE_SECONDS: z._default(z.coerce.number().check(z.minimum(1)), 30),
  /** Heartbeat period: also how fast a running task notices its cancellation. */
  HEARTBEAT_MS: z._default(z.coerce.number().check(z.int(), z.minimum(50)), 1_000),
  /** How often an idle local worker looks for due tasks. */
  POLL_MS: z._default(z.coerce.number().check(z.int(), z.minimum(10)), 250),
  /** At most this many tasks of one user run at once (their other tasks wait); 0 means no cap. */
  USER_MAX_RUNNING: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(1_000_000)), 0),
  /** How often the local scheduler materialises occurrences and reaps leases. */
  SCHEDULER_INTERVAL_MS: z._default(z.coerce.number().check(z.int(), z.minimum(50)), 1_000),
} satisfies Record<WorkerVariable, unknown>);

export type WorkerSettings = z.output<typeof Settings>;

export function workerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const parsed = Settings.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid worker settings: ${describeIssues(parsed.error.issues).join('; ')}`);
  }
  return parsed.data;
}
