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
  /**
   * `true` lifts the webhook SSRF rules (https only; no loopback, private, link-local or metadata address) for
   * local development and tests: http and loopback targets are then allowed. Never set in AWS.
   */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z.pipe(
    z._default(z.enum(['true', 'false']), 'false'),
    z.transform((value: 'true' | 'false') => value === 'true'),
  ),
  /** The key that encrypts webhook secrets (AES-256-GCM): 32 bytes, base64. Locally; in AWS the next one. */
  WEBHOOK_SECRET_KEY: z.optional(
    z.string().check(
      z.refine((value) => Buffer.from(value, 'base64').length === 32, {
        message: 'must be 32 bytes, base64',
      }),
    ),
  ),
  /** AWS: the Secrets Manager secret (created by the stack) that holds the key's material. */
  WEBHOOK_KEY_SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
  /** The first retry delay of a webhook delivery; each further one doubles it (capped at 2 hours). */
  WEBHOOK_RETRY_BASE_MS: z._default(z.coerce.number().check(z.int(), z.minimum(1)), 10_000),
  /** How long after a task's end its delivery is retried before it is marked failed. */
  WEBHOOK_RETRY_WINDOW_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(1)), 86_400),
  /** One attempt's limit: connecting, sending and the answer's status line. */
  WEBHOOK_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.minimum(1)), 10_000),
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
