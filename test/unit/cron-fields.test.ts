import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CronFields, parseCronFields } from '../../lambdas/domain/cron-fields.js';

/**
 * lambdas/domain/cron-fields.ts replaces cron-parser 5.10.6's parse (kept as a devDependency for this test only).
 * For every 5-field expression, both must refuse it with the same message, or give the same field sets — `H`
 * values included, seeded by the expression as before, so stored `H` schedules keep their times.
 */

/** What cron.ts derived from cron-parser before: the reference. */
function fromCronParser(expression: string): CronFields {
  const { fields } = CronExpressionParser.parse(expression, { tz: 'UTC', hashSeed: expression });
  const numbers = (values: readonly (number | string)[]) =>
    values.filter((v): v is number => typeof v === 'number');
  const dayOfWeek = fields.dayOfWeek.values as readonly (number | string)[];
  return {
    minutes: numbers(fields.minute.values).sort((a, b) => a - b),
    hours: numbers(fields.hour.values).sort((a, b) => a - b),
    everyHour: new Set(fields.hour.values).size === 24,
    days: new Set(numbers(fields.dayOfMonth.values as readonly (number | string)[])),
    lastDayOfMonth: fields.dayOfMonth.hasLastChar,
    dayOfMonthWildcard: fields.dayOfMonth.isWildcard,
    months: new Set(numbers(fields.month.values)),
    weekdays: new Set(numbers(dayOfWeek).map((d) => d % 7)),
    lastWeekdays: new Set(
      dayOfWeek.filter((v): v is string => typeof v === 'string').map((v) => Number.parseInt(v, 10) % 7),
    ),
    nthWeekday: fields.dayOfWeek.nthDay,
    dayOfWeekWildcard: fields.dayOfWeek.isWildcard,
  };
}

type Outcome = { fields: CronFields } | { error: string };
function outcome(parse: (expression: string) => CronFields, expression: string): Outcome {
  try {
    return { fields: parse(expression) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Asserts both agree, and returns whether the expression was accepted. */
function agree(expression: string): boolean {
  const ours = outcome(parseCronFields, expression);
  expect(ours, expression).toEqual(outcome(fromCronParser, expression));
  return 'fields' in ours;
}

const small = fc.integer({ min: 0, max: 62 });
const number = fc.oneof(small, fc.constantFrom(0, 1, 7, 12, 23, 24, 31, 32, 59, 60, 99, 100));
const name = fc.constantFrom('jan', 'FEB', 'Dec', 'sun', 'mon', 'SAT', 'fri', 'abc', 'may');
const value = fc.oneof(number.map(String), name, fc.constant('0'.concat('5')));
const hashed = fc.oneof(
  fc.constant('H'),
  number.map((step) => `H/${step}`),
  fc.tuple(number, number).map(([a, b]) => `H(${a}-${b})`),
  fc.tuple(number, number, number).map(([a, b, step]) => `H(${a}-${b})/${step}`),
);
const item = fc.oneof(
  { weight: 4, arbitrary: value },
  { weight: 2, arbitrary: fc.constantFrom('*', '?', 'L', '5L', '7L', 'monL', 'LW', '8L') },
  { weight: 3, arbitrary: hashed },
  { weight: 3, arbitrary: fc.tuple(value, value).map(([a, b]) => `${a}-${b}`) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.oneof(
          value,
          fc.constantFrom('*', '?', 'H', ''),
          fc.tuple(value, value).map(([a, b]) => `${a}-${b}`),
        ),
        number,
      )
      .map(([start, step]) => `${start}/${step}`),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9*?,/#LH()-]{1,6}$/) },
);
const list = fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => items.join(','));
const dayOfWeek = fc.oneof(
  { weight: 5, arbitrary: list },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.oneof(value, fc.constant('H')), fc.integer({ min: -1, max: 6 }))
      .map(([day, nth]) => `${day}#${nth}`),
  },
  { weight: 1, arbitrary: fc.tuple(list, list).map(([a, b]) => `${a}#${b}`) },
);
/** Mostly plain fields (so the other fields' rules are reached), sometimes anything. */
const field = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('*', '0', '1', 'H') },
  { weight: 3, arbitrary: list },
);
const expression = fc
  .tuple(
    field,
    field,
    field,
    field,
    fc.oneof(fc.constantFrom('*', '?'), dayOfWeek),
    fc.constantFrom(' ', '  ', '\t'),
  )
  .map(([minute, hour, day, month, weekday, gap]) => [minute, hour, day, month, weekday].join(gap));

/** Items mostly within a field's range, so most expressions are valid and their values are compared. */
function withinRange(min: number, max: number, names: readonly string[] = []) {
  const inside = fc.integer({ min, max });
  const start = fc.oneof(inside.map(String), fc.constantFrom('*', ...names));
  const range = fc.tuple(inside, inside).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
  const step = fc.integer({ min: 1, max: max + 1 });
  const item = fc.oneof(
    start,
    range,
    fc.tuple(fc.oneof(start, range), step).map(([from, every]) => `${from}/${every}`),
    fc.constant('H'),
    step.map((every) => `H/${every}`),
    fc
      .tuple(inside, inside, fc.option(step))
      .map(([a, b, every]) => `H(${Math.min(a, b)}-${Math.max(a, b)})${every ? `/${every}` : ''}`),
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom('*', '?') },
    {
      weight: 4,
      arbitrary: fc.uniqueArray(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(',')),
    },
  );
}
const validish = fc
  .tuple(
    withinRange(0, 59),
    withinRange(0, 23),
    fc.oneof(withinRange(1, 31), fc.constantFrom('L', '1,L', 'L,15')),
    withinRange(1, 12, ['jan', 'Feb', 'DEC']),
    fc.oneof(
      withinRange(0, 7, ['sun', 'Mon', 'SAT']),
      fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 5 })).map(([d, n]) => `${d}#${n}`),
      fc.integer({ min: 0, max: 7 }).map((d) => `${d}L`),
    ),
  )
  .map((fields) => fields.join(' '));

describe('our cron parser against cron-parser 5.10.6', () => {
  it('agrees on generated expressions that are mostly valid', () => {
    let accepted = 0;
    fc.assert(
      fc.property(validish, (generated) => {
        if (agree(generated)) accepted += 1;
      }),
      { numRuns: 10_000 },
    );
    expect(accepted).toBeGreaterThan(3_000);
  });

  it('agrees on generated expressions, valid and invalid', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(expression, (generated) => {
        if (agree(generated)) accepted += 1;
        else refused += 1;
      }),
      { numRuns: 20_000 },
    );
    // Both kinds were exercised (the test above covers accepted ones in bulk).
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(10_000);
  });

  it('agrees on hashed fields under any seed (the expression is the seed: spacing and names change the values)', () => {
    const hashedField = fc.oneof(hashed, fc.constant('H'), fc.constant('*'));
    fc.assert(
      fc.property(
        fc.tuple(hashedField, hashedField, hashedField, hashedField, hashedField),
        fc.stringMatching(/^[ \t]{0,3}$/),
        ([minute, hour, day, month, weekday], padding) => {
          agree(`${padding}${minute} ${hour} ${day} ${month} ${weekday}${padding}`);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it.each([
    // hashed: stored schedules keep their times
    'H H * * *',
    'H/15 H(9-17) * * 1-5',
    'H(0-29)/10 H * * H',
    'H H H H H',
    'H H(30-40) * * *',
    ' H H * * * ',
    // names, steps, ranges, lists
    '0 0 * jan-mar mon-fri',
    '0 0 * JAN,Jul SUN',
    '*/7 */5 */3 */2 */2',
    '5/10 1-23/4 2-30/7 3/3 1-7/2',
    '0 0 * * 5-7',
    '0 0 * * 0-7/7',
    '0 0 * * 7',
    '0 0 * * 0,7',
    '0 0 1,1 * *',
    // last, nth
    '0 0 L * *',
    '0 0 L 2 *',
    '0 0 1,L * *',
    '0 0 * * 5L',
    '0 0 * * friL',
    '0 0 * * L',
    '0 0 * * 5#3',
    '0 0 * * fri#5',
    '0 0 * * 5#6',
    '0 0 * * 5#0',
    '0 0 * * 1-5#2',
    '0 0 * * #2',
    '0 0 LW * *',
    '0 0 15W * *',
    // days that some, or no, month has
    '0 0 31 4 *',
    '0 0 30,31 2 *',
    '0 0 1,31 4 *',
    '0 0 30 2 1',
    '0 0 32 * *',
    // wrong
    '60 * * * *',
    '* 24 * * *',
    '* * 0 * *',
    '* * * 13 *',
    '* * * * 8',
    '5-1 * * * *',
    '1-2-3 * * * *',
    '*/0 * * * *',
    '1/2/3 * * * *',
    '** * * * *',
    '*5 * * * *',
    '1,,2 * * * *',
    'a * * * *',
    '* * * foo *',
    'H/0 * * * *',
    'H(5-1) * * * *',
    'H(60-70) * * * *',
    'H/1,H/1,H/1,H/1,H/1 * * * *',
  ])('agrees on %j', (table) => {
    agree(table);
  });

  it('takes only 5 fields: no seconds, no @aliases, and says how many it got', () => {
    for (const [text, count] of [
      ['0 0 0 * * *', 6],
      ['@daily', 1],
      ['', 1],
      ['* * * *', 4],
    ] as const)
      expect(() => parseCronFields(text)).toThrow(
        `must have 5 fields (minute hour day-of-month month day-of-week), got ${count}`,
      );
  });
});
