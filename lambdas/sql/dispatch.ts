import type { SqlStatement } from '../db/port.js';
import { deliveriesFor } from './deliveries.js';
import { forgetBounds, hasRoom, lockedOpenTasks, skipReason } from './queued-limit.js';

/**
 * Statements of the event-driven AWS path: a queue message names a task or a job's occurrence, and these turn it
 * into work. They follow the lock order of sql/execution.ts: task statements lock tasks only; the occurrence
 * statement locks the job, then inserts its task, as the API's writes do.
 */

const LEASE = (param: number) => `now() + $${param}::float8 * interval '1 second'`;
const ABANDONED = `'the worker stopped renewing its lease (crashed or cut off); attempt abandoned'`;

/**
 * Claims the task a message names, and says what became of it. `owner` (the message id and receive count) leases
 * it. The decision, per task state:
 * - `claim`: waiting and due, under a live job → leased to `owner`, attempt + 1;
 * - `mine`: already leased to `owner` → this is a resend of this very statement whose answer was lost: the same
 *   claim is returned, nothing changes;
 * - `retake`: running, but its lease expired or was taken under an earlier receive of this same message (so its
 *   worker died: SQS only redelivers a message whose holder stopped extending it) → the abandoned attempt counts
 *   and the task is leased to `owner` again; `abandon` when that was its last attempt → failed;
 * - `cancel`: waiting under a cancelled or deleted job (it slipped past the cancel) → cancelled;
 * - `busy`: waiting and due, but its user already has `userMaxRunning` (> 0) tasks running → nothing changes (no
 *   attempt is used); the count is taken under the user's claim lock (migration 011), so racing claims of one user
 *   cannot exceed the cap;
 * - `none`: anything else (finished, not yet due, held by a live worker); the row tells the caller which.
 * No row: no such task (yet: the message may have outrun the API's commit). Safe to send again: a resend of a
 * claim whose answer was lost finds the task leased to `owner` (`mine`).
 */
export function claimNamedTask(
  taskId: string,
  owner: string,
  earlierReceives: string,
  leaseSeconds: number,
  userMaxRunning = 0,
): SqlStatement {
  return {
    text: `WITH target AS (
             SELECT t.id, t.user_id, t.status, t.attempt, t.lease_owner, t.lease_expires_at, t.run_at,
                    j.status AS job_status, j.is_deleted AS job_deleted, j.max_retries
               FROM tasks t JOIN jobs j ON j.id = t.job_id
              WHERE t.id = $1::uuid AND NOT t.is_deleted
              FOR UPDATE OF t),
           decision AS (
             SELECT id, CASE
                      WHEN status = 'processing' AND lease_owner = $2::text THEN 'mine'
                      WHEN status = 'created' AND (job_status = 'cancelled' OR job_deleted) THEN 'cancel'
                      WHEN job_status = 'cancelled' OR job_deleted THEN 'none'
                      WHEN status = 'created' AND run_at <= now() AND $5::int > 0
                           AND user_running_tasks_locked(user_id, true) >= $5::int THEN 'busy'
                      WHEN status = 'created' AND run_at <= now() THEN 'claim'
                      WHEN status = 'processing' AND (lease_owner LIKE $3::text OR lease_expires_at < now())
                        THEN CASE WHEN attempt > max_retries THEN 'abandon' ELSE 'retake' END
                      ELSE 'none' END AS action
               FROM target),
           leased AS (
             UPDATE tasks t SET status = 'processing', attempt = t.attempt + 1, started_at = now(), finished_at = NULL,
                    lease_owner = $2::text, lease_expires_at = ${LEASE(4)}, version = t.version + 1,
                    last_error = CASE WHEN d.action = 'retake' THEN ${ABANDONED} ELSE t.last_error END
               FROM decision d WHERE t.id = d.id AND d.action IN ('claim', 'retake')
             RETURNING t.id, t.version, t.attempt, t.status),
           ended AS (
             UPDATE tasks t SET status = CASE WHEN d.action = 'abandon' THEN 'failed' ELSE 'cancelled' END,
                    finished_at = now(),
                    last_error = CASE WHEN d.action = 'abandon' THEN ${ABANDONED} ELSE t.last_error END,
                    lease_owner = NULL, lease_expires_at = NULL, version = t.version + 1
               FROM decision d WHERE t.id = d.id AND d.action IN ('abandon', 'cancel')
             RETURNING t.id, t.job_id, t.status),
           ${deliveriesFor('ended')}
           SELECT d.action, t.id, t.job_id, coalesce(l.version, t.version) AS version,
                  coalesce(l.attempt, t.attempt) AS attempt, coalesce(l.status, e.status, t.status) AS status,
                  t.payload, t.run_at, j.user_id, j.job_type, j.status AS job_status, j.payload AS job_payload,
                  j.timeout_seconds, j.max_retries, j.webhook IS NOT NULL AS webhook,
                  -- A delivery of this task's end not attempted yet: its notice may not have been sent (the worker
                  -- that ended the task died first), so this notice's worker sends it (again).
                  EXISTS (SELECT 1 FROM webhook_deliveries_made)
                    OR EXISTS (SELECT 1 FROM webhook_deliveries w WHERE w.id = d.id AND w.status = 'pending'
                                 AND w.attempts = 0) AS delivery_pending
             FROM decision d JOIN tasks t ON t.id = d.id JOIN jobs j ON j.id = t.job_id
             LEFT JOIN leased l ON l.id = d.id LEFT JOIN ended e ON e.id = d.id`,
    idempotent: true,
    values: [taskId, owner, earlierReceives, leaseSeconds, userMaxRunning],
  };
}

/** When a waiting task is next due (a retry's time), or no row when it is not waiting. */
export function selectWaitingTask(
  taskId: string,
): SqlStatement<{ id: string; run_at: Date; user_id: string | null }> {
  return {
    text: `SELECT id, run_at, user_id FROM tasks WHERE id = $1::uuid AND status = 'created' AND NOT is_deleted`,
    idempotent: true,
    values: [taskId],
  };
}

/**
 * A job as its occurrence message needs it: the schedule, where its chain stands, and the task already made for
 * the occurrence `at`, if any. No row: no such live job.
 */
export interface OccurrenceRow extends Record<string, unknown> {
  id: string;
  user_id: string;
  status: string;
  /** The job's schedule as stored (jsonb); the domain reads it as its Schedule. */
  schedule_interval: unknown;
  next_run_at: Date | null;
  occurrence_message_id: string | null;
  schedule_error: string | null;
  /** Null when the job has no next occurrence. */
  is_next: boolean | null;
  task_id: string | null;
}

export function selectOccurrence(jobId: string, at: Date): SqlStatement<OccurrenceRow> {
  return {
    text: `SELECT j.id, j.user_id, j.status, j.schedule_interval, j.next_run_at, j.occurrence_message_id, j.schedule_error,
                  date_trunc('milliseconds', j.next_run_at) = $2::timestamptz AS is_next,
                  (SELECT t.id FROM tasks t WHERE t.job_id = j.id AND t.scheduled_for = $2::timestamptz) AS task_id
             FROM jobs j WHERE j.id = $1::uuid AND NOT j.is_deleted`,
    idempotent: true,
    values: [jobId, at.toISOString()],
  };
}

/**
 * Takes the occurrence `at` of a job: if the job's next occurrence is still `at`, moves it to `next` (with
 * `scheduleError` when that is only a retry time), records the message that did it, and — unless `at` itself was
 * such a retry time (`makeTask` false) — inserts the occurrence's task (unique per job and occurrence). Of several
 * messages for the same occurrence exactly one gets `advanced`; the others change nothing.
 *
 * USER_MAX_QUEUED (`userMaxQueued`, 0: no limit): when the job's user is at the limit, the occurrence is skipped
 * (`skipped`): the job moves on without a task and records which occurrence and why. Locks: the job, then the
 * user's queued-cap lock (sql/queued-limit.ts; only with a limit and a task to make; with no limit, the user's
 * base (migration 019) is deleted instead), then the new task.
 */
export function takeOccurrence(occurrence: {
  jobId: string;
  at: Date;
  next: Date | null;
  messageId: string;
  taskId: string;
  makeTask: boolean;
  scheduleError: string | null;
  userMaxQueued: number;
}): SqlStatement {
  return {
    text: `WITH target AS (
             SELECT id, user_id FROM jobs
              WHERE id = $1::uuid AND date_trunc('milliseconds', next_run_at) = $2::timestamptz
                AND NOT is_deleted AND status <> 'cancelled'
              FOR UPDATE),
           slot AS (
             ${lockedOpenTasks('ARRAY(SELECT user_id FROM target WHERE $6::boolean AND $8::int > 0)')}),
           unbounded AS (${forgetBounds('SELECT user_id FROM target WHERE $6::boolean', '$8::int')}),
           room AS (
             SELECT ${hasRoom('open_tasks', '$8::int')} AS fits, open_tasks FROM slot),
           advanced AS (
             UPDATE jobs j SET next_run_at = $3::timestamptz, occurrence_message_id = $4::text,
                    schedule_error = $7::text,
                    skipped_occurrence_at = CASE WHEN coalesce(room.fits, true) THEN j.skipped_occurrence_at ELSE $2::timestamptz END,
                    skipped_occurrence_reason = CASE WHEN coalesce(room.fits, true) THEN j.skipped_occurrence_reason
                                                     ELSE ${skipReason('room.open_tasks', '$8::int')} END
               FROM target LEFT JOIN room ON true
              WHERE j.id = target.id
             RETURNING j.id, j.user_id, j.payload, j.priority, coalesce(room.fits, true) AS fits),
           made AS (
             INSERT INTO tasks (id, job_id, user_id, payload, priority, run_at, scheduled_for)
             SELECT $5::uuid, id, user_id, payload, priority, now(), $2::timestamptz FROM advanced
              WHERE $6::boolean AND fits
             ON CONFLICT (job_id, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
             RETURNING id)
           SELECT EXISTS (SELECT 1 FROM advanced) AS advanced,
                  EXISTS (SELECT 1 FROM advanced WHERE NOT fits) AS skipped,
                  coalesce((SELECT id FROM made),
                           (SELECT id FROM tasks WHERE $6::boolean AND job_id = $1::uuid
                               AND scheduled_for = $2::timestamptz)) AS task_id
             FROM (SELECT) AS one LEFT JOIN unbounded ON true`,
    values: [
      occurrence.jobId,
      occurrence.at.toISOString(),
      occurrence.next?.toISOString() ?? null,
      occurrence.messageId,
      occurrence.taskId,
      occurrence.makeTask,
      occurrence.scheduleError,
      occurrence.userMaxQueued,
    ],
  };
}

/** One page of live scheduled jobs with their next occurrence, by id (resync after a deploy). */
export function selectScheduledJobs(
  afterId: string | null,
  limit: number,
): SqlStatement<{ id: string; user_id: string; next_run_at: Date }> {
  return {
    text: `SELECT id, user_id, next_run_at FROM jobs
            WHERE next_run_at IS NOT NULL AND NOT is_deleted AND status <> 'cancelled'
              AND ($1::uuid IS NULL OR id > $1::uuid)
            ORDER BY id LIMIT $2`,
    idempotent: true,
    values: [afterId, limit],
  };
}

/** One page of open tasks (waiting or running) with when each is due, by id (resync after a deploy). */
export function selectOpenTasks(
  afterId: string | null,
  limit: number,
): SqlStatement<{ id: string; run_at: Date; user_id: string | null }> {
  return {
    text: `SELECT id, run_at, user_id FROM tasks
            WHERE status IN ('created', 'processing') AND NOT is_deleted
              AND ($1::uuid IS NULL OR id > $1::uuid)
            ORDER BY id LIMIT $2`,
    idempotent: true,
    values: [afterId, limit],
  };
}
