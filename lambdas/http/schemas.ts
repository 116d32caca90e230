import { z } from 'zod';
import { cronProblem, isValidTimezone } from '../domain/occurrences.js';
import { isKnownJobType, JOB_TYPES } from '../job-types/names.js';

/**
 * The API's request and response shapes. They validate requests at the edge and generate the OpenAPI document, so
 * the two cannot drift. Limits keep every row far below the Data API's 64 KB per-row response limit.
 */
export const LIMITS = {
  bodyBytes: 256 * 1024,
  /** Levels of nested objects and arrays in a body, the body itself being level 1. */
  jsonDepth: 32,
  promptChars: 8_000,
  payloadBytes: 16 * 1024,
  maxRetries: 25,
  /** A worker Lambda runs for at most 15 minutes; an attempt must end well before that. */
  timeoutSeconds: { min: 1, max: 840, default: 300 },
  timedeltaSeconds: 366 * 24 * 3600,
  idempotencyKeyChars: 255,
  pageSize: { min: 1, max: 100, default: 20 },
} as const;

export const JOB_STATUSES = ['created', 'processing', 'completed', 'failed', 'cancelled'] as const;
export const JobStatus = z.enum(JOB_STATUSES);

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

export const Payload = z
  .looseObject({
    prompt: z.string().min(1).max(LIMITS.promptChars),
    resource_type: z.string().max(100).optional(),
    resource_id: z.string().max(255).optional(),
  })
  .refine((payload) => jsonBytes(payload) <= LIMITS.payloadBytes, {
    message: `must be at most ${LIMITS.payloadBytes} bytes as JSON`,
  })
  .meta({
    description: `What the job is about: a prompt about a resource; further keys are kept as given. At most ${LIMITS.jsonDepth} levels deep counting from the request body; no string or key may contain U+0000 or a lone UTF-16 surrogate, no key be "__proto__", no number exceed a double.`,
  });

export const Schedule = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('manual') }),
    z.strictObject({
      type: z.literal('cron'),
      expression: z
        .string()
        .max(100)
        .superRefine((expression, ctx) => {
          const problem = cronProblem(expression);
          if (problem) ctx.addIssue({ code: 'custom', message: `invalid cron expression: ${problem}` });
        }),
      timezone: z
        .string()
        .max(64)
        .default('UTC')
        .refine(isValidTimezone, { message: 'unknown IANA timezone' }),
    }),
    z.strictObject({ type: z.literal('timedelta'), seconds: z.int().min(1).max(LIMITS.timedeltaSeconds) }),
  ])
  .meta({
    description:
      'manual: only POST /jobs/{id}/run; cron: 5 fields in an IANA timezone; timedelta: every N seconds.',
  });

const JobType = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,99}$/, 'lower-case letters, digits, "_", "." or "-", starting with a letter');

const KnownJobType = JobType.refine(isKnownJobType, {
  message: `unknown job type; known: ${JOB_TYPES.join(', ')}`,
}).meta({
  description: `A registered handler: ${JOB_TYPES.join(', ')}.`,
});

const TimeoutSeconds = z
  .int()
  .min(LIMITS.timeoutSeconds.min)
  .max(LIMITS.timeoutSeconds.max)
  .meta({ description: 'An attempt running longer is aborted and counts as a failure.' });

export const CreateJobRequest = z.strictObject({
  job_type: KnownJobType,
  payload: Payload,
  schedule_interval: Schedule.default({ type: 'manual' }),
  max_retries: z.int().min(0).max(LIMITS.maxRetries).default(3),
  priority: z.int().min(0).max(100).default(50).meta({ description: 'Higher runs first.' }),
  timeout_seconds: TimeoutSeconds.default(LIMITS.timeoutSeconds.default),
});

export const UpdateJobRequest = z
  .strictObject({
    payload: Payload.optional(),
    schedule_interval: Schedule.optional(),
    max_retries: z.int().min(0).max(LIMITS.maxRetries).optional(),
    priority: z.int().min(0).max(100).optional(),
    timeout_seconds: TimeoutSeconds.optional(),
  })
  .refine((update) => Object.keys(update).length > 0, { message: 'name at least one field to change' });

const PageSize = z.coerce
  .number()
  .int()
  .min(LIMITS.pageSize.min)
  .max(LIMITS.pageSize.max)
  .default(LIMITS.pageSize.default);
const Cursor = z.string().max(200).optional().meta({ description: 'next_cursor of the previous page.' });

export const ListJobsQuery = z.strictObject({
  status: JobStatus.optional(),
  job_type: JobType.optional(),
  limit: PageSize,
  cursor: Cursor,
});

export const ListTasksQuery = z.strictObject({
  status: JobStatus.optional(),
  limit: PageSize,
  cursor: Cursor,
});

const Timestamp = z.iso.datetime();

export const Job = z.object({
  id: z.uuid(),
  user_id: z.guid().meta({
    description:
      "The caller's token subject (`sub`), lower-cased: any UUID-shaped value (8-4-4-4-12 hex digits), whatever its version or variant bits.",
  }),
  status: JobStatus,
  job_type: z.string(),
  payload: Payload,
  schedule_interval: Schedule,
  max_retries: z.int(),
  priority: z.int(),
  timeout_seconds: z.int(),
  next_run_at: Timestamp.nullable(),
  schedule_error: z.string().nullable().meta({
    description:
      'Why the next occurrence could not be computed; next_run_at is then when the scheduler tries again. Null when the schedule is fine.',
  }),
  skipped_occurrence: z
    .object({
      scheduled_for: Timestamp,
      reason: z.string(),
    })
    .nullable()
    .meta({
      description:
        'The latest occurrence of the schedule that made no task, and why: its user had USER_MAX_QUEUED open tasks. Kept until another occurrence is skipped; null when none ever was.',
    }),
  created_at: Timestamp,
  updated_at: Timestamp,
  version: z.int(),
});

export const Task = z.object({
  id: z.uuid(),
  job_id: z.uuid(),
  status: JobStatus,
  payload: z.record(z.string(), z.unknown()),
  result: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  version: z.int(),
  attempt: z.int().meta({ description: 'Attempts made so far.' }),
  last_error: z.string().nullable(),
  run_at: Timestamp,
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
});

const NextCursor = z.string().nullable().meta({
  description:
    'Pass as `cursor` for the next page; null at the end. A page may hold fewer than `limit` items.',
});

export const JobList = z.object({ items: z.array(Job), next_cursor: NextCursor });
export const TaskList = z.object({ items: z.array(Task), next_cursor: NextCursor });

/** RFC 9457 problem details with every extension member lambdas/http/errors.ts and handler.ts set. */
export const Problem = z.object({
  type: z.string().meta({ description: 'about:blank or a /problems/… slug listed in docs/errors.md.' }),
  title: z.string(),
  status: z.int(),
  detail: z.string().optional(),
  instance: z.string().optional().meta({ description: 'The request path.' }),
  errors: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .meta({ description: 'The fields at fault: `body.…`, `query.…`, `header.…`.' }),
  current_version: z
    .int()
    .optional()
    .meta({ description: "412 /problems/version-conflict: the job's version now (also its ETag)." }),
  request_id: z.string().optional().meta({ description: '500: quote it when reporting the failure.' }),
  open_tasks: z.int().optional().meta({
    description: '429 /problems/too-many-open-tasks: the open tasks (created or processing) the user has.',
  }),
  limit: z.int().optional().meta({ description: '429 /problems/too-many-open-tasks: USER_MAX_QUEUED.' }),
});

/** What API Gateway itself answers (its JWT authorizer's 401, its own 413 and 503): not problem+json. */
export const GatewayMessage = z.object({ message: z.string() });

/** GET /health: the API answers; deliberately nothing about the database (it must not wake it). */
export const Health = z.object({
  status: z.literal('ok'),
  service: z.string(),
  version: z.string(),
  time: z.iso.datetime(),
});

/** GET /health/deep: the database and its migrations (lambdas/domain/health.ts). */
export const DeepHealth = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: z.object({
    reachable: z.boolean(),
    name: z.string().optional(),
    latency_ms: z.int(),
    error: z.enum(['schema not migrated', 'no answer']).optional(),
  }),
  migrations: z.object({ applied: z.array(z.string()), latest: z.string().nullable() }),
});

export type CreateJobInput = z.infer<typeof CreateJobRequest>;
export type UpdateJobInput = z.infer<typeof UpdateJobRequest>;
export type ListJobsInput = z.infer<typeof ListJobsQuery>;
export type ListTasksInput = z.infer<typeof ListTasksQuery>;
export type JobView = z.infer<typeof Job>;
export type TaskView = z.infer<typeof Task>;
