import { cronProblem, isValidTimezone } from '../domain/occurrences.js';
import { isKnownJobType, JOB_TYPES } from '../job-types/names.js';
import { type JobSettableField, JobType, Payload } from './job.js';
import { LIMITS } from './limits.js';
import { scheduleSchema } from './schedule.js';
import * as z from './zod.js';

/**
 * What a caller may send to create or change a job: the bodies of POST /jobs and PATCH /jobs/{id}. They
 * validate requests at the edge, type the domain's inputs (snake_case, as sent) and generate the OpenAPI document.
 * Kept apart from the job's representation (job.ts) because they need the cron parser, which only the functions
 * that take a schedule bundle.
 */

const Schedule = scheduleSchema({ cronProblem, isValidTimezone });

const KnownJobType = JobType.check(
  z.refine(isKnownJobType, { message: `unknown job type; known: ${JOB_TYPES.join(', ')}` }),
  z.describe(`A registered handler: ${JOB_TYPES.join(', ')}.`),
  // Listed for clients (the dashboard's "Job type" select reads it); the refine above is what enforces it.
  z.meta({ enum: [...JOB_TYPES] }),
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

const WebhookRequest = z
  .nullable(z.strictObject({ url: z.string().check(z.maxLength(2048)) }))
  .check(
    z.describe(
      'Where the service POSTs an event, signed per Standard Webhooks, when a task of the job ends (completed, failed, cancelled). The URL must be https and its host must not resolve to a loopback, private, link-local or metadata address (400 naming body.webhook.url otherwise). Setting it makes a new secret, returned in this response only; null removes it.',
    ),
  );

export const CreateJobRequest = z.strictObject({
  job_type: KnownJobType,
  payload: SETTABLE.payload,
  schedule_interval: z._default(SETTABLE.schedule_interval, { type: 'manual' }),
  max_retries: z._default(SETTABLE.max_retries, 3),
  priority: z._default(SETTABLE.priority.check(z.describe('Higher runs first.')), 50),
  timeout_seconds: z._default(SETTABLE.timeout_seconds, LIMITS.timeoutSeconds.default),
  webhook: z.optional(WebhookRequest),
});

/** The fields PATCH /jobs/{id} may change: exactly the settable ones, each optional, at least one. */
export const UpdateJobRequest = z
  .partial(z.strictObject({ ...SETTABLE, webhook: WebhookRequest }))
  .check(
    z.refine((update) => Object.keys(update).length > 0, { message: 'name at least one field to change' }),
  );

/** A job as a caller asks for it (validated, defaults applied). */
export type JobSpec = z.output<typeof CreateJobRequest>;
/** The changes a caller asks for (validated). */
export type JobUpdate = z.output<typeof UpdateJobRequest>;
