import { z } from 'zod';
import type { WorkerVariable } from '../environment-names.js';
import { describeIssues } from '../settings-issues.js';

/** Worker and scheduler tuning, from the environment, read once and checked. */
const Settings = z.object({
  /** In-process workers for `npm start`; 0 turns the local scheduler and workers off. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(256).default(4),
  /** First retry delay; each further retry doubles it (with jitter). */
  RETRY_BASE_DELAY_MS: z.coerce.number().int().min(0).default(2_000),
  /** How long a claim lasts without a heartbeat before another worker may take the task. */
  LEASE_SECONDS: z.coerce.number().min(1).default(30),
  /** Heartbeat period: also how fast a running task notices its cancellation. */
  HEARTBEAT_MS: z.coerce.number().int().min(50).default(1_000),
  /** How often an idle local worker looks for due tasks. */
  POLL_MS: z.coerce.number().int().min(10).default(250),
  /** How often the local scheduler materialises occurrences and reaps leases. */
  SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
} satisfies Record<WorkerVariable, unknown>);

export type WorkerSettings = z.infer<typeof Settings>;

export function workerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const parsed = Settings.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid worker settings: ${describeIssues(parsed.error.issues).join('; ')}`);
  }
  return parsed.data;
}
