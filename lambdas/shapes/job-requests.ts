import { cronProblem, isValidTimezone } from '../domain/schedule.js';
import { isKnownJobType, JOB_TYPES } from '../worker/registry.js';
import { type JobSettableField, JobStatus, Payload } from './job.js';
import { LIMITS } from './limits.js';
import { scheduleSchema } from './schedule.js';
import * as z from './zod.js';

/**
 * What a caller may send about jobs: the bodies of POST /jobs and PATCH /jobs/{id} and the list queries. They
 * validate requests at the edge, type the domain's inputs (snake_case, as sent) and generate the OpenAPI document.
 * Kept apart from the job's representation (job.ts) because they need the cron parser, which only the functions
 * that take a schedule bundle.
 */

const Schedule = scheduleSchema({ cronProblem, isValidTimezone });

const JobType = z
  .string()
  .check(
    z.regex(
      /^[a-z][a-z0-9_.-]{0,99}$/,
      'lower-case letters, digits, "_", "." or "-", starting with a letter',
    ),
  );

const KnownJobType = JobType.check(
  z.refine(isKnownJobType, { message: `unknown job type; known: ${JOB_TYPES.join(', ')}` }),
  z.describe(`A registered handler: ${JOB_TYPES.join(', ')}.`),
);

const TimeoutSeconds = z
  .int()
  .check(
    z.minimum(LIMITS.timeoutSeconds.min),
    z.maximum(LIMITS.timeoutSeconds.max),
    z.describe('An attempt running longer is aborted and counts as a failure.'),
  );
const MaxRetries = z.int().check(z.minimum(0), z.maximum(LIMITS.maxRetries));
const Priority = z.int().check(z.minimum(0), z.maximum(100));

/** The request schema of each settable column (JOB_SETTABLE): the compiler refuses a missing or an extra one. */
const SETTABLE = {
  payload: Payload,
  schedule_interval: Schedule,
  max_retries: MaxRetries,
  priority: Priority,
  timeout_seconds: TimeoutSeconds,
} satisfies Record<JobSettableField, z.ZodMiniType>;

export const CreateJobRequest = z.strictObject({
  job_type: KnownJobType,
  payload: SETTABLE.payload,
  schedule_interval: z._default(SETTABLE.schedule_interval, { type: 'manual' }),
  max_retries: z._default(SETTABLE.max_retries, 3),
  priority: z._default(SETTABLE.priority.check(z.describe('Higher runs first.')), 50),
  timeout_seconds: z._default(SETTABLE.timeout_seconds, LIMITS.timeoutSeconds.default),
});

/** The fields PATCH /jobs/{id} may change: exactly the settable ones, each optional, at least one. */
export const UpdateJobRequest = z
  .partial(z.strictObject(SETTABLE))
  .check(
    z.refine((update) => Object.keys(update).length > 0, { message: 'name at least one field to change' }),
  );

/** A job as a caller asks for it (validated, defaults applied). */
export type JobSpec = z.output<typeof CreateJobRequest>;
/** The changes a caller asks for (validated). */
export type JobUpdate = z.output<typeof UpdateJobRequest>;

const PageSize = z._default(
  z.coerce.number().check(z.int(), z.minimum(LIMITS.pageSize.min), z.maximum(LIMITS.pageSize.max)),
  LIMITS.pageSize.default,
);
const Cursor = z
  .optional(z.string().check(z.maxLength(200)))
  .check(z.describe('next_cursor of the previous page.'));

export const ListJobsQuery = z.strictObject({
  status: z.optional(JobStatus),
  job_type: z.optional(JobType),
  limit: PageSize,
  cursor: Cursor,
});

export const ListTasksQuery = z.strictObject({
  status: z.optional(JobStatus),
  limit: PageSize,
  cursor: Cursor,
});
