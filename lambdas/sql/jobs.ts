import type { SqlStatement, SqlValue } from '../db/port.js';
import { jobColumns, OPEN_TASK_STATUSES, olderThan } from './columns.js';
import { deliveriesFor, MADE_DELIVERIES } from './deliveries.js';

/** Every statement about jobs. Each API operation is exactly one of these: one Data API round trip. */

export interface NewJobRow {
  /** Chosen by the caller before sending, so that the statement can be sent again after a lost answer. */
  id: string;
  userId: string;
  jobType: string;
  payload: unknown;
  schedule: unknown;
  maxRetries: number;
  priority: number;
  timeoutSeconds: number;
  nextRunAt: Date | null;
  /** Why the first occurrence could not be computed (nextRunAt is then a retry time); null normally. */
  scheduleError: string | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  /** The webhook's URL and its secret, encrypted (lambdas/domain/webhook-secret.ts); null for none. */
  webhook: { url: string; encryptedSecret: string } | null;
}

/**
 * Inserts the job with the caller's id, or returns the job already there: the one this id made (the same statement
 * sent again after its answer was lost: `replayed` false), or the one the caller's Idempotency-Key made (`replayed`
 * true, with the hash of the request that made it, and whether it has since been deleted). Returns no row only if a concurrent insert with the same key
 * committed after this statement's snapshot; running it again then finds that job.
 */
export function insertJob(job: NewJobRow): SqlStatement {
  return {
    idempotent: true,
    text: `WITH inserted AS (
             INSERT INTO jobs AS j (id, user_id, job_type, payload, schedule_interval, max_retries, priority,
                                    idempotency_key, request_hash, timeout_seconds, next_run_at, schedule_error,
                                    webhook_url, webhook_secret)
             VALUES ($11::uuid, $1::uuid, $2::text, $3::jsonb, $4::jsonb, $5, $6, $7::text, $8::text, $9,
                     $10::timestamptz, $12::text, $13::text, $14::text)
             ON CONFLICT DO NOTHING
             RETURNING ${jobColumns('j')}, j.request_hash, j.is_deleted, j.webhook_secret, false AS replayed)
           SELECT * FROM inserted
           UNION ALL
           (SELECT ${jobColumns('j')}, j.request_hash, j.is_deleted, j.webhook_secret, j.id <> $11::uuid AS replayed
              FROM jobs j
             WHERE j.user_id = $1::uuid AND NOT EXISTS (SELECT 1 FROM inserted)
               AND (j.id = $11::uuid OR ($7::text IS NOT NULL AND j.idempotency_key = $7::text))
             ORDER BY j.id = $11::uuid DESC LIMIT 1)`,
    values: [
      job.userId,
      job.jobType,
      JSON.stringify(job.payload),
      JSON.stringify(job.schedule),
      job.maxRetries,
      job.priority,
      job.idempotencyKey,
      job.requestHash,
      job.timeoutSeconds,
      job.nextRunAt,
      job.id,
      job.scheduleError,
      job.webhook?.url ?? null,
      job.webhook?.encryptedSecret ?? null,
    ],
  };
}

export function selectJob(userId: string, jobId: string): SqlStatement {
  return {
    idempotent: true,
    text: `SELECT ${jobColumns('j')} FROM jobs j WHERE j.id = $1::uuid AND j.user_id = $2::uuid AND NOT j.is_deleted`,
    values: [jobId, userId],
  };
}

export interface JobListFilter {
  userId: string;
  status?: string;
  jobType?: string;
  after?: { createdMicros: string; id: string };
  limit: number;
}

/** Newest first, keyset-paginated on (created_at, id) through idx_jobs_user_created_id; only the filters given. */
export function selectJobs(filter: JobListFilter): SqlStatement {
  const values: SqlValue[] = [filter.userId];
  const conditions = ['j.user_id = $1::uuid', 'NOT j.is_deleted'];
  if (filter.status) conditions.push(`j.status = $${values.push(filter.status)}::text`);
  if (filter.jobType) conditions.push(`j.job_type = $${values.push(filter.jobType)}::text`);
  if (filter.after) {
    const micros = values.push(filter.after.createdMicros);
    conditions.push(olderThan('j', micros, values.push(filter.after.id)));
  }
  const limit = values.push(filter.limit);
  return {
    idempotent: true,
    text: `SELECT ${jobColumns('j')} FROM jobs j WHERE ${conditions.join(' AND ')}
           ORDER BY j.created_at DESC, j.id DESC LIMIT $${limit}`,
    values,
  };
}

export interface JobChanges {
  payload?: unknown;
  schedule?: unknown;
  maxRetries?: number;
  priority?: number;
  timeoutSeconds?: number;
  /** With a new schedule: its next occurrence (null for manual), or a retry time when computing it failed. */
  nextRunAt?: Date | null;
  /** With a new schedule: why computing its next occurrence failed, or null. */
  scheduleError?: string | null;
  /** A new webhook (URL and encrypted secret), or null to remove it. */
  webhook?: { url: string; encryptedSecret: string } | null;
}

/**
 * Applies changes if the job is still at `expectedVersion`. The FOR UPDATE read returns the latest committed
 * version even when a concurrent update won, so a conflict reports the true current version.
 * No row: not found. `id` null: version conflict (see `current_version`). Otherwise: the updated job.
 */
export function updateJob(
  userId: string,
  jobId: string,
  expectedVersion: number,
  changes: JobChanges,
): SqlStatement {
  const values: SqlValue[] = [jobId, userId, expectedVersion];
  const sets = ['version = j.version + 1'];
  /** What the job holds once these changes are applied (next_run_at aside: the scheduler moves it on). */
  const applied: string[] = [];
  const change = (column: string, value: SqlValue, cast = '') => {
    const param = `$${values.push(value)}${cast}`;
    sets.push(`${column} = ${param}`);
    applied.push(`j.${column} IS NOT DISTINCT FROM ${param}`);
  };
  if (changes.payload !== undefined) change('payload', JSON.stringify(changes.payload), '::jsonb');
  if (changes.schedule !== undefined)
    change('schedule_interval', JSON.stringify(changes.schedule), '::jsonb');
  if (changes.maxRetries !== undefined) change('max_retries', changes.maxRetries);
  if (changes.priority !== undefined) change('priority', changes.priority);
  if (changes.timeoutSeconds !== undefined) change('timeout_seconds', changes.timeoutSeconds);
  if (changes.webhook !== undefined) {
    // The encrypted secret is chosen before sending (a random IV), so a resent update recognises its own.
    change('webhook_url', changes.webhook?.url ?? null, '::text');
    change('webhook_secret', changes.webhook?.encryptedSecret ?? null, '::text');
  }
  if (changes.nextRunAt !== undefined) {
    // A cancelled job stays without occurrences whatever its new schedule.
    sets.push(
      `next_run_at = CASE WHEN j.status = 'cancelled' THEN NULL ELSE $${values.push(changes.nextRunAt)}::timestamptz END`,
    );
  }
  if (changes.scheduleError !== undefined)
    sets.push(`schedule_error = $${values.push(changes.scheduleError)}::text`);
  // Waiting tasks follow a new priority, so the change takes effect on the queue at once.
  const reprioritise =
    changes.priority === undefined
      ? ''
      : `, requeued AS (
             UPDATE tasks t SET priority = updated.priority FROM updated
              WHERE t.job_id = updated.id AND t.status = 'created' AND NOT t.is_deleted)`;
  // Sent again after its answer was lost, the update finds the job one version on and holding these changes: it
  // answers with the job as it is instead of a version conflict.
  const repeated = `SELECT ${jobColumns('j')} FROM target JOIN jobs j ON j.id = target.id
              WHERE NOT EXISTS (SELECT 1 FROM updated) AND target.version = $3::bigint + 1
                ${applied.map((condition) => `AND ${condition}`).join(' ')}`;
  return {
    idempotent: true,
    text: `WITH target AS (
             SELECT id, version FROM jobs WHERE id = $1::uuid AND user_id = $2::uuid AND NOT is_deleted FOR UPDATE),
           updated AS (
             UPDATE jobs j SET ${sets.join(', ')} FROM target
              WHERE j.id = target.id AND j.version = $3::bigint
             RETURNING ${jobColumns('j')})${reprioritise},
           outcome AS (SELECT * FROM updated UNION ALL ${repeated})
           SELECT target.version AS current_version, outcome.* FROM target LEFT JOIN outcome ON true`,
    values,
  };
}

/**
 * Safe to repeat: sent again, it finds the job already cancelled (`changed` false) or, after a soft delete, gone.
 * Marks a job cancelled (or, with `softDelete`, deleted and cancelled unless it already finished) and cancels its
 * waiting and running tasks. Returns the job as it now is, with `changed` false when it was already cancelled;
 * no row when it does not exist for this user.
 */
export function cancelJob(userId: string, jobId: string, options: { softDelete: boolean }): SqlStatement {
  const status = options.softDelete
    ? `CASE WHEN j.status IN ('completed', 'failed') THEN j.status ELSE 'cancelled' END`
    : `'cancelled'`;
  const pending = options.softDelete ? 'true' : `j.status <> 'cancelled'`;
  return {
    idempotent: true,
    text: `WITH target AS (
             SELECT id FROM jobs WHERE id = $1::uuid AND user_id = $2::uuid AND NOT is_deleted FOR UPDATE),
           changed AS (
             UPDATE jobs j SET status = ${status}, next_run_at = NULL, version = j.version + 1${options.softDelete ? ', is_deleted = true' : ''}
               FROM target WHERE j.id = target.id AND ${pending}
             RETURNING ${jobColumns('j')}),
           cancelled_tasks AS (
             UPDATE tasks t SET status = 'cancelled', version = t.version + 1
              WHERE t.job_id IN (SELECT id FROM target) AND t.status IN ${OPEN_TASK_STATUSES} AND NOT t.is_deleted
             RETURNING t.id, t.job_id, t.status),
           ${deliveriesFor('cancelled_tasks')}
           SELECT true AS changed, (SELECT count(*) FROM cancelled_tasks) AS cancelled_tasks,
                  (SELECT count(*) FROM ${MADE_DELIVERIES}) AS deliveries_made, changed.* FROM changed
           UNION ALL
           SELECT false, 0, 0, ${jobColumns('j')} FROM jobs j
            WHERE j.id IN (SELECT id FROM target) AND NOT EXISTS (SELECT 1 FROM changed)`,
    values: [jobId, userId],
  };
}
