import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../lambdas/domain/execution.js';
import {
  cronProblem,
  followingOccurrence,
  isValidTimezone,
  nextOccurrence,
  type Schedule,
} from '../../lambdas/domain/occurrences.js';

const berlin = (expression: string): Schedule => ({ type: 'cron', expression, timezone: 'Europe/Berlin' });
function walk(schedule: Schedule, fromIso: string, count: number): string[] {
  const out: string[] = [];
  let at = new Date(fromIso);
  for (let i = 0; i < count; i += 1) {
    const next = nextOccurrence(schedule, at);
    if (!next) break;
    out.push(next.toISOString());
    at = next;
  }
  return out;
}

describe('cron occurrences across DST (Europe/Berlin)', () => {
  it('spring forward: 02:30 does not exist on 29 March 2026 and runs once, shifted to 03:30 CEST', () => {
    expect(walk(berlin('30 2 * * *'), '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 03:30 CEST: the skipped hour, once
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('fall back: 02:30 happens twice on 25 October 2026 and runs once', () => {
    expect(walk(berlin('30 2 * * *'), '2026-10-23T12:00:00Z', 4)).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST) only
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('an hourly schedule stays one real hour apart through both changes', () => {
    for (const start of ['2026-03-28T23:30:00Z', '2026-10-24T22:30:00Z']) {
      const times = walk(berlin('0 * * * *'), start, 5).map((iso) => Date.parse(iso));
      expect(times.slice(1).map((t, i) => t - (times[i] ?? 0))).toEqual([
        3_600_000, 3_600_000, 3_600_000, 3_600_000,
      ]);
    }
  });

  it('timedelta counts from the given instant; manual never occurs', () => {
    expect(
      nextOccurrence({ type: 'timedelta', seconds: 90 }, new Date('2026-01-01T00:00:00Z'))?.toISOString(),
    ).toBe('2026-01-01T00:01:30.000Z');
    expect(nextOccurrence({ type: 'manual' }, new Date())).toBeNull();
  });
});

describe('cron in zones with 30-minute changes and 45-minute offsets (regressions: cron-parser threw or went back)', () => {
  it('Australia/Lord_Howe: 12:00 daily around its 30-minute change on 5 April 2026 never throws', () => {
    const noon: Schedule = { type: 'cron', expression: '0 12 * * *', timezone: 'Australia/Lord_Howe' };
    for (let t = Date.parse('2026-04-04T01:00:00Z'); t <= Date.parse('2026-04-04T14:29:00Z'); t += 60_000) {
      expect(nextOccurrence(noon, new Date(t))?.toISOString()).toBe('2026-04-05T01:30:00.000Z'); // 12:00 +10:30
    }
  });

  it('Pacific/Chatham: an hourly schedule never returns an occurrence at or before its start', () => {
    const hourly: Schedule = { type: 'cron', expression: '0 * * * *', timezone: 'Pacific/Chatham' };
    expect(nextOccurrence(hourly, new Date('2026-04-04T13:00:00Z'))?.toISOString()).toBe(
      '2026-04-04T13:15:00.000Z',
    );
    for (
      let t = Date.parse('2026-04-03T00:00:00Z');
      t <= Date.parse('2026-04-06T00:00:00Z');
      t += 5 * 60_000
    ) {
      expect(nextOccurrence(hourly, new Date(t))?.getTime()).toBeGreaterThan(t);
    }
  });
});

describe('cron syntax (in UTC, where cron-parser iterates soundly, both agree)', () => {
  const expressions = [
    '0 9 * * MON-FRI',
    '*/7 */5 * * *',
    '0 0 L * *',
    '30 6 * * 5L',
    '0 12 * * 2#3',
    '0 0 1,15 * 0', // day of month OR day of week when both are restricted
    '15 10 ? JAN,JUL *',
    '0 0 29 2 *',
    '5 4 * * 7',
  ];
  it('gives the same next occurrence as cron-parser from any instant', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...expressions),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2030, 0, 1) }),
        (expression, at) => {
          const ours = nextOccurrence({ type: 'cron', expression, timezone: 'UTC' }, new Date(at));
          const theirs = CronExpressionParser.parse(expression, {
            tz: 'UTC',
            currentDate: new Date(at),
          }).next();
          expect(ours?.toISOString()).toBe(theirs.toISOString());
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the occurrence after a materialised one', () => {
  const every2s: Schedule = { type: 'timedelta', seconds: 2 };
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

  it('keeps a timedelta on its cadence however late the scheduler runs (no drift)', () => {
    expect(followingOccurrence(every2s, at(0), at(900))).toEqual(at(2000));
    expect(followingOccurrence(every2s, at(2000), at(2999))).toEqual(at(4000));
  });

  it('after downtime skips to the first point of the grid after now (a missed schedule runs once)', () => {
    expect(followingOccurrence(every2s, at(0), at(10_500))).toEqual(at(12_000));
    expect(followingOccurrence(every2s, at(0), at(10_000))).toEqual(at(12_000));
  });

  it('anchors cron to the clock, strictly after now', () => {
    const hourly: Schedule = { type: 'cron', expression: '0 * * * *', timezone: 'UTC' };
    expect(followingOccurrence(hourly, at(0), at(5 * 3_600_000 + 60_000))).toEqual(at(6 * 3_600_000));
  });
});

describe('schedule validation', () => {
  it('accepts 5-field expressions only', () => {
    expect(cronProblem('*/5 * * * *')).toBeUndefined();
    expect(cronProblem('0 9 * * MON-FRI')).toBeUndefined();
    expect(cronProblem('* * * *')).toMatch(/5 fields/);
    expect(cronProblem('0 * * * * *')).toMatch(/5 fields/);
    expect(cronProblem('61 * * * *')).toMatch(/0-59/);
  });

  it('knows IANA zones', () => {
    expect(isValidTimezone('Europe/Berlin')).toBe(true);
    expect(isValidTimezone('UTC')).toBe(true);
    expect(isValidTimezone('Mars/Olympus')).toBe(false);
  });
});

describe('retry backoff', () => {
  it('doubles per attempt with jitter in the upper half, capped at an hour', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(n, 1000, () => 0))).toEqual([500, 1000, 2000]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, 1000, () => 1))).toEqual([1000, 2000, 4000]);
    expect(retryDelayMs(30, 1000, () => 1)).toBe(3_600_000);
  });
});
