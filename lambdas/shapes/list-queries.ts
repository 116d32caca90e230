import { JobStatus, JobType } from './job.js';
import { LIMITS } from './limits.js';
import * as z from './zod.js';

/** The query strings of the list routes (GET /jobs, GET /jobs/{id}/tasks). */

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

export const ListDeliveriesQuery = z.strictObject({ limit: PageSize, cursor: Cursor });

export const ListTasksQuery = z.strictObject({
  status: z.optional(JobStatus),
  limit: PageSize,
  cursor: Cursor,
});
