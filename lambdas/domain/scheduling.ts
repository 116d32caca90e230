import type { Database } from '../db/port.js';
import { advanceSchedules, materializeDueOccurrences } from '../sql/schedules.js';
import { reap, settleJobs } from './execution.js';
import { nextOccurrence, type Schedule } from './schedule.js';

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
  const moves = rows.map((row) => {
    const previous = row.next_run_at as Date;
    const after = new Date(Math.max(now().getTime(), previous.getTime()));
    return { id: String(row.id), previous, next: nextOccurrence(row.schedule_interval as Schedule, after) };
  });
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
