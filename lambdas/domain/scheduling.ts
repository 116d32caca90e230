import type { Database } from '../db/port.js';
import { advanceSchedules, materializeDueOccurrences } from '../sql/schedules.js';
import { reap, settleJobs } from './execution.js';
import { followingOccurrence, type Schedule } from './schedule.js';

/**
 * Creates one task for each due occurrence and moves each job's next_run_at past now — so a job that missed
 * several occurrences (downtime) runs once. Safe with several schedulers at once. Returns the tasks created.
 */
export async function materializeSchedules(
  db: Database,
  now: () => Date = () => new Date(),
  limit = 500,
): Promise<number> {
  const { rows } = await db.query(materializeDueOccurrences(limit));
  if (rows.length === 0) return 0;
  const moves = rows.map((row) => ({
    id: String(row.id),
    previous: row.next_run_at as Date,
    next: followingOccurrence(row.schedule_interval as Schedule, row.next_run_at as Date, now()),
  }));
  await db.query(advanceSchedules(moves));
  return rows.filter((row) => row.created).length;
}

/** One scheduler pass: materialise due occurrences, reap expired leases, settle jobs left processing. */
export async function schedulerTick(
  db: Database,
): Promise<{ created: number; reaped: number; settled: number }> {
  const created = await materializeSchedules(db);
  const reaped = await reap(db);
  const settled = await settleJobs(db);
  return { created, reaped, settled };
}
