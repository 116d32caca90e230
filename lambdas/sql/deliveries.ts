import type { SqlStatement, SqlValue } from '../db/port.js';
import type { DeliveryRow } from '../shapes/delivery.js';
import type { PagePosition } from '../shapes/page.js';
import type { TaskRow } from '../shapes/task.js';
import { deliveryColumns, newestFirst, taskColumns } from './columns.js';
import type { Guarded } from './outcome.js';

/**
 * Webhook deliveries: one row per task end of a job that has a webhook, its id the task's id. Every statement that
 * ends a task adds `deliveriesFor(cte)` to its WITH list, so the delivery commits with the end or not at all.
 */

/** The CTE name `deliveriesFor` defines; a statement may select from it (the ids it inserted). */
export const MADE_DELIVERIES = 'webhook_deliveries_made';

/**
 * A CTE that inserts the deliveries for the tasks `ended` (a CTE with `id`, `job_id`, `status`) that reached a
 * final state under a job with a webhook. Reads the job without locking it (a foreign key would take a KEY SHARE
 * lock: the task statements must lock tasks only). ON CONFLICT: a statement resent after a lost answer, or any
 * second end of the same task, inserts nothing more.
 */
export function deliveriesFor(ended: string): string {
  return `${MADE_DELIVERIES} AS (
             INSERT INTO webhook_deliveries (id, job_id, user_id, event_type)
             SELECT e.id, e.job_id, wj.user_id, 'task.' || e.status FROM ${ended} e JOIN jobs wj ON wj.id = e.job_id
              WHERE wj.webhook IS NOT NULL AND e.status IN ('completed', 'failed', 'cancelled')
             ON CONFLICT (id) DO NOTHING
             RETURNING id)`;
}

export interface DeliveryListFilter {
  userId: string;
  jobId: string;
  after?: PagePosition;
  limit: number;
}

/**
 * One page of a job's deliveries, newest first. No row: the job does not exist for this user; one row with a null
 * `id`: the job exists and the page is empty.
 */
export function selectJobDeliveries(
  filter: DeliveryListFilter,
): SqlStatement<Guarded<DeliveryRow, Record<never, never>>> {
  const values: SqlValue[] = [filter.jobId, filter.userId];
  const page = newestFirst('d', values, filter.after, filter.limit);
  const conditions = ['d.job_id = j.id', ...page.conditions];
  return {
    idempotent: true,
    text: `SELECT page.* FROM jobs j
           LEFT JOIN LATERAL (
             SELECT ${deliveryColumns('d')} FROM webhook_deliveries d WHERE ${conditions.join(' AND ')}
             ${page.orderAndLimit}) page ON true
           WHERE j.id = $1::uuid AND j.user_id = $2::uuid AND NOT j.is_deleted
           ORDER BY page.created_at DESC, page.id DESC`,
    values,
  };
}

/** What an attempt needs: the delivery, the job's webhook (URL, encrypted secret) and the task as GET shows it. */
const CLAIMED = `c.id AS delivery_id, c.event_type, c.attempts, c.created_at AS event_at, j.webhook->>'url' AS webhook_url,
                  j.webhook_secret, ${taskColumns('t')}`;

/** A claimed delivery's row (CLAIMED): the delivery, the job's webhook (null once removed) and the task. */
export type ClaimedDeliveryRow = TaskRow & {
  delivery_id: string;
  event_type: string;
  attempts: number;
  event_at: Date;
  webhook_url: string | null;
  webhook_secret: string | null;
};

/**
 * Leases the delivery a notice names to `owner` for one attempt (attempts + 1), if it is pending, due and not
 * leased to a live other. Sent again after its answer was lost, it finds the delivery leased to `owner` and
 * returns it as it is, the attempt counted once. No row: nothing to attempt now (see `selectDelivery`).
 */
export function claimNamedDelivery(
  deliveryId: string,
  owner: string,
  leaseSeconds: number,
): SqlStatement<ClaimedDeliveryRow> {
  return {
    idempotent: true,
    text: `WITH target AS (
             SELECT id, lease_owner = $2::text AND lease_expires_at >= now() AS mine FROM webhook_deliveries
              WHERE id = $1::uuid AND status = 'pending'
                AND ((lease_owner = $2::text AND lease_expires_at >= now())
                     OR (next_attempt_at <= now() AND (lease_expires_at IS NULL OR lease_expires_at < now())))
              FOR UPDATE),
           c AS (
             UPDATE webhook_deliveries d
                SET attempts = d.attempts + CASE WHEN target.mine THEN 0 ELSE 1 END, lease_owner = $2::text,
                    lease_expires_at = now() + $3::float8 * interval '1 second', updated_at = now()
               FROM target WHERE d.id = target.id
             RETURNING d.*)
           SELECT ${CLAIMED} FROM c JOIN jobs j ON j.id = c.job_id JOIN tasks t ON t.id = c.id`,
    values: [deliveryId, owner, leaseSeconds],
  };
}

/**
 * Leases up to `limit` due deliveries to `owner` (the local pool). `owner` is new per claim: sent again after its
 * answer was lost, the claim takes nothing more and returns what the first send took.
 */
export function claimDueDeliveries(
  owner: string,
  limit: number,
  leaseSeconds: number,
): SqlStatement<ClaimedDeliveryRow> {
  return {
    idempotent: true,
    text: `WITH target AS (
             SELECT id FROM webhook_deliveries
              WHERE status = 'pending' AND next_attempt_at <= now()
                AND (lease_expires_at IS NULL OR lease_expires_at < now())
                AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.lease_owner = $1::text)
              ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED),
           claimed AS (
             UPDATE webhook_deliveries d
                SET attempts = d.attempts + 1, lease_owner = $1::text,
                    lease_expires_at = now() + $3::float8 * interval '1 second', updated_at = now()
               FROM target WHERE d.id = target.id
             RETURNING d.*),
           c AS (
             SELECT * FROM claimed
             UNION ALL
             SELECT * FROM webhook_deliveries WHERE lease_owner = $1::text AND status = 'pending')
           SELECT ${CLAIMED} FROM c JOIN jobs j ON j.id = c.job_id JOIN tasks t ON t.id = c.id`,
    values: [owner, limit, leaseSeconds],
  };
}

/** A delivery's state, for a notice that could not claim it: pending and when next, or ended. */
export function selectDelivery(
  deliveryId: string,
): SqlStatement<{ id: string; status: string; next_attempt_at: Date | null; leased: boolean | null }> {
  return {
    idempotent: true,
    text: `SELECT id, status, next_attempt_at, lease_owner IS NOT NULL AND lease_expires_at >= now() AS leased
             FROM webhook_deliveries WHERE id = $1::uuid`,
    values: [deliveryId],
  };
}

export interface AttemptRecord {
  deliveryId: string;
  owner: string;
  /** The attempt number the claim gave (fences the write: a later claim has another). */
  attempt: number;
  delivered: boolean;
  responseCode: number | null;
  error: string | null;
  /** Delay before the next attempt, if it is not given up: it is given up once that is past the retry window. */
  retryDelayMs: number;
  retryWindowSeconds: number;
}

/**
 * Records an attempt's outcome: delivered; or pending again after `retryDelayMs`; or failed when the next attempt
 * would fall after `retryWindowSeconds` from the task's end. Only the lease holder at that attempt can write.
 * Sent again after its answer was lost, it finds the delivery at that attempt with no lease and this outcome, and
 * answers the same. No row: the lease was lost (another attempt decides).
 */
export function recordDeliveryAttempt(
  record: AttemptRecord,
): SqlStatement<{ status: string; next_attempt_at: Date | null }> {
  const next = `now() + $7::float8 * interval '1 millisecond'`;
  const window = `d.created_at + $8::float8 * interval '1 second'`;
  return {
    idempotent: true,
    text: `WITH updated AS (
             UPDATE webhook_deliveries d
                SET status = CASE WHEN $4::boolean THEN 'delivered' WHEN ${next} > ${window} THEN 'failed'
                                  ELSE 'pending' END,
                    next_attempt_at = CASE WHEN $4::boolean OR ${next} > ${window} THEN NULL ELSE ${next} END,
                    finished_at = CASE WHEN $4::boolean OR ${next} > ${window} THEN now() END,
                    last_response_code = $5::int, last_error = $6::text, lease_owner = NULL,
                    lease_expires_at = NULL, updated_at = now()
              WHERE d.id = $1::uuid AND d.lease_owner = $2::text AND d.attempts = $3::int AND d.status = 'pending'
             RETURNING d.status, d.next_attempt_at)
           SELECT * FROM updated
           UNION ALL
           SELECT status, next_attempt_at FROM webhook_deliveries
            WHERE id = $1::uuid AND attempts = $3::int AND lease_owner IS NULL
              AND last_response_code IS NOT DISTINCT FROM $5::int AND last_error IS NOT DISTINCT FROM $6::text
              AND (status <> 'pending' OR NOT $4::boolean) AND NOT EXISTS (SELECT 1 FROM updated)`,
    values: [
      record.deliveryId,
      record.owner,
      record.attempt,
      record.delivered,
      record.responseCode,
      record.error,
      record.retryDelayMs,
      record.retryWindowSeconds,
    ],
  };
}

/**
 * A job's deliveries never attempted yet (a cancel through the API made them): the sweep notice sends their
 * notices. Paged by id.
 */
export function selectUnattemptedDeliveries(
  jobId: string,
  afterId: string | null,
  limit: number,
): SqlStatement<{ id: string }> {
  return {
    idempotent: true,
    text: `SELECT id FROM webhook_deliveries
            WHERE job_id = $1::uuid AND status = 'pending' AND attempts = 0
              AND ($2::uuid IS NULL OR id > $2::uuid)
            ORDER BY id LIMIT $3`,
    values: [jobId, afterId, limit],
  };
}

/** One page of pending deliveries with when each is due, by id (resync after a deploy). */
export function selectPendingDeliveries(
  afterId: string | null,
  limit: number,
): SqlStatement<{ id: string; next_attempt_at: Date | null }> {
  return {
    idempotent: true,
    text: `SELECT id, next_attempt_at FROM webhook_deliveries
            WHERE status = 'pending' AND ($1::uuid IS NULL OR id > $1::uuid)
            ORDER BY id LIMIT $2`,
    values: [afterId, limit],
  };
}
