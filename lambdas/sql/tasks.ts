import type { SqlStatement, SqlValue } from '../db/port.js';
import type { PagePosition } from '../shapes/page.js';
import type { TaskRow } from '../shapes/task.js';
import { newestFirst, OPEN_TASK_STATUSES, taskColumns } from './columns.js';
import { deliveriesFor, MADE_DELIVERIES } from './deliveries.js';
import type { Guarded } from './outcome.js';
import { admittingOpenTasks, forgetBounds, hasRoom, lockedOpenTasks } from './queued-limit.js';

/** Statements about tasks as the API sees them. Ownership always goes through the task's job's user_id. */

/** Besides the task: the job's status, the user's count (null: none taken) and whether the count was undecided. */
export type ManualTaskAnswer = {
  job_status: string;
  open_tasks: number | null;
  undecided: boolean;
};

/**
 * A new task with the caller's id for the caller's job, unless the job is cancelled or the user is at
 * `userMaxQueued` open tasks (0: no limit). Guarded (sql/outcome.ts): refused (`id` null) when the job is
 * cancelled (`job_status` says so) or the user has no room (`open_tasks`, the user's count, says so).
 * Sent again after its answer was lost, it finds the task with that id and returns it instead of inserting a
 * second, whatever the count (that task is one of them).
 *
 * The limit holds under concurrency (sql/queued-limit.ts). `exact`: the user's queued-cap lock is taken
 * exclusively before the count and held until the insert commits, so a racing run of the same user waits and then
 * counts this task too. Not `exact`: the lock is taken shared with one of the user's stripes (migration 018), so
 * runs of one user commit together, deciding on the user's bound (migration 019) rather than a count; near the
 * limit, when that cannot decide without waiting, nothing is inserted and `undecided` is true: send it again
 * `exact`. With no limit (0) no queued-cap lock is taken, and the user's base is deleted under the user's base lock
 * (the task is in no bound; migration 020). Locks are taken in the order job (KEY SHARE, as the task's foreign key
 * would), the user's locks, the bound's rows, then the new task; holding the user's lock, the statement waits for
 * nothing else but a stripe (whose holders wait for none), so it cannot deadlock with a cancel or a scheduler
 * pass; a run waiting for a cancel then sees the job cancelled.
 */
export function insertManualTask(
  userId: string,
  jobId: string,
  taskId: string,
  userMaxQueued: number,
  exact: boolean,
): SqlStatement<Guarded<TaskRow & ManualTaskAnswer, ManualTaskAnswer>> {
  // The user whose count decides, when one does: a limit, the job not cancelled and the task not made yet.
  const owner = `SELECT user_id FROM job WHERE $4::int > 0 AND status <> 'cancelled' AND NOT EXISTS (SELECT 1 FROM existing)`;
  return {
    idempotent: true,
    text: `WITH job AS (
             SELECT id, user_id, payload, status, priority FROM jobs
              WHERE id = $1::uuid AND user_id = $2::uuid AND NOT is_deleted FOR KEY SHARE),
           existing AS (
             SELECT ${taskColumns('t')} FROM tasks t WHERE t.id = $3::uuid AND t.job_id IN (SELECT id FROM job)),
           slot AS (
             ${exact ? lockedOpenTasks(`ARRAY(${owner})`) : admittingOpenTasks(owner, '$4::int')}),
           unbounded AS (${forgetBounds('SELECT user_id FROM job', '$4::int')}),
           inserted AS (
             INSERT INTO tasks AS t (id, job_id, user_id, payload, priority)
             SELECT $3::uuid, job.id, job.user_id, job.payload, job.priority FROM job LEFT JOIN slot ON true
              WHERE job.status <> 'cancelled' AND NOT EXISTS (SELECT 1 FROM existing)
                AND ${hasRoom('slot.open_tasks', '$4::int')}
             ON CONFLICT (id) DO NOTHING
             RETURNING ${taskColumns('t')}),
           task AS (SELECT * FROM inserted UNION ALL SELECT * FROM existing)
           SELECT job.status AS job_status, (SELECT open_tasks FROM slot) AS open_tasks,
                  EXISTS (SELECT 1 FROM slot WHERE open_tasks IS NULL) AS undecided, task.*
             FROM job LEFT JOIN task ON true LEFT JOIN unbounded ON true`,
    values: [jobId, userId, taskId, userMaxQueued],
  };
}

export function selectTask(userId: string, taskId: string): SqlStatement<TaskRow> {
  return {
    idempotent: true,
    text: `SELECT ${taskColumns('t')} FROM tasks t JOIN jobs j ON j.id = t.job_id
            WHERE t.id = $1::uuid AND j.user_id = $2::uuid AND NOT t.is_deleted AND NOT j.is_deleted`,
    values: [taskId, userId],
  };
}

export interface TaskListFilter {
  userId: string;
  jobId: string;
  status?: string;
  after?: PagePosition;
  limit: number;
}

/**
 * One page of a job's tasks, newest first. No row at all: the job does not exist for this user; one row with a
 * null `id`: the job exists and the page is empty.
 */
export function selectJobTasks(filter: TaskListFilter): SqlStatement<Guarded<TaskRow, Record<never, never>>> {
  const values: SqlValue[] = [filter.jobId, filter.userId];
  const conditions = ['t.job_id = j.id', 'NOT t.is_deleted'];
  if (filter.status) conditions.push(`t.status = $${values.push(filter.status)}::text`);
  const page = newestFirst('t', values, filter.after, filter.limit);
  return {
    idempotent: true,
    text: `SELECT page.* FROM jobs j
           LEFT JOIN LATERAL (
             SELECT ${taskColumns('t')} FROM tasks t WHERE ${[...conditions, ...page.conditions].join(' AND ')}
             ${page.orderAndLimit}) page ON true
           WHERE j.id = $1::uuid AND j.user_id = $2::uuid AND NOT j.is_deleted
           ORDER BY page.created_at DESC, page.id DESC`,
    values,
  };
}

/**
 * Cancels a waiting or running task of the caller's, with the webhook delivery of its end when its job has a
 * webhook (`delivery_made`). Returns the task as it now is, with `changed` false when it had already ended (its
 * status says how); no row when it does not exist for this user.
 */
export function cancelTask(
  userId: string,
  taskId: string,
): SqlStatement<TaskRow & { changed: boolean; delivery_made: boolean }> {
  return {
    idempotent: true,
    text: `WITH target AS (
             SELECT ${taskColumns('t')} FROM tasks t JOIN jobs j ON j.id = t.job_id
              WHERE t.id = $1::uuid AND j.user_id = $2::uuid AND NOT t.is_deleted AND NOT j.is_deleted
              FOR UPDATE OF t),
           changed AS (
             UPDATE tasks t SET status = 'cancelled', finished_at = now(), version = t.version + 1 FROM target
              WHERE t.id = target.id AND t.status IN ${OPEN_TASK_STATUSES}
             RETURNING ${taskColumns('t')}),
           ${deliveriesFor('changed')}
           SELECT true AS changed, EXISTS (SELECT 1 FROM ${MADE_DELIVERIES}) AS delivery_made, changed.* FROM changed
           UNION ALL
           SELECT false, false, target.* FROM target WHERE NOT EXISTS (SELECT 1 FROM changed)`,
    values: [taskId, userId],
  };
}
