import { z } from 'zod';
import { ROUTES } from './routes.js';
import {
  CreateJobRequest,
  DeepHealth,
  Health,
  Job,
  JobList,
  ListJobsQuery,
  ListTasksQuery,
  Problem,
  Task,
  TaskList,
  UpdateJobRequest,
} from './schemas.js';

/** The OpenAPI 3.1 document, generated from the zod schemas that validate requests and from the route table. */

interface Operation {
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
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
}

const COMMON_ERRORS = [400, 401, 404];

const OPERATIONS: Record<string, Operation> = {
  'create-job': {
    summary: 'Create a job',
    body: CreateJobRequest,
    headers: [
      {
        name: 'Idempotency-Key',
        required: false,
        description:
          'Repeat-safe creation: the same key and body return the first job again (Idempotent-Replayed: true); the same key with another body is 422; the same key after that job was deleted is 409 (/problems/idempotency-key-job-deleted).',
      },
    ],
    success: { status: 201, schema: 'Job', description: 'Created; Location and ETag headers are set.' },
    errors: [400, 401, 409, 413, 415, 422],
  },
  'list-jobs': {
    summary: "List the caller's jobs, newest first",
    query: ListJobsQuery,
    success: { status: 200, schema: 'JobList', description: 'One page; follow next_cursor for the next.' },
    errors: [400, 401],
  },
  'get-job': {
    summary: 'Get a job',
    success: { status: 200, schema: 'Job', description: 'The job, with its ETag.' },
    errors: COMMON_ERRORS,
  },
  'update-job': {
    summary: 'Change a job (optimistic locking)',
    body: UpdateJobRequest,
    headers: [{ name: 'If-Match', required: true, description: 'The ETag of the version being changed.' }],
    success: { status: 200, schema: 'Job', description: 'The changed job, with its new ETag.' },
    errors: [...COMMON_ERRORS, 412, 413, 415, 428],
  },
  'delete-job': {
    summary: 'Delete a job (its waiting and running tasks are cancelled)',
    success: { status: 204, description: 'Deleted.' },
    errors: COMMON_ERRORS,
  },
  'cancel-job': {
    summary: 'Cancel a job for good',
    success: { status: 200, schema: 'Job', description: 'The cancelled job.' },
    errors: COMMON_ERRORS,
  },
  'run-job': {
    summary: 'Run a job now',
    success: { status: 202, schema: 'Task', description: 'The new task.' },
    errors: [...COMMON_ERRORS, 409],
  },
  'list-job-tasks': {
    summary: "List a job's tasks, newest first",
    query: ListTasksQuery,
    success: { status: 200, schema: 'TaskList', description: 'One page; follow next_cursor for the next.' },
    errors: COMMON_ERRORS,
  },
  'get-task': {
    summary: 'Get a task',
    success: { status: 200, schema: 'Task', description: 'The task.' },
    errors: COMMON_ERRORS,
  },
  'cancel-task': {
    summary: 'Cancel a task',
    success: { status: 200, schema: 'Task', description: 'The cancelled task.' },
    errors: [...COMMON_ERRORS, 409],
  },
  health: {
    summary: 'Is the API up (public; never queries the database, so it never wakes a paused cluster)',
    success: { status: 200, schema: 'Health', description: 'Up.' },
    errors: [],
  },
  'health-deep': {
    summary: 'Database and migration state (one database call: it resumes a paused cluster)',
    success: { status: 200, schema: 'DeepHealth', description: 'The database answers and is migrated.' },
    others: [
      {
        status: 503,
        schema: 'DeepHealth',
        description: 'The database does not answer, or its schema is not migrated (see `database.error`).',
      },
    ],
    errors: [401],
  },
  openapi: { summary: 'This document', success: { status: 200, description: 'OpenAPI 3.1.' }, errors: [] },
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const schemaOf = (schema: z.ZodType, io: 'input' | 'output') => {
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
  for (const [name, schema] of Object.entries(operation.query?.shape ?? {})) {
    parameters.push({ name, in: 'query', required: false, schema: schemaOf(schema as z.ZodType, 'input') });
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
  const problem = { content: { 'application/problem+json': { schema: ref('Problem') } } };
  const outcome = (o: Outcome) => ({
    description: o.description,
    ...(o.schema ? { content: { 'application/json': { schema: ref(o.schema) } } } : {}),
  });
  const responses: Record<string, unknown> = { [operation.success.status]: outcome(operation.success) };
  for (const other of operation.others ?? []) responses[other.status] = outcome(other);
  for (const status of operation.errors)
    responses[status] = { description: 'A problem (RFC 9457).', ...problem };
  return {
    operationId: handler.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()),
    summary: operation.summary,
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
        'Jobs (a prompt about a resource, a type, a schedule, a priority, a retry budget) and the tasks they run.',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Job: schemaOf(Job, 'output'),
        Task: schemaOf(Task, 'output'),
        JobList: schemaOf(JobList, 'output'),
        TaskList: schemaOf(TaskList, 'output'),
        Problem: schemaOf(Problem, 'output'),
        Health: schemaOf(Health, 'output'),
        DeepHealth: schemaOf(DeepHealth, 'output'),
      },
    },
  };
}
