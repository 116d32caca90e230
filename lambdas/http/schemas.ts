import { DELIVERY } from '../shapes/delivery.js';
import { JOB } from '../shapes/job.js';
import { pageSchema } from '../shapes/page.js';
import { TASK } from '../shapes/task.js';
import * as z from '../shapes/zod.js';

/**
 * The response shapes the OpenAPI document publishes besides the requests (shapes/job-requests.ts). Jobs and tasks
 * come from their one definition (shapes/job.ts, shapes/task.ts); the integration suites hold every response to
 * the document generated from these.
 */

export const Job = JOB.schema;
export const Task = TASK.schema;
export const JobList = pageSchema(Job);
export const TaskList = pageSchema(Task);
export const DeliveryList = pageSchema(DELIVERY.schema);

/** RFC 9457 problem details with every extension member lambdas/http/errors.ts and handler.ts set. */
export const Problem = z.object({
  type: z.string().check(z.describe('about:blank or a /problems/… slug listed in docs/errors.md.')),
  title: z.string(),
  status: z.int(),
  detail: z.optional(z.string()),
  instance: z.optional(z.string()).check(z.describe('The request path.')),
  errors: z
    .optional(z.array(z.object({ field: z.string(), message: z.string() })))
    .check(z.describe('The fields at fault: `body.…`, `query.…`, `header.…`.')),
  current_version: z
    .optional(z.int())
    .check(z.describe("412 /problems/version-conflict: the job's version now (also its ETag).")),
  request_id: z.optional(z.string()).check(z.describe('500: quote it when reporting the failure.')),
  open_tasks: z
    .optional(z.int())
    .check(
      z.describe('429 /problems/too-many-open-tasks: the open tasks (created or processing) the user has.'),
    ),
  limit: z.optional(z.int()).check(z.describe('429 /problems/too-many-open-tasks: USER_MAX_QUEUED.')),
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
    name: z.optional(z.string()),
    latency_ms: z.int(),
    error: z.optional(z.enum(['schema not migrated', 'no answer'])),
  }),
  migrations: z.object({ applied: z.array(z.string()), latest: z.nullable(z.string()) }),
});

const TaskCount = z.int().check(z.minimum(0));

/** GET /stats (lambdas/domain/stats.ts). */
export const Stats = z.object({
  window_seconds: z.int(),
  bucket_seconds: z.int(),
  buckets: z
    .array(
      z.object({ start: z.iso.datetime(), completed: TaskCount, failed: TaskCount, cancelled: TaskCount }),
    )
    .check(
      z.describe(
        "Oldest first, one per bucket (window_seconds / bucket_seconds), zero-filled: the caller's tasks that ended in each. Buckets are aligned to multiples of bucket_seconds since the epoch; the last is the current, partial one.",
      ),
    ),
  counts: z
    .object({
      created: TaskCount,
      processing: TaskCount,
      completed: TaskCount,
      failed: TaskCount,
      cancelled: TaskCount,
    })
    .check(
      z.describe(
        "created, processing: the caller's waiting and running tasks now. completed, failed, cancelled: those that ended within the buckets (the sums of the buckets); a cancelled task ended when it was cancelled.",
      ),
    ),
});
