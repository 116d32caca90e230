import type { SqlStatement } from '../db/port.js';
import { forgetBounds, hasRoom, lockedOpenTasks, skipReason } from './queued-limit.js';

/**
 * Turns due occurrences of scheduled jobs into tasks: one task per job whose next_run_at has passed, for that
 * occurrence only — after downtime a missed schedule runs once, not once per missed occurrence. The unique index
 * on (job_id, scheduled_for) makes a second scheduler's insert of the same occurrence a no-op. A job with a
 * schedule_error is due only for another try at computing its next occurrence: its next_run_at is a retry time,
 * not an occurrence, so it gets no task.
 *
 * USER_MAX_QUEUED (`userMaxQueued`, 0: no limit): each user's due occurrences, earliest first, get tasks while the
 * user's open tasks stay within the limit; the rest are skipped (`skipped`), the job recording which occurrence and
 * why. The users' queued-cap locks are taken after the jobs, in one fixed order (sql/queued-limit.ts), and only
 * with a limit; with none, the users' bases (migration 019) are deleted instead, in that same order.
 */
export function materializeDueOccurrences(
  limit: number,
  userMaxQueued: number,
): SqlStatement<{
  id: string;
  next_run_at: Date;
  schedule_interval: unknown;
  created: boolean;
  skipped: boolean;
}> {
  return {
    text: `WITH due AS (
             SELECT id, user_id, next_run_at, schedule_interval, schedule_error, payload, priority FROM jobs
              WHERE next_run_at <= now() AND NOT is_deleted AND status <> 'cancelled'
              ORDER BY next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED),
           occurrences AS (
             -- An occurrence whose task an earlier pass made (its schedule's advance then failed) needs no room.
             SELECT d.* FROM due d WHERE d.schedule_error IS NULL AND NOT EXISTS (
               SELECT 1 FROM tasks t WHERE t.job_id = d.id AND t.scheduled_for = d.next_run_at)),
           counts AS (
             ${lockedOpenTasks('ARRAY(SELECT DISTINCT user_id FROM occurrences WHERE $2::int > 0)')}),
           unbounded AS (${forgetBounds('SELECT user_id FROM occurrences', '$2::int')}),
           ranked AS (
             SELECT o.*, c.open_tasks AS counted, c.open_tasks + row_number() OVER (PARTITION BY o.user_id ORDER BY o.next_run_at, o.id) - 1
                      AS open_before
               FROM occurrences o LEFT JOIN counts c ON c.user_id = o.user_id),
           made AS (
             INSERT INTO tasks (job_id, user_id, payload, priority, run_at, scheduled_for)
             SELECT id, user_id, payload, priority, now(), next_run_at FROM ranked
              WHERE ${hasRoom('open_before', '$2::int')}
             ON CONFLICT (job_id, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
             RETURNING job_id),
           -- Skipped: the earlier occurrences filled the user's room, so the user now has the limit (or more).
           skipped AS (
             UPDATE jobs j SET skipped_occurrence_at = r.next_run_at,
                               skipped_occurrence_reason = ${skipReason('greatest(r.counted, $2::int)', '$2::int')}
               FROM ranked r WHERE j.id = r.id AND NOT ${hasRoom('r.open_before', '$2::int')}
             RETURNING j.id)
           SELECT d.id, d.next_run_at, d.schedule_interval,
                  EXISTS (SELECT 1 FROM made m WHERE m.job_id = d.id) AS created,
                  EXISTS (SELECT 1 FROM skipped s WHERE s.id = d.id) AS skipped
             FROM due d LEFT JOIN unbounded ON true`,
    values: [limit, userMaxQueued],
  };
}

export interface ScheduleMove {
  id: string;
  previous: Date;
  /** The next occurrence, or when computing it failed, the time to try again. */
  next: Date | null;
  /** Why computing the next occurrence failed; null clears an earlier failure. */
  error: string | null;
}

/**
 * Moves each job's next_run_at on and records (or clears) its schedule_error, unless someone else already moved
 * it (the guard on the previous value): repeating it after a lost answer changes nothing.
 *
 * The rows are locked first, in id order. Two passes that overlap can hold the same due jobs (a pass locks them
 * only for its own statement, so the next pass takes them again until they are moved on): updating them in the
 * join's order, two passes could each hold a job the other waits for, and PostgreSQL then cancels one of them
 * and whatever waited behind it (an occurrence notice, seen in queued-limit-adversarial.test.ts).
 */
export function advanceSchedules(moves: ScheduleMove[]): SqlStatement {
  return {
    text: `WITH m AS (
             SELECT * FROM jsonb_to_recordset($1::jsonb) AS m(id uuid, previous timestamptz, next timestamptz, error text)),
           locked AS MATERIALIZED (
             SELECT j.id FROM jobs j WHERE j.id IN (SELECT id FROM m) ORDER BY j.id FOR UPDATE OF j)
           UPDATE jobs j SET next_run_at = m.next, schedule_error = m.error
             FROM m
            WHERE j.id = m.id AND j.id IN (SELECT id FROM locked)
              AND date_trunc('milliseconds', j.next_run_at) = m.previous AND j.status <> 'cancelled'`,
    values: [
      JSON.stringify(
        moves.map((m) => ({
          id: m.id,
          previous: m.previous.toISOString(),
          next: m.next?.toISOString() ?? null,
          error: m.error,
        })),
      ),
    ],
  };
}

/**
 * Records that a job's next occurrence could not be computed, and when to try again. Safe to repeat; a cancelled
 * or deleted job keeps no schedule.
 */
export function recordScheduleError(jobId: string, message: string, retryAt: Date): SqlStatement {
  return {
    text: `UPDATE jobs SET schedule_error = $2::text, next_run_at = $3::timestamptz
            WHERE id = $1::uuid AND NOT is_deleted AND status <> 'cancelled'`,
    values: [jobId, message, retryAt],
  };
}
