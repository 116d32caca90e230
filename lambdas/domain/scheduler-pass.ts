import { loggableError } from '../db/errors.js';
import type { Database } from '../db/port.js';
import { USER_MAX_QUEUED_DEFAULT } from '../limits.js';
import { createLogger, type Logger } from '../logger.js';
import { advanceSchedules, materializeDueOccurrences, recordScheduleError } from '../sql/schedules.js';
import { reap, settleJobs } from './execution.js';
import { followingOccurrence, type Schedule } from './occurrences.js';

/** How long a job whose next occurrence could not be computed waits before the scheduler tries again. */
export const SCHEDULE_RETRY_MS = 60_000;
/** schedule_error holds at most this many characters. */
const ERROR_LENGTH = 500;

const messageOf = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).slice(0, ERROR_LENGTH) || 'unknown error';

/**
 * The next occurrence as `compute` gives it, or — when it throws, or gives anything but null or a date strictly
 * after `now` — a retry time and why. A failure stays with its job: recorded as the job's schedule_error and tried
 * again after SCHEDULE_RETRY_MS. The check covers stored schedules today's validation would refuse (seconds not a
 * number, zero, negative or beyond any date; an unknown type): an Invalid Date would fail the whole batch's
 * advance, and a time not after now would make the job due again at once, a task every pass.
 */
export function occurrenceOrRetry(
  compute: () => Date | null,
  now: Date,
): { next: Date | null; error: string | null } {
  try {
    const next: unknown = compute();
    if (next !== null && !(next instanceof Date && next.getTime() > now.getTime())) {
      throw new Error(`the schedule gave no valid next occurrence after ${now.toISOString()}`);
    }
    return { next, error: null };
  } catch (error) {
    return { next: new Date(now.getTime() + SCHEDULE_RETRY_MS), error: messageOf(error) };
  }
}

/**
 * Records on one job that its next occurrence could not be computed, and when to try again (for code paths
 * outside the scheduler pass). Safe to repeat; the next successful computation clears it.
 */
export async function scheduleFailed(
  db: Database,
  jobId: string,
  message: string,
  retryAt: Date,
): Promise<void> {
  await db.query(recordScheduleError(jobId, messageOf(message), retryAt));
}

/**
 * Creates one task for each due occurrence and moves each job's next_run_at past now — so a job that missed
 * several occurrences (downtime) runs once. Safe with several schedulers at once. A job whose next occurrence
 * cannot be computed gets a schedule_error and a retry time; the others in the batch are unaffected. An occurrence
 * whose user is at `userMaxQueued` open tasks is skipped and recorded on its job, which moves on all the same.
 * Returns the tasks created.
 */
export async function materializeSchedules(
  db: Database,
  now: () => Date = () => new Date(),
  limit = 500,
  userMaxQueued = USER_MAX_QUEUED_DEFAULT,
): Promise<number> {
  const { rows } = await db.query(materializeDueOccurrences(limit, userMaxQueued));
  if (rows.length === 0) return 0;
  const moves = rows.map((row) => {
    const previous = row.next_run_at;
    const at = now();
    const computed = occurrenceOrRetry(
      () => followingOccurrence(row.schedule_interval as Schedule, previous, at),
      at,
    );
    return { id: row.id, previous, ...computed };
  });
  await db.query(advanceSchedules(moves));
  return rows.filter((row) => row.created).length;
}

/**
 * Runs one step of a scheduler pass so that its failure is logged and the other steps still run: a failure in
 * one (materialising, reaping, settling, dispatching) must not stop the others for every tenant.
 */
export async function isolatedStep(
  log: Logger,
  step: string,
  run: () => Promise<number>,
  failed: string[],
): Promise<number> {
  try {
    return await run();
  } catch (error) {
    failed.push(step);
    // Like a 500: a database error's message can quote the failing row (a user's payload), so only its SQLSTATE.
    log.error('scheduler step failed', { step, ...loggableError(error) });
    return 0;
  }
}

/**
 * One scheduler pass: materialise due occurrences, reap expired leases, settle jobs left processing — each step
 * isolated (see isolatedStep). `failed` names the steps that failed.
 */
export async function schedulerTick(
  db: Database,
  log: Logger = createLogger({ component: 'scheduler' }),
  userMaxQueued = USER_MAX_QUEUED_DEFAULT,
): Promise<{ created: number; reaped: number; settled: number; failed: string[] }> {
  const failed: string[] = [];
  const created = await isolatedStep(
    log,
    'materialise',
    () => materializeSchedules(db, undefined, undefined, userMaxQueued),
    failed,
  );
  const reaped = await isolatedStep(log, 'reap', () => reap(db), failed);
  const settled = await isolatedStep(log, 'settle', () => settleJobs(db), failed);
  return { created, reaped, settled, failed };
}
