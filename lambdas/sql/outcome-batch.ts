import type { SqlStatement } from '../db/port.js';
import { deliveriesFor } from './deliveries.js';

/**
 * One statement that records the success of many tasks a worker holds (the local pool's batches). Each task is
 * fenced on its own, exactly as `completeTask` (sql/execution.ts) fences one: only the lease holder at the claimed
 * version completes it. Locks tasks only, never a job.
 *
 * Sent again after its answer was lost, it finds each task it completed one version on, completed, with this very
 * result — which only this write can have made (a claim, a cancel or a reap leaves another status at that
 * version) — and reports it recorded again, so a resend never turns a recorded success into "lost" and never
 * records one twice.
 *
 * The ids come twice — as rows, and as an array the tasks are looked up by (`id = ANY`): so the plan reads each
 * task by its primary key whatever the statistics say, never every running or every completed task. The array is
 * parsed once (`ids`): a plan that filters rows by it must not parse it again per row. The resend check runs only
 * when some task of the batch was not updated (test/integration/outcome-batch-plan.test.ts).
 *
 * Per recorded task it also says whether its job still has an open task outside this batch. The check skips a task
 * row being written right now (SKIP LOCKED), so the answer errs towards deriving the job's status: when one is
 * open, that task's own end derives the job's status, and this batch need not. The statement as a whole can still
 * wait for another uncommitted batch of the same job (seen in review; the cause is not pinned down); the answer is
 * right once that one commits, and a deadlock between two would be cancelled by PostgreSQL and resent.
 */
export function completeTasks(
  workerId: string,
  items: readonly { id: string; version: number; result: string }[],
): SqlStatement<{ id: string; job_id: string; others_open: boolean }> {
  return {
    idempotent: true,
    text: `WITH batch AS (
             SELECT * FROM jsonb_to_recordset($2::jsonb) AS b(id uuid, version bigint, result text)),
           ids AS MATERIALIZED (SELECT $3::text::uuid[] AS ids),
           updated AS (
             UPDATE tasks t SET status = 'completed', result = b.result, last_error = NULL, finished_at = now(),
                    lease_owner = NULL, lease_expires_at = NULL, version = t.version + 1
               FROM batch b
              WHERE t.id = ANY ((SELECT ids FROM ids)::uuid[]) AND t.id = b.id AND t.lease_owner = $1::text AND t.version = b.version
                AND t.status = 'processing'
             RETURNING t.id, t.job_id, t.status),
           ${deliveriesFor('updated')},
           done AS (
             SELECT id, job_id FROM updated
             UNION ALL
             -- OFFSET 0: the tasks by primary key only, never intersected with the history of completed tasks.
             SELECT t.id, t.job_id
               FROM batch b
               JOIN (SELECT id, job_id, version, status, result FROM tasks WHERE id = ANY ((SELECT ids FROM ids)::uuid[]) OFFSET 0) t
                 ON t.id = b.id
              WHERE (SELECT count(*) FROM updated) < (SELECT count(*) FROM batch)
                AND NOT EXISTS (SELECT 1 FROM updated u WHERE u.id = b.id)
                AND t.version = b.version + 1 AND t.status = 'completed' AND t.result = b.result),
           settled AS (
             SELECT j.job_id,
                    EXISTS (SELECT 1 FROM (SELECT 1 FROM tasks o
                                            WHERE o.job_id = j.job_id AND NOT o.is_deleted
                                              AND o.id NOT IN (SELECT id FROM batch)
                                              AND (o.status = 'processing'
                                                   OR (o.status = 'created' AND (o.attempt > 0 OR o.run_at <= now())))
                                            LIMIT 1 FOR SHARE OF o SKIP LOCKED) open_task) AS others_open
               FROM (SELECT DISTINCT job_id FROM done) j)
           SELECT d.id, d.job_id, s.others_open FROM done d JOIN settled s ON s.job_id = d.job_id`,
    values: [workerId, JSON.stringify(items), `{${items.map((item) => item.id).join(',')}}`],
  };
}
