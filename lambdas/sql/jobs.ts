import type { Row, SqlStatement, SqlValue } from '../db/port.js';
import { JOB_SETTABLE, type JobRow, type JobSettableField } from '../shapes/job.js';
import type { JobSpec, JobUpdate } from '../shapes/job-requests.js';
import type { PagePosition } from '../shapes/page.js';
import { jobColumns, newestFirst, OPEN_TASK_STATUSES } from './columns.js';
import { deliveriesFor, MADE_DELIVERIES } from './deliveries.js';
import type { Guarded } from './outcome.js';

/** Every statement about jobs. Each API operation is exactly one of these: one Data API round trip. */

/** A new job's row: what the caller asked for (snake_case, as validated) and what the service chose. */
export type NewJob = JobSpec & {
  /** Chosen by the caller before sending, so that the statement can be sent again after a lost answer. */
  id: string;
  user_id: string;
  next_run_at: Date | null;
  /** Why the first occurrence could not be computed (next_run_at is then a retry time); null normally. */
  schedule_error: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  /** The webhook's secret, encrypted (lambdas/domain/webhook-secret.ts); null without a webhook. */
  webhook_secret: string | null;
};

/** A settable field's value as a parameter, with the cast its column needs: JSON goes in as text cast to jsonb. */
function settableParam(values: SqlValue[], value: JobSpec[JobSettableField]): string {
  return typeof value === 'object'
    ? `$${values.push(JSON.stringify(value))}::jsonb`
    : `$${values.push(value)}`;
}

/** The inserted job as `insertJob` returns it, whether it made it or found it. */
export type InsertedJobRow = JobRow & {
  request_hash: string | null;
  is_deleted: boolean;
  replayed: boolean;
  webhook_secret: string | null;
};

/**
 * Inserts the job with the caller's id, or returns the job already there: the one this id made (the same statement
 * sent again after its answer was lost: `replayed` false), or the one the caller's Idempotency-Key made (`replayed`
 * true, with the hash of the request that made it, and whether it has since been deleted). Returns no row only if
 * a concurrent insert with the same key committed after this statement's snapshot; running it again then finds
 * that job. The settable columns come from the job's definition (JOB_SETTABLE).
 */
export function insertJob(job: NewJob): SqlStatement<InsertedJobRow> {
  const values: SqlValue[] = [
    job.user_id,
    job.id,
    job.job_type,
    job.idempotency_key,
    job.request_hash,
    job.next_run_at,
    job.schedule_error,
    job.webhook ? JSON.stringify({ url: job.webhook.url }) : null,
    job.webhook_secret,
  ];
  const settable = JOB_SETTABLE.map((column) => settableParam(values, job[column]));
  return {
    idempotent: true,
    text: `WITH inserted AS (
             INSERT INTO jobs AS j (id, user_id, job_type, idempotency_key, request_hash, next_run_at, schedule_error,
                                    webhook, webhook_secret, ${JOB_SETTABLE.join(', ')})
             VALUES ($2::uuid, $1::uuid, $3::text, $4::text, $5::text, $6::timestamptz, $7::text, $8::jsonb, $9::text,
                     ${settable.join(', ')})
             ON CONFLICT DO NOTHING
             RETURNING ${jobColumns('j')}, j.request_hash, j.is_deleted, false AS replayed, j.webhook_secret)
           SELECT * FROM inserted
           UNION ALL
           (SELECT ${jobColumns('j')}, j.request_hash, j.is_deleted, j.id <> $2::uuid AS replayed, j.webhook_secret
              FROM jobs j
             WHERE j.user_id = $1::uuid AND NOT EXISTS (SELECT 1 FROM inserted)
               AND (j.id = $2::uuid OR ($4::text IS NOT NULL AND j.idempotency_key = $4::text))
             ORDER BY j.id = $2::uuid DESC LIMIT 1)`,
    values,
  };
}

export function selectJob(userId: string, jobId: string): SqlStatement<JobRow> {
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
  after?: PagePosition;
  limit: number;
}

/** Newest first, keyset-paginated on (created_at, id) through idx_jobs_user_created_id; only the filters given. */
export function selectJobs(filter: JobListFilter): SqlStatement<JobRow> {
  const values: SqlValue[] = [filter.userId];
  const conditions = ['j.user_id = $1::uuid', 'NOT j.is_deleted'];
  if (filter.status) conditions.push(`j.status = $${values.push(filter.status)}::text`);
  if (filter.jobType) conditions.push(`j.job_type = $${values.push(filter.jobType)}::text`);
  const page = newestFirst('j', values, filter.after, filter.limit);
  return {
    idempotent: true,
    text: `SELECT ${jobColumns('j')} FROM jobs j WHERE ${[...conditions, ...page.conditions].join(' AND ')}
           ${page.orderAndLimit}`,
    values,
  };
}

/** What PATCH changes: the caller's fields (snake_case, as validated) and, with a new schedule, its next run. */
export type JobChanges = JobUpdate & {
  /** With a new schedule: its next occurrence (null for manual), or a retry time when computing it failed. */
  next_run_at?: Date | null;
  /** With a new schedule: why computing its next occurrence failed, or null. */
  schedule_error?: string | null;
  /** With a new webhook: its secret, encrypted; null when the webhook is removed. */
  webhook_secret?: string | null;
};

/** Why `updateJob` refused: the job is at another version. */
export interface VersionConflictRow extends Row {
  current_version: string;
}

/**
 * Applies changes if the job is still at `expectedVersion`. The FOR UPDATE read returns the latest committed
 * version even when a concurrent update won, so a conflict reports the true current version.
 * Guarded (sql/outcome.ts): refused when the version does not match.
 */
export function updateJob(
  userId: string,
  jobId: string,
  expectedVersion: number,
  changes: JobChanges,
): SqlStatement<Guarded<JobRow & { current_version: string }, VersionConflictRow>> {
  const values: SqlValue[] = [jobId, userId, expectedVersion];
  const sets = ['version = j.version + 1'];
  /** What the job holds once these changes are applied (next_run_at aside: the scheduler moves it on). */
  const applied: string[] = [];
  for (const column of JOB_SETTABLE) {
    const value = changes[column];
    if (value === undefined) continue;
    const param = settableParam(values, value);
    sets.push(`${column} = ${param}`);
    applied.push(`j.${column} = ${param}`);
  }
  if (changes.next_run_at !== undefined) {
    // A cancelled job stays without occurrences whatever its new schedule.
    sets.push(
      `next_run_at = CASE WHEN j.status = 'cancelled' THEN NULL ELSE $${values.push(changes.next_run_at)}::timestamptz END`,
    );
  }
  if (changes.schedule_error !== undefined)
    sets.push(`schedule_error = $${values.push(changes.schedule_error)}::text`);
  if (changes.webhook !== undefined) {
    // The encrypted secret is chosen before sending (a random IV), so a resent update recognises its own.
    const url = `$${values.push(changes.webhook ? JSON.stringify({ url: changes.webhook.url }) : null)}::jsonb`;
    const secret = `$${values.push(changes.webhook_secret ?? null)}::text`;
    sets.push(`webhook = ${url}`, `webhook_secret = ${secret}`);
    applied.push(`j.webhook IS NOT DISTINCT FROM ${url}`, `j.webhook_secret IS NOT DISTINCT FROM ${secret}`);
  }
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
export function cancelJob(
  userId: string,
  jobId: string,
  options: { softDelete: boolean },
): SqlStatement<JobRow & { changed: boolean; cancelled_tasks: string; deliveries_made: string }> {
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
             UPDATE tasks t SET status = 'cancelled', finished_at = now(), version = t.version + 1
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
