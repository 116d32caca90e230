import type { ConfigVariable } from './environment-names.js';
import { USER_MAX_QUEUED_DEFAULT, USER_MAX_QUEUED_MAX } from './limits.js';
import { describeIssues } from './settings-issues.js';
import * as z from './shapes/zod.js';

/**
 * The Lambda/runtime configuration: read from the environment once, typed, and failing fast with every
 * problem named. Secrets never live here (the Data API reads the database secret by ARN).
 */
const Environment = z.object({
  DB_DRIVER: z._default(z.enum(['pg', 'data-api']), 'pg'),
  DATABASE_URL: z.optional(z.string().check(z.minLength(1))),
  CLUSTER_ARN: z.optional(z.string().check(z.minLength(1))),
  SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
  DATABASE_NAME: z._default(z.string().check(z.minLength(1)), 'postgres'),
  /** A local Data API endpoint; unset in AWS. */
  DATA_API_ENDPOINT: z.optional(z.url()),
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
  /**
   * How long Data API calls are retried while Aurora resumes. API functions use less than API Gateway's 30 s
   * integration timeout, so a caller gets a 503 with Retry-After rather than a gateway timeout.
   */
  DATA_API_RETRY_BUDGET_MS: z._default(
    z.coerce.number().check(z.int(), z.minimum(0), z.maximum(900_000)),
    45_000,
  ),
  /** The task queue (AWS); locally unset, the in-process workers poll instead. */
  QUEUE_URL: z.optional(z.url()),
  /**
   * Aurora pauses after this long without a call (0: it never pauses). A notice that waits longer than this is
   * delivered DB_WAKE_AHEAD_SECONDS early to wake the database first, so that its work is not late by the resume.
   */
  DB_AUTO_PAUSE_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(86_400)), 0),
  DB_WAKE_AHEAD_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(600)), 0),
  /**
   * How many open tasks (created or processing) one user may have; a run past it is refused with 429 and a
   * scheduled occurrence past it is skipped (docs/semantics.md, "Per-user limits"). 0: no limit.
   */
  USER_MAX_QUEUED: z._default(
    z.coerce.number().check(z.int(), z.minimum(0), z.maximum(USER_MAX_QUEUED_MAX)),
    USER_MAX_QUEUED_DEFAULT,
  ),
} satisfies Record<ConfigVariable, unknown>);

export type Config = z.output<typeof Environment>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Settings one driver needs and the other does not; checked on the raw environment so every gap is named at once. */
function driverProblems(env: NodeJS.ProcessEnv): string[] {
  const driver = env.DB_DRIVER ?? 'pg';
  const required =
    driver === 'pg' ? ['DATABASE_URL'] : driver === 'data-api' ? ['CLUSTER_ARN', 'SECRET_ARN'] : [];
  return required.filter((key) => !env[key]).map((key) => `${key}: required when DB_DRIVER=${driver}`);
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = Environment.safeParse(env);
  const problems = [...driverProblems(env), ...(result.success ? [] : describeIssues(result.error.issues))];
  if (result.success && problems.length === 0) return result.data;
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Forgets the parsed configuration, so the next `config()` reads the environment again (local stack, tests). */
export function resetConfig(): void {
  cached = undefined;
}
