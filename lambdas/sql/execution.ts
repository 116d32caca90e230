import type { SqlStatement } from '../db/port.js';
import { deliveriesFor } from './deliveries.js';

/**
 * Statements that run tasks. They lock tasks only — never a job — so they cannot deadlock with the API's cancel,
 * which locks a job and then its tasks. Job status is derived afterwards by `refreshJobStatuses` (jobs only).
 * Every write after the claim is fenced on the task's version: a cancel, a reap or another worker's claim bumps
 * it, and the late write of a worker that lost the task then changes nothing.
 */

export const LEASE = (param: number) => `now() + $${param}::float8 * interval '1 second'`;

/** A task keeps its job `processing` while it runs, waits for a retry, or is due. */
const OPEN = (alias: string) =>
  `(${alias}.status = 'processing' OR (${alias}.status = 'created' AND (${alias}.attempt > 0 OR ${alias}.run_at <= now())))`;

/**
 * Whether another task of the finishing task's job is still open, read at its latest committed state
 * (FOR SHARE follows concurrent updates) without ever waiting (SKIP LOCKED: a row being written right now is
 * left out, so the answer errs towards deriving the job's status). When one is open, that task's own end will
 * derive the status, and this one need not.
 */
const OTHERS_OPEN = (taskParam: string) => `EXISTS (
             SELECT 1 FROM (SELECT 1 FROM tasks o, done
                             WHERE o.job_id = done.job_id AND o.id <> ${taskParam} AND NOT o.is_deleted AND ${OPEN('o')}
                             LIMIT 1 FOR SHARE OF o SKIP LOCKED) open_task)`;

/**
 * Extends the lease while the worker still holds the task. `extended` false means stop: `status` says whether the
 * task was cancelled or taken from this worker. A task whose job was cancelled or deleted meanwhile (one that
 * slipped past the cancel) is cancelled here, so it stops too.
 */
export function renewLease(
  taskId: string,
  workerId: string,
  version: number,
  leaseSeconds: number,
): SqlStatement<{ extended: boolean; status: string | null }> {
  const held = `id = $1::uuid AND lease_owner = $2::text AND version = $3::bigint AND status = 'processing'`;
  return {
    idempotent: true,
    text: `WITH job_gone AS (
             SELECT 1 FROM tasks t JOIN jobs j ON j.id = t.job_id
              WHERE t.id = $1::uuid AND (j.status = 'cancelled' OR j.is_deleted)),
           stopped AS (
             UPDATE tasks SET status = 'cancelled', finished_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                    version = version + 1
              WHERE ${held} AND EXISTS (SELECT 1 FROM job_gone)
             RETURNING id, job_id, status),
           ${deliveriesFor('stopped')},
           renewed AS (
             UPDATE tasks SET lease_expires_at = ${LEASE(4)}
              WHERE ${held} AND NOT EXISTS (SELECT 1 FROM job_gone)
             RETURNING id)
           SELECT EXISTS (SELECT 1 FROM renewed) AS extended,
                  CASE WHEN EXISTS (SELECT 1 FROM stopped) THEN 'cancelled'
                       ELSE (SELECT status FROM tasks WHERE id = $1::uuid) END AS status`,
    values: [taskId, workerId, version, leaseSeconds],
  };
}

/**
 * Records success, exactly once: only the lease holder at the claimed version can. Says if the job has more open.
 * Sent again after its answer was lost, it finds the task completed at the next version — which only this write
 * can have made — and answers the same.
 */
export function completeTask(
  taskId: string,
  workerId: string,
  version: number,
  result: string,
): SqlStatement<{ job_id: string; others_open: boolean }> {
  return {
    idempotent: true,
    text: `WITH updated AS (
             UPDATE tasks SET status = 'completed', result = $4::text, last_error = NULL, finished_at = now(),
                    lease_owner = NULL, lease_expires_at = NULL, version = version + 1
              WHERE id = $1::uuid AND lease_owner = $2::text AND version = $3::bigint AND status = 'processing'
             RETURNING id, job_id, status),
           ${deliveriesFor('updated')},
           done AS (
             SELECT job_id FROM updated
             UNION ALL
             SELECT job_id FROM tasks
              WHERE id = $1::uuid AND version = $3::bigint + 1 AND status = 'completed' AND result = $4::text
                AND NOT EXISTS (SELECT 1 FROM updated))
           SELECT done.job_id, ${OTHERS_OPEN('$1::uuid')} AS others_open FROM done`,
    values: [taskId, workerId, version, result],
  };
}

/**
 * Records a failed attempt: the task waits `retryDelayMs` and runs again while retries remain, else it is failed.
 * Returns the task's new status (and whether its job has more open), or no row when this worker no longer holds it.
 * Sent again after its answer was lost, it finds the task one version on with this error recorded and no lease
 * (a reap writes its own error) and answers the same.
 */
export function failAttempt(
  taskId: string,
  workerId: string,
  version: number,
  error: string,
  retryDelayMs: number,
): SqlStatement<{ job_id: string; status: string; others_open: boolean }> {
  return {
    idempotent: true,
    text: `WITH updated AS (
             UPDATE tasks t
                SET status = CASE WHEN t.attempt > j.max_retries THEN 'failed' ELSE 'created' END,
                    run_at = CASE WHEN t.attempt > j.max_retries THEN t.run_at
                                  ELSE now() + $5::float8 * interval '1 millisecond' END,
                    finished_at = CASE WHEN t.attempt > j.max_retries THEN now() END,
                    last_error = $4::text, lease_owner = NULL, lease_expires_at = NULL, dispatched_at = NULL,
                    version = t.version + 1
               FROM jobs j
              WHERE t.id = $1::uuid AND j.id = t.job_id AND t.lease_owner = $2::text AND t.version = $3::bigint
                AND t.status = 'processing'
             RETURNING t.id, t.job_id, t.status),
           ${deliveriesFor('updated')},
           done AS (
             SELECT job_id, status FROM updated
             UNION ALL
             SELECT job_id, status FROM tasks
              WHERE id = $1::uuid AND version = $3::bigint + 1 AND status IN ('created', 'failed')
                AND last_error = $4::text AND lease_owner IS NULL AND NOT EXISTS (SELECT 1 FROM updated))
           SELECT done.job_id, done.status, ${OTHERS_OPEN('$1::uuid')} AS others_open FROM done`,
    values: [taskId, workerId, version, error, retryDelayMs],
  };
}

/**
 * Takes back tasks whose worker stopped renewing its lease (it crashed or was cut off). The abandoned attempt
 * counts: the task runs again if retries remain, else it is failed.
 */
export function reapExpiredLeases(
  limit: number,
): SqlStatement<{ id: string; job_id: string; status: string }> {
  return {
    idempotent: true,
    text: `WITH expired AS (
             SELECT id FROM tasks WHERE status = 'processing' AND lease_expires_at < now()
              ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED),
           reaped AS (
           UPDATE tasks t
              SET status = CASE WHEN t.attempt > j.max_retries THEN 'failed' ELSE 'created' END,
                  finished_at = CASE WHEN t.attempt > j.max_retries THEN now() END,
                  run_at = now(), dispatched_at = NULL,
                  last_error = 'the worker stopped renewing its lease (crashed or cut off); attempt abandoned',
                  lease_owner = NULL, lease_expires_at = NULL, version = t.version + 1
             FROM expired e, jobs j
            WHERE t.id = e.id AND j.id = t.job_id
           RETURNING t.id, t.job_id, t.status),
           ${deliveriesFor('reaped')}
           SELECT id, job_id, status FROM reaped`,
    values: [limit],
  };
}

/**
 * Sets each job's status from its tasks: processing while one runs or waits for a retry, else the latest finished
 * task's outcome. Cancelled and deleted jobs keep theirs. Locks jobs only. Compare-and-set on status_seq: a
 * derivation applies only if none landed since its snapshot; the ids it could not apply come back as `stale`,
 * to be derived again from a fresh snapshot.
 */
export function refreshJobStatuses(jobIds: string[]): SqlStatement<{ stale: string }> {
  return {
    idempotent: true,
    text: `WITH ids AS (SELECT DISTINCT value::uuid AS id FROM jsonb_array_elements_text($1::jsonb)),
           derived AS (
             SELECT j.id, j.status_seq AS seen_seq, CASE
                      -- OFFSET 0 keeps this a lookup per job (idx_tasks_job_status): with statistics that predate a
                      -- burst, the planner would otherwise hash every open task of every job, once per derivation.
                      WHEN EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = j.id AND NOT t.is_deleted AND ${OPEN('t')}
                                   OFFSET 0)
                        THEN 'processing'
                      -- The latest finished task's outcome; with none (its tasks were cancelled), back to created.
                      ELSE coalesce((SELECT t.status FROM tasks t WHERE t.job_id = j.id AND NOT t.is_deleted
                                       AND t.status IN ('completed', 'failed') ORDER BY t.finished_at DESC LIMIT 1),
                                    'created')
                    END AS status
               FROM ids JOIN jobs j ON j.id = ids.id
              WHERE j.status <> 'cancelled' AND NOT j.is_deleted),
           applied AS (
             UPDATE jobs j SET status = d.status, status_seq = j.status_seq + 1,
                    version = j.version + CASE WHEN j.status <> d.status THEN 1 ELSE 0 END
               FROM derived d
              WHERE j.id = d.id AND d.status IS NOT NULL AND j.status_seq = d.seen_seq
                AND j.status <> 'cancelled' AND NOT j.is_deleted
             RETURNING j.id)
           SELECT d.id AS stale FROM derived d
            WHERE d.status IS NOT NULL AND d.id NOT IN (SELECT id FROM applied)`,
    values: [JSON.stringify(jobIds)],
  };
}

/**
 * Jobs left `processing` with no open task — a waiting task cancelled through the API, or a worker that stopped
 * between recording its outcome and deriving the job's status. The scheduler derives their status again.
 */
export function selectUnsettledJobs(limit: number): SqlStatement<{ id: string }> {
  return {
    idempotent: true,
    text: `SELECT j.id FROM jobs j
            WHERE j.status = 'processing' AND NOT j.is_deleted
              -- A lookup per processing job (OFFSET 0: never a hash of every open task; see refreshJobStatuses).
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = j.id AND NOT t.is_deleted AND ${OPEN('t')}
                              OFFSET 0)
            LIMIT $1`,
    values: [limit],
  };
}

/**
 * Cancels waiting tasks of cancelled or deleted jobs: a run or an occurrence inserted while the job was being
 * cancelled is not in the cancel's snapshot. Claims already skip them; this makes them read as cancelled.
 */
export function cancelStrandedTasks(limit: number): SqlStatement {
  return {
    idempotent: true,
    text: `WITH stranded AS (
             UPDATE tasks t SET status = 'cancelled', finished_at = now(), version = t.version + 1
              WHERE t.id IN (
                SELECT s.id FROM tasks s JOIN jobs j ON j.id = s.job_id
                 WHERE s.status = 'created' AND NOT s.is_deleted AND (j.status = 'cancelled' OR j.is_deleted)
                 LIMIT $1 FOR UPDATE OF s SKIP LOCKED)
             RETURNING t.id, t.job_id, t.status),
           ${deliveriesFor('stranded')}
           SELECT id FROM stranded`,
    values: [limit],
  };
}
