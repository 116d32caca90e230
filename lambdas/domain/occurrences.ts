import { nextCronOccurrence, parseCron } from './cron.js';

/** How a job produces tasks. Stored as the job's `schedule_interval` JSON. */
export type Schedule =
  | { type: 'manual' }
  | { type: 'cron'; expression: string; timezone: string }
  | { type: 'timedelta'; seconds: number };

/** Whether the runtime knows this IANA zone (Intl throws RangeError for an unknown one). */
export function isValidTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron expression is not a valid 5-field expression, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  try {
    const fields = parseCron(expression);
    // A day that no year has (30 February) would never run: say so now rather than store a job that never runs.
    if (nextCronOccurrence(fields, 'UTC', Date.UTC(2000, 0, 1)) === null) return 'matches no date';
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The first occurrence strictly after `after`. Cron runs in its own timezone's wall-clock time, DST rules as in
 * ./cron.ts (a time that does not exist runs once, shifted by the jump — 02:30 becomes 03:30 —; one that repeats
 * runs once, except that hourly schedules follow real time); timedelta counts from `after`; manual never occurs.
 * Null also for a cron expression that matches no date at all (validation refuses those). Throws only for a schedule
 * that fails validation.
 */
export function nextOccurrence(schedule: Schedule, after: Date): Date | null {
  switch (schedule.type) {
    case 'manual':
      return null;
    case 'timedelta':
      return new Date(after.getTime() + schedule.seconds * 1000);
    case 'cron': {
      const next = nextCronOccurrence(parseCron(schedule.expression), schedule.timezone, after.getTime());
      return next === null ? null : new Date(next);
    }
  }
}

/**
 * The occurrence after `previous`, as of `now`: strictly after both. A timedelta keeps its cadence — previous + N,
 * or after downtime the first point of that grid past now — instead of drifting by however late the scheduler
 * ran; a cron schedule is anchored to the clock anyway.
 */
export function followingOccurrence(schedule: Schedule, previous: Date, now: Date): Date | null {
  if (schedule.type !== 'timedelta')
    return nextOccurrence(schedule, new Date(Math.max(now.getTime(), previous.getTime())));
  const period = schedule.seconds * 1000;
  const steps = Math.max(1, Math.floor((now.getTime() - previous.getTime()) / period) + 1);
  return new Date(previous.getTime() + steps * period);
}
