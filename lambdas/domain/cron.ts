import { type CronFields, parseCronFields } from './cron-fields.js';

/**
 * Our own evaluator of 5-field cron expressions in a timezone's wall-clock time, over the field sets of ./cron-fields.ts
 * (cron-parser's grammar; its day rules are mirrored here). cron-parser's own iteration threw or stepped backwards
 * around 30- and 45-minute offsets (Australia/Lord_Howe, Pacific/Chatham). The DST rules, stated in docs/semantics.md:
 * - a matching wall-clock time that does not exist (skipped by a forward change) runs once, shifted by the jump:
 *   at the instant it would have been under the offset before the change (02:30 CET → 03:30 CEST);
 * - a matching wall-clock time that happens twice (a backward change) runs once, at its first pass — except when
 *   the schedule runs every hour (hour field `*`): it then follows real time and runs in both passes, so hourly
 *   schedules stay one real hour apart;
 * - occurrences landing on the same instant are one occurrence.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** UTC offsets stay within −12 h … +14 h; a local day's instants lie within this margin of its wall-clock span. */
const OFFSET_MARGIN = 15 * HOUR;
/**
 * How far ahead to look for a matching day: past the longest gap any expression can have, so an expression that
 * matches some date always has a next one. The rarest is the fifth of a weekday in February (`0 0 * 2 5#5`): a
 * leap year whose 1 February is that weekday, 28 years apart, and 40 across 2100 (no 29 February then): 2088 → 2128.
 */
const HORIZON_DAYS = 366 * 41;

const parsed = new Map<string, CronFields>();

/** Parses (and validates: throws on a bad expression) a 5-field expression into the sets we match against. */
export function parseCron(expression: string): CronFields {
  const known = parsed.get(expression);
  if (known) return known;
  const fields = parseCronFields(expression);
  if (parsed.size > 1000) parsed.clear();
  parsed.set(expression, fields);
  return fields;
}

/** Whether a calendar day (days since 1970-01-01 in wall-clock time) matches; cron-parser's day-of-month/week rules. */
function dayMatches(fields: CronFields, day: number): boolean {
  const date = new Date(day * DAY);
  if (!fields.months.has(date.getUTCMonth() + 1)) return false;
  const dayOfMonth = date.getUTCDate();
  const weekday = date.getUTCDay();
  const lastOfMonth = new Date((day + 1) * DAY).getUTCDate() === 1;
  const lastWeekOfMonth = new Date((day + 7) * DAY).getUTCMonth() !== date.getUTCMonth();
  const matchedDay = fields.days.has(dayOfMonth) || (fields.lastDayOfMonth && lastOfMonth);
  const matchedWeekday =
    (fields.weekdays.has(weekday) &&
      (fields.nthWeekday <= 0 || Math.ceil(dayOfMonth / 7) === fields.nthWeekday)) ||
    (lastWeekOfMonth && fields.lastWeekdays.has(weekday));
  if (!fields.dayOfMonthWildcard && !fields.dayOfWeekWildcard) return matchedDay || matchedWeekday;
  if (fields.dayOfWeekWildcard) return matchedDay;
  return matchedWeekday;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

/** The zone's UTC offset at an instant, in ms (wall clock − UTC). Throws RangeError for an unknown zone. */
export function offsetAt(zone: string, instant: number): number {
  const key = `${zone} ${instant}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  const part: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(new Date(instant))) part[type] = Number(value);
  const wall = Date.UTC(
    part.year ?? 1970,
    (part.month ?? 1) - 1,
    part.day ?? 1,
    part.hour ?? 0,
    part.minute ?? 0,
    part.second ?? 0,
  );
  const offset = wall - Math.floor(instant / 1000) * 1000;
  if (offsets.size > 20_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

/**
 * The offsets around one local day: before and after, and the instant of the change between them (if any). We
 * assume at most one change within a day and its margins — true of every zone's rules in use.
 */
function dayOffsets(zone: string, day: number): { before: number; after: number; change: number } {
  let low = day * DAY - OFFSET_MARGIN;
  let high = (day + 1) * DAY + OFFSET_MARGIN;
  const before = offsetAt(zone, low);
  const after = offsetAt(zone, high);
  if (before === after) return { before, after, change: high };
  // Bisect to the second: the change is the first instant with the new offset.
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (offsetAt(zone, middle) === before) low = middle;
    else high = middle;
  }
  return { before, after, change: high };
}

/** The instants at which wall-clock time `wall` (ms, read as UTC) runs, by the rules above. */
function instantsOf(
  wall: number,
  around: { before: number; after: number; change: number },
  everyHour: boolean,
): number[] {
  const { before, after, change } = around;
  if (before === after) return [wall - before];
  const first = wall - before < change ? [wall - before] : [];
  const second = wall - after >= change ? [wall - after] : [];
  if (first.length === 0 && second.length === 0) return [wall - before]; // skipped: shifted by the jump
  if (first.length > 0 && second.length > 0 && !everyHour) return first; // repeated: its first pass only
  return [...first, ...second];
}

/** The first occurrence strictly after `after`, or null when none falls within the horizon. */
export function nextCronOccurrence(fields: CronFields, zone: string, after: number): number | null {
  // From the day before `after`'s local day under any offset, not its exact offset: reading that costs an Intl call
  // every time (each `after` differs), where the offsets of whole days below are cached. Earlier days only add walls
  // that the `floor` test below skips.
  const startDay = Math.floor((after - OFFSET_MARGIN) / DAY) - 1;
  let best: number | null = null;
  for (let day = startDay; day <= startDay + HORIZON_DAYS + 2; day += 1) {
    if (!dayMatches(fields, day)) continue;
    const around = dayOffsets(zone, day);
    // A wall-clock time runs at wall − offset: only walls past `floor` can run after `after`, and once a wall is
    // `ceiling` past the best so far, no later one can run earlier (a shifted or repeated time runs at most the
    // size of the change out of wall-clock order).
    const floor = after + Math.min(around.before, around.after);
    const ceiling = Math.max(around.before, around.after);
    for (const hour of fields.hours) {
      const hourStart = day * DAY + hour * HOUR;
      if (hourStart + HOUR <= floor) continue;
      for (const minute of fields.minutes) {
        const wall = hourStart + minute * MINUTE;
        if (wall <= floor) continue;
        if (best !== null && wall - ceiling >= best) return best;
        for (const instant of instantsOf(wall, around, fields.everyHour)) {
          if (instant > after && (best === null || instant < best)) best = instant;
        }
      }
    }
  }
  return best;
}
