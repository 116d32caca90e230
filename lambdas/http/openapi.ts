import * as z from '../shapes/zod.js';
import { OPERATIONS, type Outcome } from './openapi-operations.js';
import { HEADERS, headerRefs, RESPONSES } from './openapi-responses.js';
import { ROUTES } from './routes.js';
import {
  DeepHealth,
  DeliveryList,
  GatewayMessage,
  Health,
  Job,
  JobList,
  Problem,
  Stats,
  Task,
  TaskList,
} from './schemas.js';

/** The OpenAPI 3.1 document, generated from the zod schemas that validate requests and from the route table. */

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
      { name: 'stats', description: "Activity: the caller's tasks over time." },
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
        Stats: schemaOf(Stats, 'output'),
        DeliveryList: schemaOf(DeliveryList, 'output'),
        Problem: schemaOf(Problem, 'output'),
        GatewayMessage: schemaOf(GatewayMessage, 'output'),
        Health: schemaOf(Health, 'output'),
        DeepHealth: schemaOf(DeepHealth, 'output'),
      },
    },
  };
}
