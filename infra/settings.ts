import type { App } from 'aws-cdk-lib';
import { USER_MAX_QUEUED_DEFAULT, USER_MAX_QUEUED_MAX } from '../lambdas/limits.js';
import { METRIC_NAMESPACE_DEFAULT } from '../lambdas/metrics-names.js';

/** Deploy-time settings from CDK context (`-c key=value` or cdk.json), with defaults, checked before synth. */
export interface StackSettings {
  /** Aurora Serverless v2 capacity in ACUs; min 0 lets the cluster auto-pause, so an idle stack costs nothing. */
  minCapacity: number;
  maxCapacity: number;
  autoPauseMinutes: number;
  /** `retain` (default): the cluster survives stack deletion and has deletion protection. `destroy`: throw-away stages. */
  removal: 'retain' | 'destroy';
  /** An external JWT issuer and audience instead of the Cognito user pool the stack creates. */
  jwtIssuer?: string;
  jwtAudience?: string[];
  corsOrigins: string[];
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /**
   * The SQS event source mapping's maximum concurrency (2–1,000): how many worker Lambdas run batches at once, and
   * so the cap on parallel database work from tasks.
   */
  workerConcurrency: number;
  /**
   * Reserved concurrency for the worker, or none (default): new accounts with a low concurrency quota cannot
   * reserve 10. When set, it must be at least workerConcurrency, or the mapping would be throttled by design.
   */
  workerReservedConcurrency?: number;
  /** Where alarm notifications go (an SNS email subscription); none by default, the topic exists regardless. */
  alarmEmail?: string;
  /** Retention of every log group the stack creates or exports to; one of CLOUDWATCH_RETENTION_DAYS. */
  logRetentionDays: number;
  /** CloudWatch namespace of the service's embedded metrics (lambdas/metrics.ts). */
  metricsNamespace: string;
  /** X-Ray active tracing for every function; off by default (a cold-start and per-trace cost). */
  tracing: boolean;
  /** Alarm when failed tasks exceed this percentage of tasks that ended (succeeded + failed) within 15 minutes. */
  alarmTaskFailurePercent: number;
  /** Alarm when the p99 queue delay (due → started) stays above this many seconds for 3 × 5 minutes. */
  alarmQueueDelaySeconds: number;
  /** Alarm when the API answers at least this many 5xx within 5 minutes. */
  alarmApi5xxCount: number;
  /**
   * USER_MAX_QUEUED of the API and worker functions: the most open tasks one user may have (0: no limit); a run
   * past it is refused with 429, a scheduled occurrence past it skipped (docs/semantics.md).
   */
  userMaxQueued: number;
  /** USER_MAX_RUNNING of the worker Lambdas: at most this many tasks of one user run at once; 0 (default) = no cap. */
  userMaxRunning: number;
}

/** The only retention periods CloudWatch Logs (and so CloudFormation's RetentionInDays) accepts. */
export const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Deliberately plain: one @, no spaces, a dot in the domain. SNS sends a confirmation mail to it anyway. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function number(app: App, key: string, fallback: number, min: number, max: number): number {
  const raw = app.node.tryGetContext(key);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`context ${key} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A whole number: refused here, at synth, rather than by the function's configuration check at its first call. */
function integer(app: App, key: string, fallback: number, min: number, max: number): number {
  const value = number(app, key, fallback, min, max);
  if (!Number.isInteger(value))
    throw new Error(
      `context ${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  return value;
}

function optionalNumber(app: App, key: string, min: number, max: number): Record<string, number> {
  const raw = app.node.tryGetContext(key);
  if (raw === undefined || raw === '') return {};
  return { [key]: number(app, key, 0, min, max) };
}

function list(app: App, key: string): string[] {
  const raw = app.node.tryGetContext(key);
  if (raw === undefined || raw === '') return [];
  return (Array.isArray(raw) ? raw : String(raw).split(','))
    .map((item) => String(item).trim())
    .filter(Boolean);
}

function flag(app: App, key: string): boolean {
  const raw = app.node.tryGetContext(key);
  if (raw === undefined || raw === '' || raw === false || raw === 'false') return false;
  if (raw === true || raw === 'true') return true;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(raw)}`);
}

/** CloudWatch's namespace rules, narrowed: letters, digits and . _ - / #, not starting with AWS/. */
function namespace(app: App): string {
  const raw = app.node.tryGetContext('metricsNamespace') ?? METRIC_NAMESPACE_DEFAULT;
  if (!/^[A-Za-z0-9._\-/#]{1,255}$/.test(String(raw)) || String(raw).startsWith('AWS/'))
    throw new Error(`context metricsNamespace is not a usable CloudWatch namespace: ${JSON.stringify(raw)}`);
  return String(raw);
}

/** Refused here, at synth: CloudFormation would accept the template and fail the deploy on the first log group. */
function retentionDays(app: App): number {
  const raw = app.node.tryGetContext('logRetentionDays');
  const value = raw === undefined ? 30 : Number(raw);
  if (!(CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(value)) {
    throw new Error(
      `context logRetentionDays must be one of CloudWatch Logs' retention periods (${CLOUDWATCH_RETENTION_DAYS.join(', ')}), got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

export function readSettings(app: App): StackSettings {
  const removal = app.node.tryGetContext('removal') ?? 'retain';
  if (removal !== 'retain' && removal !== 'destroy')
    throw new Error(`context removal must be retain or destroy, got ${removal}`);
  const jwtIssuer = app.node.tryGetContext('jwtIssuer') as string | undefined;
  const jwtAudience = list(app, 'jwtAudience');
  if (Boolean(jwtIssuer) !== jwtAudience.length > 0)
    throw new Error('context jwtIssuer and jwtAudience go together');
  const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;
  if (alarmEmail !== undefined && alarmEmail !== '' && !EMAIL.test(String(alarmEmail)))
    throw new Error(`context alarmEmail must be an email address, got ${JSON.stringify(alarmEmail)}`);
  const settings: StackSettings = {
    minCapacity: number(app, 'minCapacity', 0, 0, 256),
    maxCapacity: number(app, 'maxCapacity', 4, 1, 256),
    autoPauseMinutes: number(app, 'autoPauseMinutes', 10, 5, 1440),
    removal,
    ...(jwtIssuer ? { jwtIssuer, jwtAudience } : {}),
    corsOrigins: list(app, 'corsOrigins'),
    throttleRateLimit: number(app, 'throttleRateLimit', 50, 1, 10_000),
    throttleBurstLimit: number(app, 'throttleBurstLimit', 100, 1, 5_000),
    workerConcurrency: number(app, 'workerConcurrency', 10, 2, 1000),
    ...optionalNumber(app, 'workerReservedConcurrency', 1, 1000),
    ...(alarmEmail ? { alarmEmail } : {}),
    logRetentionDays: retentionDays(app),
    metricsNamespace: namespace(app),
    tracing: flag(app, 'tracing'),
    alarmTaskFailurePercent: number(app, 'alarmTaskFailurePercent', 10, 0, 100),
    alarmQueueDelaySeconds: number(app, 'alarmQueueDelaySeconds', 300, 1, 86_400),
    alarmApi5xxCount: number(app, 'alarmApi5xxCount', 5, 1, 1_000_000),
    userMaxQueued: integer(app, 'userMaxQueued', USER_MAX_QUEUED_DEFAULT, 0, USER_MAX_QUEUED_MAX),
    userMaxRunning: number(app, 'userMaxRunning', 0, 0, 1_000_000),
  };
  if (!Number.isInteger(settings.userMaxRunning))
    throw new Error(`context userMaxRunning must be a whole number, got ${settings.userMaxRunning}`);
  if (settings.maxCapacity < settings.minCapacity)
    throw new Error('context maxCapacity must be at least minCapacity');
  const reserved = settings.workerReservedConcurrency;
  if (reserved !== undefined && settings.workerConcurrency > reserved) {
    throw new Error(
      `context workerConcurrency (${settings.workerConcurrency}) must not exceed workerReservedConcurrency (${reserved}): the event source mapping would be throttled by the function's own limit`,
    );
  }
  return settings;
}
