import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextOccurrence, type Schedule } from '../../lambdas/domain/occurrences.js';

/**
 * Property test of cron occurrences over every IANA zone × a set of expressions × every UTC-offset change in
 * 2026–2028, against an independent model of docs/semantics.md's DST rules built from the offsets on either side of
 * the change (read through Intl's `longOffset` names, not the evaluator's code path).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WINDOW = 26 * HOUR;

interface Expression {
  expression: string;
  everyHour: boolean;
  /** Whether a wall-clock time (a UTC Date read as local time) matches. */
  matches: (wall: Date) => boolean;
}
const EXPRESSIONS: Expression[] = [
  { expression: '0 * * * *', everyHour: true, matches: (w) => w.getUTCMinutes() === 0 },
  {
    expression: '30 2 * * *',
    everyHour: false,
    matches: (w) => w.getUTCHours() === 2 && w.getUTCMinutes() === 30,
  },
  { expression: '*/15 * * * *', everyHour: true, matches: (w) => w.getUTCMinutes() % 15 === 0 },
  {
    expression: '0 12 * * *',
    everyHour: false,
    matches: (w) => w.getUTCHours() === 12 && w.getUTCMinutes() === 0,
  },
  {
    expression: '45 1 * * 0',
    everyHour: false,
    matches: (w) => w.getUTCDay() === 0 && w.getUTCHours() === 1 && w.getUTCMinutes() === 45,
  },
  {
    expression: '0 0 1 * *',
    everyHour: false,
    matches: (w) => w.getUTCDate() === 1 && w.getUTCHours() === 0 && w.getUTCMinutes() === 0,
  },
  {
    expression: '59 23 31 12 *',
    everyHour: false,
    matches: (w) =>
      w.getUTCMonth() === 11 && w.getUTCDate() === 31 && w.getUTCHours() === 23 && w.getUTCMinutes() === 59,
  },
];
/** Every minute, and every minute around the usual change times: checked from random instants (a walk is long). */
const DENSE: Expression[] = [
  { expression: '* * * * *', everyHour: true, matches: () => true },
  { expression: '0-59 0-4 * * *', everyHour: false, matches: (w) => w.getUTCHours() <= 4 },
];

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
/** The zone's offset in ms at an instant, parsed from a name like "GMT+10:30" (independent of lambdas/). */
function offset(zone: string, instant: number): number {
  let format = offsetFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, format);
  }
  const name = format.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d\d):(\d\d)(?::(\d\d))?/.exec(name);
  if (!match) return 0;
  const size = Number(match[2]) * HOUR + Number(match[3]) * MINUTE + Number(match[4] ?? 0) * 1000;
  return match[1] === '-' ? -size : size;
}

interface Change {
  zone: string;
  at: number;
  before: number;
  after: number;
}

/** Every offset change in 2026–2028: a weekly scan (changes are months apart), then bisection to the second. */
function changesOf(zone: string): Change[] {
  const changes: Change[] = [];
  const end = Date.UTC(2029, 0, 1);
  const WEEK = 7 * 24 * HOUR;
  for (let week = Date.UTC(2026, 0, 1); week < end; week += WEEK) {
    const before = offset(zone, week);
    const after = offset(zone, week + WEEK);
    if (before === after) continue;
    let low = week;
    let high = week + WEEK;
    while (high - low > 1000) {
      const middle = low + Math.floor((high - low) / 2000) * 1000;
      if (offset(zone, middle) === before) low = middle;
      else high = middle;
    }
    changes.push({ zone, at: high, before, after });
  }
  return changes;
}

/** The occurrences docs/semantics.md promises in (start, start + 2·WINDOW], from the offsets around one change. */
function expected(change: Change, cron: Expression, start: number): number[] {
  const { at, before, after } = change;
  const times = new Set<number>();
  for (let t = start + MINUTE - (start % MINUTE); t <= start + 2 * WINDOW; t += MINUTE) {
    const wall = t + (t < at ? before : after);
    if (!cron.matches(new Date(wall))) continue;
    const repeated = t >= at && wall < at + before; // this wall-clock time already passed before the change
    if (!repeated || cron.everyHour) times.add(t);
  }
  // Wall-clock times skipped by a forward change run once, shifted by the jump.
  for (let wall = at + before; wall < at + after; wall += MINUTE) {
    if (cron.matches(new Date(wall)) && wall - before > start) times.add(wall - before);
  }
  return [...times].filter((t) => t > start && t <= start + 2 * WINDOW).sort((a, b) => a - b);
}

/** expected() from a day before each change, computed once per change and expression (two tests read it). */
const aroundChanges = new Map<Change, Map<Expression, number[]>>();
function expectedAround(change: Change, cron: Expression): number[] {
  const byExpression = aroundChanges.get(change) ?? new Map<Expression, number[]>();
  aroundChanges.set(change, byExpression);
  const times = byExpression.get(cron) ?? expected(change, cron, change.at - WINDOW);
  byExpression.set(cron, times);
  return times;
}

function walk(schedule: Schedule, start: number, end: number): number[] {
  const out: number[] = [];
  let at = start;
  for (;;) {
    const next = nextOccurrence(schedule, new Date(at))?.getTime();
    if (next === undefined || next > end) return out;
    // A plain comparison per step (hundreds of thousands of them): expect() only when it fails.
    if (!(next > at)) expect.fail(`${JSON.stringify(schedule)}: ${next} is not after ${at}`);
    out.push(next);
    at = next;
  }
}

const changes = Intl.supportedValuesOf('timeZone').flatMap(changesOf);

describe('cron across every offset change of every IANA zone, 2026–2028', () => {
  it('finds the changes, including 30-minute (Lord Howe) and 45-minute-offset (Chatham) zones', () => {
    expect(changes.length).toBeGreaterThan(300);
    expect(changes.filter((c) => c.zone === 'Australia/Lord_Howe').map((c) => c.after - c.before)).toContain(
      30 * MINUTE,
    );
    expect(changes.some((c) => c.zone === 'Pacific/Chatham' && c.before === (13 * 60 + 45) * MINUTE)).toBe(
      true,
    );
  });

  it('each expression gives exactly the documented occurrences, strictly increasing, without throwing', () => {
    for (const change of changes) {
      for (const cron of EXPRESSIONS) {
        const schedule: Schedule = { type: 'cron', expression: cron.expression, timezone: change.zone };
        const start = change.at - WINDOW;
        const got = walk(schedule, start, start + 2 * WINDOW);
        expect(got, `${change.zone} ${new Date(change.at).toISOString()} ${cron.expression}`).toEqual(
          expectedAround(change, cron),
        );
      }
    }
  });

  it('hourly schedules stay one real hour apart; a change that is not whole hours bends one interval by it', () => {
    for (const change of changes) {
      const schedule: Schedule = { type: 'cron', expression: '0 * * * *', timezone: change.zone };
      const times = walk(schedule, change.at - 6 * HOUR, change.at + 6 * HOUR);
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
      const jump = change.after - change.before;
      const odd = gaps.filter((gap) => gap !== HOUR);
      expect(odd, `${change.zone} ${new Date(change.at).toISOString()}`).toEqual(
        jump % HOUR === 0 ? [] : [HOUR - jump],
      );
    }
  });

  it('from any instant near a change, the next occurrence is the first documented one after it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: changes.length - 1 }),
        fc.integer({ min: 0, max: EXPRESSIONS.length + DENSE.length - 1 }),
        fc.integer({ min: -WINDOW / 1000, max: WINDOW / 1000 }),
        (changeIndex, cronIndex, seconds) => {
          const change = changes[changeIndex] as Change;
          const cron = [...EXPRESSIONS, ...DENSE][cronIndex] as Expression;
          const after = change.at + seconds * 1000;
          const first = expectedAround(change, cron).find((t) => t > after);
          if (first === undefined || after < change.at - WINDOW) return;
          const schedule: Schedule = { type: 'cron', expression: cron.expression, timezone: change.zone };
          expect(nextOccurrence(schedule, new Date(after))?.getTime()).toBe(first);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
