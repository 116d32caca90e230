import type { SqlStatement } from '../db/port.js';
import { OPEN_TASK_STATUSES } from './columns.js';

/** The statuses in which a task has ended for good. */
const ENDED_TASK_STATUSES = `('completed', 'failed', 'cancelled')`;

/**
 * When a task ended: every statement that ends a task (completed, failed or cancelled) sets finished_at (cancelled
 * tasks from before migration 015 were backfilled from their updated_at). The column of idx_tasks_user_finished.
 */
const ENDED_AT = 't.finished_at';

/** The number of the bucket (of `$3` seconds since the epoch) that `at` falls in. */
const bucketOf = (at: string) => `floor(extract(epoch FROM ${at}) / $3::int)`;

/**
 * The first bucket of the window: the `$2 / $3` buckets ending with the current, partial one. A stable expression
 * of now(), so it bounds the index scan itself.
 */
const FIRST_BUCKET = `(${bucketOf('now()')} - $2::int / $3::int + 1)`;

/**
 * The caller's activity in one statement, through two indexes: tasks that ended within the window, counted per
 * status and bucket (`bucket` 0 is the oldest), through idx_tasks_user_finished, reading only the window's rows;
 * and the caller's waiting and running tasks counted by status, through idx_tasks_user_open. One `window` row
 * carries the window's start, so an empty answer still says where the buckets begin. The upper bound keeps out a
 * task whose writer's now() came after this statement's and committed before its snapshot was taken.
 */
export function selectActivity(userId: string, windowSeconds: number, bucketSeconds: number): SqlStatement {
  return {
    idempotent: true,
    text: `SELECT 'ended' AS kind, t.status, (${bucketOf(ENDED_AT)} - ${FIRST_BUCKET})::int AS bucket,
                  count(*)::int AS tasks, NULL::timestamptz AS since
             FROM tasks t
            WHERE t.user_id = $1::uuid AND t.status IN ${ENDED_TASK_STATUSES} AND NOT t.is_deleted
              AND ${ENDED_AT} >= to_timestamp((${FIRST_BUCKET} * $3::int)::float8)
              AND ${ENDED_AT} < to_timestamp(((${bucketOf('now()')} + 1) * $3::int)::float8)
            GROUP BY t.status, 3
           UNION ALL
           SELECT 'open', t.status, NULL, count(*)::int, NULL
             FROM tasks t
            WHERE t.user_id = $1::uuid AND t.status IN ${OPEN_TASK_STATUSES} AND NOT t.is_deleted
            GROUP BY t.status
           UNION ALL
           SELECT 'window', NULL, NULL, NULL, to_timestamp((${FIRST_BUCKET} * $3::int)::float8)`,
    values: [userId, windowSeconds, bucketSeconds],
  };
}
