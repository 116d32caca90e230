import { CreateJobRequest, UpdateJobRequest } from '../shapes/job-requests.js';
import { ListDeliveriesQuery, ListJobsQuery, ListTasksQuery } from '../shapes/list-queries.js';
import { StatsQuery } from '../shapes/stats-query.js';
import type * as z from '../shapes/zod.js';
import type { HeaderName } from './openapi-responses.js';

/** What the OpenAPI document says about each route's operation, by handler name (lambdas/http/openapi.ts). */

export interface Operation {
  summary: string;
  description: string;
  tag: 'jobs' | 'tasks' | 'stats' | 'service';
  body?: z.ZodMiniType;
  query?: z.ZodMiniObject;
  headers?: { name: string; required: boolean; description: string }[];
  success: Outcome;
  /** Non-problem responses besides the success (deep health's 503 carries the same report). */
  others?: Outcome[];
  errors: number[];
}

export interface Outcome {
  status: number;
  schema?: string;
  description: string;
  headers?: HeaderName[];
}

/**
 * Every route that queries the database: it may not answer (503), and anything may fail (500). A body over API
 * Gateway's 10 MB is a 413 on any route, even one that takes no body.
 */
const COMMON_ERRORS = [400, 401, 404, 413, 500, 503];

export const OPERATIONS: Record<string, Operation> = {
  'create-job': {
    summary: 'Create a job',
    description:
      'Stores a job for the caller. A cron or timedelta schedule gets its first occurrence queued at its next_run_at; a manual one runs only on POST /jobs/{id}/run.',
    tag: 'jobs',
    body: CreateJobRequest,
    headers: [
      {
        name: 'Idempotency-Key',
        required: false,
        description:
          'Repeat-safe creation: the same key and body return the first job again (Idempotent-Replayed: true); the same key with another body is 422; the same key after that job was deleted is 409 (/problems/idempotency-key-job-deleted).',
      },
    ],
    success: {
      status: 201,
      schema: 'Job',
      description: 'Created (or replayed); Location and ETag headers are set.',
      headers: ['Location', 'ETag', 'IdempotentReplayed'],
    },
    errors: [400, 401, 409, 413, 415, 422, 500, 503],
  },
  'list-jobs': {
    summary: "List the caller's jobs, newest first",
    description: 'Keyset pagination: pass next_cursor as cursor until it is null.',
    tag: 'jobs',
    query: ListJobsQuery,
    success: { status: 200, schema: 'JobList', description: 'One page; follow next_cursor for the next.' },
    errors: [400, 401, 413, 500, 503],
  },
  'get-job': {
    summary: 'Get a job',
    description: "One of the caller's jobs; someone else's is a 404, as is an id that is not a UUID.",
    tag: 'jobs',
    success: { status: 200, schema: 'Job', description: 'The job, with its ETag.', headers: ['ETag'] },
    errors: COMMON_ERRORS,
  },
  'update-job': {
    summary: 'Change a job (optimistic locking)',
    description:
      'Changes the named fields of the version If-Match names; a changed schedule replaces the pending occurrence.',
    tag: 'jobs',
    body: UpdateJobRequest,
    headers: [{ name: 'If-Match', required: true, description: 'The ETag of the version being changed.' }],
    success: {
      status: 200,
      schema: 'Job',
      description: 'The changed job, with its new ETag.',
      headers: ['ETag'],
    },
    errors: [...COMMON_ERRORS, 412, 415, 428],
  },
  'delete-job': {
    summary: 'Delete a job (its waiting and running tasks are cancelled)',
    description: 'Deleting a job that is already gone is a 404.',
    tag: 'jobs',
    success: { status: 204, description: 'Deleted.' },
    errors: COMMON_ERRORS,
  },
  'cancel-job': {
    summary: 'Cancel a job for good',
    description:
      'The job stops being scheduled and its waiting and running tasks are cancelled; cancelling it again answers 200 with the same job.',
    tag: 'jobs',
    success: { status: 200, schema: 'Job', description: 'The cancelled job.', headers: ['ETag'] },
    errors: COMMON_ERRORS,
  },
  'run-job': {
    summary: 'Run a job now',
    description:
      'Queues a new task for the job at once, whatever its schedule; a cancelled job is a 409. A user who already has USER_MAX_QUEUED open tasks (created or processing) gets 429 with Retry-After and nothing is queued.',
    tag: 'jobs',
    success: { status: 202, schema: 'Task', description: 'The new task.', headers: ['Location'] },
    errors: [...COMMON_ERRORS, 409, 429],
  },
  'list-job-tasks': {
    summary: "List a job's tasks, newest first",
    description: 'Keyset pagination: pass next_cursor as cursor until it is null.',
    tag: 'tasks',
    query: ListTasksQuery,
    success: { status: 200, schema: 'TaskList', description: 'One page; follow next_cursor for the next.' },
    errors: COMMON_ERRORS,
  },
  'list-job-deliveries': {
    summary: "List a job's webhook deliveries, newest first",
    description:
      'One delivery per task end of a job with a webhook: its status, attempts, last response code and next attempt. Keyset pagination: pass next_cursor as cursor until it is null.',
    tag: 'jobs',
    query: ListDeliveriesQuery,
    success: {
      status: 200,
      schema: 'DeliveryList',
      description: 'One page; follow next_cursor for the next.',
    },
    errors: COMMON_ERRORS,
  },
  'get-task': {
    summary: 'Get a task',
    description: "One task of one of the caller's jobs.",
    tag: 'tasks',
    success: { status: 200, schema: 'Task', description: 'The task.', headers: ['ETag'] },
    errors: COMMON_ERRORS,
  },
  'cancel-task': {
    summary: 'Cancel a task',
    description:
      'A waiting or running task becomes cancelled (a running attempt is told to stop). Cancelling a cancelled task answers 200 with it again; a completed or failed task is a 409 (/problems/invalid-state).',
    tag: 'tasks',
    success: { status: 200, schema: 'Task', description: 'The cancelled task.', headers: ['ETag'] },
    errors: [...COMMON_ERRORS, 409],
  },
  'get-stats': {
    summary: "The caller's task activity over a window",
    description:
      'Tasks that ended (completed, failed, cancelled) per bucket of the window, and the waiting and running tasks now. One indexed statement: it reads only the window.',
    tag: 'stats',
    query: StatsQuery,
    success: { status: 200, schema: 'Stats', description: 'The activity.' },
    errors: [400, 401, 413, 500, 503],
  },
  health: {
    summary: 'Is the API up',
    description: 'Public; never queries the database, so it never wakes a paused cluster.',
    tag: 'service',
    success: { status: 200, schema: 'Health', description: 'Up.', headers: ['CacheControl'] },
    errors: [413, 500],
  },
  'health-deep': {
    summary: 'Database and migration state',
    description: 'One database call: it resumes a paused cluster.',
    tag: 'service',
    success: {
      status: 200,
      schema: 'DeepHealth',
      description: 'The database answers and is migrated.',
      headers: ['CacheControl'],
    },
    others: [
      {
        status: 503,
        schema: 'DeepHealth',
        description: 'The database does not answer, or its schema is not migrated (see `database.error`).',
        headers: ['CacheControl'],
      },
    ],
    errors: [401, 413, 500],
  },
  openapi: {
    summary: 'This document',
    description: 'Public; generated from the same schemas that validate the requests.',
    tag: 'service',
    success: { status: 200, description: 'OpenAPI 3.1.', headers: ['CacheControl'] },
    errors: [413, 500],
  },
};
