import { describe, expect, it } from 'vitest';
import { cronProblem, nextOccurrence } from '../../lambdas/domain/occurrences.js';

/**
 * An expression the API accepts must keep occurring: a job whose next occurrence comes back null is never looked at
 * again. The rarest 5-field expressions — the fifth of a weekday in February — match only in a leap year whose
 * 1 February is that weekday: 28 years apart, and 40 across 2100, which is not a leap year.
 */
const cron = (expression: string) => ({ type: 'cron' as const, expression, timezone: 'UTC' });

describe('rare cron expressions', () => {
  it.each([
    ['0 0 * 2 5#5', '2026-11-25T00:00:00.000Z', '2036-02-29T00:00:00.000Z'],
    ['0 0 * 2 0#5', '2088-03-01T00:00:00.000Z', '2128-02-29T00:00:00.000Z'],
    ['0 0 29 2 *', '2096-03-01T00:00:00.000Z', '2104-02-29T00:00:00.000Z'],
  ])('%s, accepted, occurs after %s at %s', (expression, from, expected) => {
    expect(cronProblem(expression)).toBeUndefined();
    expect(nextOccurrence(cron(expression), new Date(from))?.toISOString()).toBe(expected);
  });

  it('an expression no date matches is still refused', () => {
    expect(cronProblem('0 0 30 2 *')).toBeDefined();
  });
});
