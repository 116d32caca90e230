import { described, field, type RowOf, representation, type ViewOf } from './fields.js';
import { LIMITS } from './limits.js';
import { scheduleSchema } from './schedule.js';
import * as z from './zod.js';

/** The one definition of a job as the API shows it: its view, its columns and its published schema derive from it. */

export const JOB_STATUSES = ['created', 'processing', 'completed', 'failed', 'cancelled'] as const;
export const JobStatus = z.enum(JOB_STATUSES);

/** A job type's spelling; requests also check it names a registered type (job-requests.ts), lists do not. */
export const JobType = z
  .string()
  .check(
    z.regex(
      /^[a-z][a-z0-9_.-]{0,99}$/,
      'lower-case letters, digits, "_", "." or "-", starting with a letter',
    ),
  );

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

export const Payload = z
  .looseObject({
    prompt: z.string().check(z.minLength(1), z.maxLength(LIMITS.promptChars)),
    resource_type: z.optional(z.string().check(z.maxLength(100))),
    resource_id: z.optional(z.string().check(z.maxLength(255))),
  })
  .check(
    z.refine((payload) => jsonBytes(payload) <= LIMITS.payloadBytes, {
      message: `must be at most ${LIMITS.payloadBytes} bytes as JSON`,
    }),
    z.describe(
      `What the job is about: a prompt about a resource; further keys are kept as given. At most ${LIMITS.jsonDepth} levels deep counting from the request body; no string or key may contain U+0000 or a lone UTF-16 surrogate, no key be "__proto__", no number exceed a double.`,
    ),
  );

export const JOB = representation({
  id: field.uuid(),
  user_id: described(
    field.text(z.guid()),
    "The caller's token subject (`sub`), lower-cased: any UUID-shaped value (8-4-4-4-12 hex digits), whatever its version or variant bits.",
  ),
  status: field.text(JobStatus),
  job_type: field.text(),
  payload: field.json(Payload),
  schedule_interval: field.json(scheduleSchema()),
  max_retries: field.int(),
  priority: field.int(),
  timeout_seconds: field.int(),
  /** The next scheduled occurrence (cron, timedelta); null for manual or cancelled jobs. */
  next_run_at: field.nullable(field.timestamp()),
  schedule_error: described(
    field.nullable(field.text()),
    'Why the next occurrence could not be computed; next_run_at is then when the scheduler tries again. Null when the schedule is fine.',
  ),
  skipped_occurrence_at: described(
    field.nullable(field.timestamp()),
    'The latest occurrence of the schedule that made no task because its user had USER_MAX_QUEUED open tasks; kept until another is skipped (null when none ever was).',
  ),
  skipped_occurrence_reason: described(
    field.nullable(field.text()),
    'Why skipped_occurrence_at made no task (how many open tasks the user had, and the limit); null with it.',
  ),
  webhook: described(
    field.nullable(
      field.json(
        z.object({
          url: z.string(),
          secret: z.optional(
            z
              .string()
              .check(
                z.describe(
                  'The signing secret (whsec_…, Standard Webhooks): only in the response of the request that set the webhook (and its Idempotency-Key replays). Keep it: it is never shown again.',
                ),
              ),
          ),
        }),
      ),
    ),
    'Where task ends are POSTed, signed per Standard Webhooks; null for none.',
  ),
  created_at: field.timestamp(),
  updated_at: field.timestamp(),
  version: field.int(),
});

export type JobView = ViewOf<typeof JOB.fields>;
/** A job's row as the job statements return it: its columns and its keyset position (sql/columns.ts). */
export type JobRow = RowOf<typeof JOB.fields> & { created_us: string };

/**
 * The columns a caller sets (POST /jobs) and may change (PATCH /jobs/{id}), in statement order. Their request
 * schemas (job-requests.ts) must name exactly these; the insert and update statements write exactly these.
 */
export const JOB_SETTABLE = [
  'payload',
  'schedule_interval',
  'max_retries',
  'priority',
  'timeout_seconds',
] as const satisfies readonly (keyof typeof JOB.fields)[];
export type JobSettableField = (typeof JOB_SETTABLE)[number];
