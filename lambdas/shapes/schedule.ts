import { LIMITS } from './limits.js';
import * as z from './zod.js';

/** What a request's schedule is checked against beyond its shape (the cron parser, the runtime's time zones). */
export interface ScheduleChecks {
  cronProblem(expression: string): string | undefined;
  isValidTimezone(zone: string): boolean;
}

const DESCRIPTION =
  'manual: only POST /jobs/{id}/run; cron: 5 fields in an IANA timezone; timedelta: every N seconds.';

/**
 * A job's `schedule_interval`. Its shape is one definition; requests add the checks that need the cron parser, so
 * that a function that only returns jobs does not bundle the parser.
 */
export function scheduleSchema(checks?: ScheduleChecks) {
  const expression = z.string().check(z.maxLength(100));
  const timezone = z.string().check(z.maxLength(64));
  return z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('manual') }),
      z.strictObject({
        type: z.literal('cron'),
        expression: checks
          ? expression.check(
              z.superRefine((value, ctx) => {
                const problem = checks.cronProblem(value);
                if (problem) ctx.addIssue({ code: 'custom', message: `invalid cron expression: ${problem}` });
              }),
            )
          : expression,
        timezone: z._default(
          checks
            ? timezone.check(z.refine(checks.isValidTimezone, { message: 'unknown IANA timezone' }))
            : timezone,
          'UTC',
        ),
      }),
      z.strictObject({
        type: z.literal('timedelta'),
        seconds: z.int().check(z.minimum(1), z.maximum(LIMITS.timedeltaSeconds)),
      }),
    ])
    .check(z.describe(DESCRIPTION));
}
