import type { SqlStatement } from '../db/port.js';
import { LEASE } from './execution.js';

/**
 * Claims up to `limit` due tasks for `workerId`, fairly across users, leasing them for `leaseSeconds`
 * (docs/semantics.md, "Claiming and running"). The rule: each user's due tasks are ranked in the user's own order
 * (higher priority, then earlier due), and a task's turn is its user's running tasks plus its rank; the claim takes
 * the lowest turns, ties by priority, then due time, then user. So a free slot goes to the user with the fewest
 * tasks running, and a user with one due task is served before the next task of a user with thousands.
 * With `userMaxRunning` > 0 a user's tasks are taken only while its running ones stay under it; the count is taken
 * under the user's claim lock (`user_running_tasks_locked`, migration 011), so racing claims cannot exceed it.
 * With `taskId`, claims only that task (if it is due and its user under the cap). Every task taken is stamped
 * with the caller's `claimToken`: sent again after its answer was lost, the claim takes nothing more and returns
 * the tasks the first send took (those still processing for this worker), their attempts counted once.
 *
 * The plan does not depend on statistics: the users are walked one index probe at a time (a loose index scan over
 * idx_tasks_user_claim), and each user's tasks are one range of that index, so stale statistics after a burst cannot
 * send it through idx_tasks_status over every waiting task (test/integration/claim-plan.test.ts).
 */
export function claimTasks(
  workerId: string,
  limit: number,
  leaseSeconds: number,
  claimToken: string,
  userMaxRunning = 0,
  taskId?: string,
): SqlStatement {
  const only = taskId ? 'AND t.id = $6::uuid' : '';
  // `IS TRUE`: the predicate of migration 011's indexes, which idx_tasks_status cannot serve (see there).
  const WAITING = `(t.status = 'created') IS TRUE AND NOT t.is_deleted`;
  // A user's due tasks that may run: a task inserted while its job was being cancelled escapes the cancel's
  // snapshot, so never run it. OFFSET 0 keeps that a per-row check by primary key: as an anti-join the planner may
  // hash every waiting task of the user and sort them all, where the index's order needs no sort and the scan
  // stops at the limit (a claim then costs the same with 10 or 10,000 waiting).
  const USERS_DUE = `t.user_id = c.user_id AND ${WAITING} AND t.run_at <= now() ${only}
                         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = t.job_id AND (j.status = 'cancelled' OR j.is_deleted) OFFSET 0)`;
  return {
    idempotent: true,
    text: `WITH RECURSIVE users AS (
             (SELECT t.user_id FROM tasks t WHERE ${WAITING} AND t.user_id IS NOT NULL ${only} ORDER BY t.user_id LIMIT 1)
             UNION ALL
             SELECT (SELECT t.user_id FROM tasks t WHERE ${WAITING} AND t.user_id > u.user_id ORDER BY t.user_id LIMIT 1)
               FROM users u WHERE u.user_id IS NOT NULL ${taskId ? 'AND false' : ''}),
           counted AS MATERIALIZED (
             SELECT u.user_id,
                    CASE WHEN $5::int > 0 THEN user_running_tasks_locked(u.user_id, false)
                         ELSE (SELECT count(*) FROM tasks r WHERE r.user_id = u.user_id AND (r.status = 'processing') IS TRUE)::int
                    END AS running
               FROM users u
              WHERE u.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.claim_token = $4::uuid)),
           -- Read without locking first: which tasks the fair rule gives each user (its share of the slots).
           ranked AS (
             SELECT c.user_id, c.running, w.priority, w.run_at
               FROM counted c CROSS JOIN LATERAL (
                      SELECT t.priority, t.run_at FROM tasks t
                       WHERE ${USERS_DUE}
                       ORDER BY t.priority DESC, t.run_at
                       LIMIT CASE WHEN $5::int > 0 THEN least($1::int, greatest($5::int - c.running, 0)) ELSE $1::int END) w
              WHERE c.running IS NOT NULL),
           shares AS (
             SELECT b.user_id, count(*) AS share FROM (
               SELECT r.user_id, r.priority, r.run_at,
                      r.running + row_number() OVER (PARTITION BY r.user_id ORDER BY r.priority DESC, r.run_at) AS turn
                 FROM ranked r
                ORDER BY turn, r.priority DESC, r.run_at, r.user_id
                LIMIT $1) b
              GROUP BY b.user_id),
           -- Then lock only that many of each user's best, skipping tasks a racing claim holds: it takes the user's
           -- next best in their place. Locking every user's first $1 instead would make a racing claim skip tasks
           -- this one leaves (taking a user's lower-priority tasks first) and write a row lock per task read.
           candidates AS (
             SELECT w.id, w.run_at
               FROM shares c CROSS JOIN LATERAL (
                      SELECT t.id, t.run_at FROM tasks t
                       WHERE ${USERS_DUE}
                       ORDER BY t.priority DESC, t.run_at
                       LIMIT c.share
                       FOR UPDATE OF t SKIP LOCKED) w),
           claimed AS (
             UPDATE tasks t SET status = 'processing', attempt = t.attempt + 1, started_at = now(), finished_at = NULL,
                    lease_owner = $2::text, lease_expires_at = ${LEASE(3)}, version = t.version + 1,
                    claim_token = $4::uuid
               FROM candidates c WHERE t.id = c.id
             RETURNING t.id, t.job_id, t.version, t.attempt, t.payload, c.run_at),
           taken AS (
             SELECT * FROM claimed
             UNION ALL
             SELECT t.id, t.job_id, t.version, t.attempt, t.payload, t.run_at FROM tasks t
              WHERE t.claim_token = $4::uuid AND (t.status = 'processing') IS TRUE AND t.lease_owner = $2::text)
           SELECT c.id, c.job_id, c.version, c.attempt, c.payload, c.run_at, j.user_id, j.job_type, j.status AS job_status,
                  j.payload AS job_payload, j.timeout_seconds, j.max_retries
             FROM taken c JOIN jobs j ON j.id = c.job_id`,
    values: taskId
      ? [limit, workerId, leaseSeconds, claimToken, userMaxRunning, taskId]
      : [limit, workerId, leaseSeconds, claimToken, userMaxRunning],
  };
}
