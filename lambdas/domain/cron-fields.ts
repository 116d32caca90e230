/**
 * Parses a 5-field cron expression into the sets lambdas/domain/cron.ts matches against. It reproduces the grammar
 * of cron-parser 5.10.6 (`CronExpressionParser.parse(expression, { tz: 'UTC', hashSeed: expression })`), which we
 * used before: the same expressions are accepted, with the same values — including `H`, whose values come from the
 * same seeded generator, so stored `H` schedules keep their times — and the same ones refused, with its messages.
 * Dropping the package keeps it and the luxon it loads (97 KB) out of the bundles; test/unit/cron-fields.test.ts
 * compares both over generated expressions. The steps (and their quirks) follow its source, in its order:
 * names → characters → wildcards → `H` → lists, steps, ranges → field checks.
 */

import { assertFieldSize, replaceHashed, seededRandom } from './cron-hashed.js';

export interface CronFields {
  minutes: number[];
  hours: number[];
  everyHour: boolean;
  days: ReadonlySet<number>;
  lastDayOfMonth: boolean;
  dayOfMonthWildcard: boolean;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  lastWeekdays: ReadonlySet<number>;
  nthWeekday: number;
  dayOfWeekWildcard: boolean;
}

type Value = number | string;
export interface Field {
  name: 'Second' | 'Minute' | 'Hour' | 'DayOfMonth' | 'Month' | 'DayOfWeek';
  min: number;
  max: number;
  /** Whether the field takes `L` (last): a value containing it is kept as a string. */
  lastAllowed: boolean;
  validChars: RegExp;
  /** Which string values the field takes. */
  validString: (value: string) => boolean;
}

const NO_STRINGS = () => false;
const field = (name: Field['name'], min: number, max: number, validChars: RegExp): Field => ({
  name,
  min,
  max,
  lastAllowed: false,
  validChars,
  validString: NO_STRINGS,
});
const PLAIN_CHARS = /^(?:[?,*\dH/-]|H\(\d+-\d+\))+$/;
const SECOND = field('Second', 0, 59, PLAIN_CHARS);
const MINUTE = field('Minute', 0, 59, PLAIN_CHARS);
const HOUR = field('Hour', 0, 23, PLAIN_CHARS);
const MONTH = field('Month', 1, 12, PLAIN_CHARS);
const DAY_OF_MONTH: Field = {
  ...field('DayOfMonth', 1, 31, /^(?:[?,*\dLH/-]|H\(\d+-\d+\))+$/),
  lastAllowed: true,
  validString: (value) => value === 'L',
};
const DAY_OF_WEEK: Field = {
  ...field('DayOfWeek', 0, 7, /^(?:[?,*\dLH#/-]|H\(\d+-\d+\))+$/),
  lastAllowed: true,
  validString: (value) => /^[0-7]?L$/.test(value),
};
/** Days in each month, 29 for February (cron-parser's table). */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MAX_EXPRESSION_LENGTH = 1024;

/** Parses (and validates: throws an Error saying what is wrong) a 5-field expression. */
export function parseCronFields(expression: string): CronFields {
  const atoms = expression.trim().split(/\s+/);
  if (atoms.length !== 5)
    throw new Error(`must have 5 fields (minute hour day-of-month month day-of-week), got ${atoms.length}`);
  if (expression.length > MAX_EXPRESSION_LENGTH)
    throw new Error(
      `Invalid cron expression, too long, expected at most ${MAX_EXPRESSION_LENGTH} characters`,
    );
  const [rawMinute = '', rawHour = '', rawDayOfMonth = '', rawMonth = '', rawDayOfWeek = ''] = atoms;
  // `H` fields take values seeded by the expression, so every process picks the same ones (one draw per field,
  // seconds first: cron-parser parses a 6-field expression whose seconds are `0`).
  const random = seededRandom(expression);
  parseField(SECOND, '0', random);
  const minute = parseField(MINUTE, rawMinute, random);
  const hour = parseField(HOUR, rawHour, random);
  const month = parseField(MONTH, rawMonth, random);
  const dayOfMonth = parseField(DAY_OF_MONTH, rawDayOfMonth, random);
  const { dayOfWeek: weekdayPart, nthWeekday } = splitNthWeekday(rawDayOfWeek);
  const dayOfWeek = parseField(DAY_OF_WEEK, weekdayPart, random);

  // With a single month, days past its end are dropped (unless that leaves none).
  let days = dayOfMonth;
  if (month.length === 1) {
    const length = DAYS_IN_MONTH[(month[0] as number) - 1] ?? 31;
    const kept = dayOfMonth.filter((value) => typeof value !== 'number' || value <= length);
    if (kept.length > 0) days = kept;
  }
  for (const [definition, values] of [
    [MINUTE, minute],
    [HOUR, hour],
    [DAY_OF_MONTH, days],
    [MONTH, month],
    [DAY_OF_WEEK, dayOfWeek],
  ] as const)
    validate(definition, values);
  if (dayOfWeek.includes('L')) throw new Error('CronDayOfWeek Validation error, unexpected standalone L');

  const lastDayOfMonth = rawDayOfMonth.includes('L') || days.includes('L');
  const dayOfWeekWildcard = rawDayOfWeek === '*' || rawDayOfWeek === '?';
  // An explicit day of month no month of the expression has is refused, unless a day of week rescues it.
  if (!lastDayOfMonth && dayOfWeekWildcard) {
    const longestMonth = Math.max(...month.map((value) => DAYS_IN_MONTH[(value as number) - 1] ?? 0));
    if (!(Number.parseInt(String(sorted(days)[0]), 10) <= longestMonth))
      throw new Error('Invalid explicit day of month definition');
  }
  const numbers = (values: readonly Value[]) =>
    values.filter((value): value is number => typeof value === 'number');
  return {
    minutes: numbers(minute).sort((a, b) => a - b),
    hours: numbers(hour).sort((a, b) => a - b),
    everyHour: new Set(hour).size === 24,
    days: new Set(numbers(days)),
    lastDayOfMonth,
    dayOfMonthWildcard: rawDayOfMonth === '*' || rawDayOfMonth === '?',
    months: new Set(numbers(month)),
    weekdays: new Set(numbers(dayOfWeek).map((day) => day % 7)),
    lastWeekdays: new Set(
      dayOfWeek.filter((v): v is string => typeof v === 'string').map((v) => Number.parseInt(v, 10) % 7),
    ),
    nthWeekday,
    dayOfWeekWildcard,
  };
}

/** Numbers first, ascending, then strings: the order cron-parser keeps a field's values in. */
function sorted(values: readonly Value[]): Value[] {
  return [...values].sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b);
    return typeof a === 'number' ? -1 : 1;
  });
}

/** Every value within the field's range (or a string it takes), none twice. */
function validate(definition: Field, values: readonly Value[]): void {
  const className = `Cron${definition.name}`;
  for (const value of sorted(values)) {
    const valid =
      typeof value === 'number'
        ? value >= definition.min && value <= definition.max
        : definition.validString(value);
    if (!valid) {
      const chars = definition.lastAllowed ? ' or chars L' : '';
      throw new Error(
        `${className} Validation error, got value ${value} expected range ${definition.min}-${definition.max}${chars}`,
      );
    }
  }
  const seen = new Set<Value>();
  for (const value of sorted(values)) {
    if (seen.has(value)) throw new Error(`${className} Validation error, duplicate values found: ${value}`);
    seen.add(value);
  }
}

/** `day#n`: the nth such weekday of the month. */
function splitNthWeekday(value: string): { dayOfWeek: string; nthWeekday: number } {
  const atoms = value.split('#');
  if (atoms.length <= 1) return { dayOfWeek: value, nthWeekday: 0 };
  const nth = Number(atoms[atoms.length - 1]);
  const incompatible = value.match(/([,\-/L])/);
  if (incompatible !== null)
    throw new Error(
      `Constraint error, invalid dayOfWeek \`#\` and \`${incompatible[0]}\` special characters are incompatible`,
    );
  if (!(atoms.length <= 2 && !Number.isNaN(nth) && nth >= 1 && nth <= 5))
    throw new Error('Constraint error, invalid dayOfWeek occurrence number (#)');
  return { dayOfWeek: atoms[0] ?? '', nthWeekday: nth };
}

function parseField(definition: Field, raw: string, random: () => number): Value[] {
  let value = raw;
  if (definition === MONTH || definition === DAY_OF_WEEK) {
    const names = definition === MONTH ? MONTH_NAMES : DAY_NAMES;
    const first = definition === MONTH ? 1 : 0;
    value = value.replace(/[a-z]{3}/gi, (match) => {
      const index = names.indexOf(match.toLowerCase());
      if (index < 0) throw new Error(`Validation error, cannot resolve alias "${match.toLowerCase()}"`);
      return String(index + first);
    });
  }
  if (!definition.validChars.test(value)) throw new Error(`Invalid characters, got value: ${value}`);
  // Only a whole list item (optionally with a step) stands for the full range.
  const expanded = value.replace(
    /(^|,)[*?](?=\/|,|$)/g,
    (_, separator: string) => `${separator}${definition.min}-${definition.max}`,
  );
  if (/[*?]/.test(expanded)) throw new Error(`Invalid wildcard, got value: ${value}`);
  return parseList(definition, replaceHashed(definition, expanded, random()));
}

/** A comma-separated list of values, ranges and steps. */
function parseList(definition: Field, value: string): Value[] {
  const values: Value[] = [];
  for (const atom of value.split(',')) {
    assertFieldSize(definition, values.length);
    if (atom.length === 0) throw new Error('Invalid list value format');
    const result = parseStep(definition, atom);
    if (Array.isArray(result)) values.push(...result);
    else if (definition.lastAllowed && String(result).includes('L')) values.push(result);
    else {
      const number = Number.parseInt(String(result), 10);
      if (!(number >= definition.min && number <= definition.max))
        throw new Error(
          `Constraint error, got value ${result} expected range ${definition.min}-${definition.max}`,
        );
      values.push(definition === DAY_OF_WEEK ? number % 7 : result);
    }
  }
  return values;
}

/** `range/step`, or `start/step` (up to the field's maximum). */
function parseStep(definition: Field, value: string): Value[] | Value {
  const atoms = value.split('/');
  if (atoms.length > 2) throw new Error(`Invalid repeat: ${value}`);
  const [range = '', step] = atoms;
  if (step === undefined) return parseRange(definition, value, 1);
  return parseRange(definition, range.includes('-') ? range : `${range}-${definition.max}`, Number(step));
}

function parseRange(definition: Field, value: string, step: number): Value[] | Value {
  const atoms = value.split('-');
  if (atoms.length <= 1) return Number.isNaN(Number(value)) ? value : Number(value);
  if (atoms.length > 2) throw new Error(`Invalid range: ${value}`);
  // Digits only: parseInt would read 3L as 3, and Number('') would be 0.
  const [min = Number.NaN, max = Number.NaN] = atoms.map((atom) =>
    /^\d+$/.test(atom) ? Number(atom) : Number.NaN,
  );
  if (!(!Number.isNaN(min) && !Number.isNaN(max) && min >= definition.min && max <= definition.max))
    throw new Error(
      `Constraint error, got range ${min}-${max} expected range ${definition.min}-${definition.max}`,
    );
  if (min > max) throw new Error(`Invalid range: ${min}-${max}, min(${min}) > max(${max})`);
  if (!(!Number.isNaN(step) && step > 0))
    throw new Error(`Constraint error, cannot repeat at every ${step} time.`);
  const values: number[] = [];
  // A weekday range ending on 7 (Sunday again) that the step reaches also holds 0.
  if (definition === DAY_OF_WEEK && max % 7 === 0 && (max - min) % step === 0) values.push(0);
  for (let index = min; index <= max; index += step) if (!values.includes(index)) values.push(index);
  return values;
}
