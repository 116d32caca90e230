import { CreateJobRequest, UpdateJobRequest } from '../shapes/job-requests.js';
import { ListJobsQuery, ListTasksQuery } from '../shapes/list-queries.js';
import * as z from '../shapes/zod.js';
import { HEADERS, type HeaderName, headerRefs, RESPONSES } from './openapi-responses.js';
import { ROUTES } from './routes.js';
import { DeepHealth, GatewayMessage, Health, Job, JobList, Problem, Task, TaskList } from './schemas.js';

/** The OpenAPI 3.1 document, generated from the zod schemas that validate requests and from the route table. */

interface Operation {
  summary: string;
  description: string;
  tag: 'jobs' | 'tasks' | 'service';
  body?: z.ZodMiniType;
  query?: z.ZodMiniObject;
  headers?: { name: string; required: boolean; description: string }[];
  success: Outcome;
  /** Non-problem responses besides the success (deep health's 503 carries the same report). */
  others?: Outcome[];
  errors: number[];
}

interface Outcome {
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

const OPERATIONS: Record<string, Operation> = {
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

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const schemaOf = (schema: z.ZodMiniType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

function operationObject(handler: string, path: string, isPublic: boolean) {
  const operation = OPERATIONS[handler];
  if (!operation) throw new Error(`no OpenAPI description for route handler ${handler}`);
  const parameters: unknown[] = [];
  for (const name of path.match(/\{(\w+)\}/g) ?? []) {
    parameters.push({
      name: name.slice(1, -1),
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    });
  }
  for (const [name, schema] of Object.entries(operation.query?.def.shape ?? {})) {
    parameters.push({
      name,
      in: 'query',
      required: false,
      schema: schemaOf(schema as z.ZodMiniType, 'input'),
    });
  }
  for (const h of operation.headers ?? []) {
    parameters.push({
      name: h.name,
      in: 'header',
      required: h.required,
      description: h.description,
      schema: { type: 'string' },
    });
  }
  const outcome = (o: Outcome) => ({
    description: o.description,
    ...(o.headers ? { headers: headerRefs(o.headers) } : {}),
    content: { 'application/json': { schema: o.schema ? ref(o.schema) : { type: 'object' } } },
  });
  const responses: Record<string, unknown> = {
    [operation.success.status]:
      operation.success.status === 204
        ? { description: operation.success.description }
        : outcome(operation.success),
  };
  for (const other of operation.others ?? []) responses[other.status] = outcome(other);
  for (const status of operation.errors) {
    const shared = RESPONSES[status];
    if (!shared) throw new Error(`no shared response for ${status}`);
    responses[status] = { $ref: `#/components/responses/${shared.name}` };
  }
  return {
    operationId: handler.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()),
    summary: operation.summary,
    description: operation.description,
    tags: [operation.tag],
    ...(isPublic ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schemaOf(operation.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operationObject(
      route.handler,
      route.path,
      Boolean(route.public),
    );
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Background Job Service',
      version: '1.0.0',
      description:
        'Jobs (a prompt about a resource, a type, a schedule, a priority, a retry budget) and the tasks they run.\n\nErrors are RFC 9457 problem+json (docs/errors.md), except the answers API Gateway gives itself in AWS, which are `application/json` `{"message": …}`: its JWT authorizer\'s 401, its own 413 above 10 MB and its 503 when a Lambda runs out of time. A path not in this document is a problem+json 404 (`#/components/responses/NotFound`); a path in it with a method it does not have is a problem+json 405 with Allow (`#/components/responses/MethodNotAllowed`).',
    },
    servers: [
      {
        url: '/',
        description:
          'The origin that serves this document: the stack output ApiUrl in AWS, or the URL `npm start` prints.',
      },
    ],
    tags: [
      { name: 'jobs', description: 'Jobs: what to run, for whom, on which schedule.' },
      { name: 'tasks', description: 'Tasks: one run of a job each.' },
      { name: 'service', description: 'Health and this document.' },
    ],
    security: [{ bearer: [] }],
    paths,
    components: {
      headers: HEADERS,
      responses: Object.fromEntries(Object.values(RESPONSES).map(({ name, body }) => [name, body])),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Job: schemaOf(Job, 'output'),
        Task: schemaOf(Task, 'output'),
        JobList: schemaOf(JobList, 'output'),
        TaskList: schemaOf(TaskList, 'output'),
        Problem: schemaOf(Problem, 'output'),
        GatewayMessage: schemaOf(GatewayMessage, 'output'),
        Health: schemaOf(Health, 'output'),
        DeepHealth: schemaOf(DeepHealth, 'output'),
      },
    },
  };
}
