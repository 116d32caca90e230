/**
 * The name of every environment variable the Lambda code reads, as plain data importing nothing: lambdas/config.ts
 * and lambdas/worker/settings.ts parse theirs against these lists (the compiler checks both ways), and infra/ sets
 * variables through the LambdaEnvironment type, so a variable infra sets is one the code reads, spelt the same.
 */

/** The runtime configuration (lambdas/config.ts). */
export const CONFIG_VARIABLES = [
  'DB_DRIVER',
  'DATABASE_URL',
  'CLUSTER_ARN',
  'SECRET_ARN',
  'DATABASE_NAME',
  'DATA_API_ENDPOINT',
  'LOG_LEVEL',
  'DATA_API_RETRY_BUDGET_MS',
  'QUEUE_URL',
  'DB_AUTO_PAUSE_SECONDS',
  'DB_WAKE_AHEAD_SECONDS',
  'USER_MAX_QUEUED',
  'WEBHOOK_ALLOW_PRIVATE_TARGETS',
  'WEBHOOK_SECRET_KEY',
  'WEBHOOK_KEY_SECRET_ARN',
  'WEBHOOK_RETRY_BASE_MS',
  'WEBHOOK_RETRY_WINDOW_SECONDS',
  'WEBHOOK_TIMEOUT_MS',
] as const;

/** Worker and scheduler tuning (lambdas/worker/settings.ts). */
export const WORKER_VARIABLES = [
  'WORKER_CONCURRENCY',
  'RETRY_BASE_DELAY_MS',
  'LEASE_SECONDS',
  'HEARTBEAT_MS',
  'POLL_MS',
  'USER_MAX_RUNNING',
  'SCHEDULER_INTERVAL_MS',
] as const;

/**
 * Read where they are used rather than parsed up front: TRACING (lambdas/tracing.ts) and the Powertools Tracer's
 * own switches, which it reads itself; the metrics namespace and stdout switch (lambdas/metrics.ts); the
 * migrator's migrations folder (lambdas/handlers/migrate.ts); the dashboard's sign-in settings
 * (lambdas/http/dashboard-files.ts).
 */
export const OTHER_VARIABLES = [
  'TRACING',
  'POWERTOOLS_TRACER_CAPTURE_RESPONSE',
  'POWERTOOLS_TRACER_CAPTURE_ERROR',
  'METRICS_NAMESPACE',
  'METRICS_STDOUT',
  'MIGRATIONS_DIR',
  'DASHBOARD_CONFIG',
] as const;

export type ConfigVariable = (typeof CONFIG_VARIABLES)[number];
export type WorkerVariable = (typeof WORKER_VARIABLES)[number];
export type EnvironmentVariable = ConfigVariable | WorkerVariable | (typeof OTHER_VARIABLES)[number];

/** What infra may set on a function: only names the code reads. */
export type LambdaEnvironment = Partial<Record<EnvironmentVariable, string>>;
