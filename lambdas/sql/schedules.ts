import type { SqlStatement } from '../db/port.js';

/**
 * Turns due occurrences of scheduled jobs into tasks: one task per job whose next_run_at has passed, for that
 * occurrence only — after downtime a missed schedule runs once, not once per missed occurrence. The unique index
 * on (job_id, scheduled_for) makes a second scheduler's insert of the same occurrence a no-op.
 */
export function materializeDueOccurrences(limit: number): SqlStatement {
  return {
    text: `WITH due AS (
             SELECT id, next_run_at, schedule_interval, payload, priority FROM jobs
              WHERE next_run_at <= now() AND NOT is_deleted AND status <> 'cancelled'
              ORDER BY next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED),
           made AS (
             INSERT INTO tasks (job_id, payload, priority, run_at, scheduled_for)
             SELECT id, payload, priority, now(), next_run_at FROM due
             ON CONFLICT (job_id, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
             RETURNING job_id)
           SELECT d.id, d.next_run_at, d.schedule_interval, EXISTS (SELECT 1 FROM made m WHERE m.job_id = d.id) AS created
             FROM due d`,
    values: [limit],
  };
}

/** Moves each job's next_run_at on, unless someone else already did (the guard on the previous value). */
export function advanceSchedules(moves: { id: string; previous: Date; next: Date | null }[]): SqlStatement {
  return {
    text: `UPDATE jobs j SET next_run_at = m.next
             FROM jsonb_to_recordset($1::jsonb) AS m(id uuid, previous timestamptz, next timestamptz)
            WHERE j.id = m.id AND date_trunc('milliseconds', j.next_run_at) = m.previous AND j.status <> 'cancelled'`,
    values: [
      JSON.stringify(
        moves.map((m) => ({
          id: m.id,
          previous: m.previous.toISOString(),
          next: m.next?.toISOString() ?? null,
        })),
      ),
    ],
  };
}
