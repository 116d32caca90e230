import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lambdas/http/openapi.js';
import { ROUTES } from '../../lambdas/http/routes.js';
import { LIMITS } from '../../lambdas/shapes/limits.js';
import { OPENAPI_FILE, renderOpenApi } from '../../scripts/write-openapi.js';

interface SchemaObject {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaObject>;
  maximum?: number;
  minimum?: number;
  maxLength?: number;
}
interface Operation {
  parameters?: { name: string; in: string; schema: SchemaObject }[];
  requestBody?: { content: Record<string, { schema: SchemaObject }> };
}

/** The schema itself, following a `#/components/schemas/…` reference. */
function resolve(
  document: ReturnType<typeof openApiDocument>,
  schema: SchemaObject | undefined,
): SchemaObject {
  const name = schema?.$ref?.replace('#/components/schemas/', '');
  const schemas = document.components.schemas as Record<string, SchemaObject>;
  return (name ? schemas[name] : schema) ?? {};
}

describe('OpenAPI document', () => {
  it('docs/openapi.json is what the code generates (run `npm run openapi` after changing the API)', async () => {
    expect(await readFile(OPENAPI_FILE, 'utf8')).toBe(renderOpenApi());
  });

  it('describes every route, and only the public ones without security', () => {
    const document = openApiDocument();
    for (const route of ROUTES) {
      const operation = (document.paths[route.path] as Record<string, { security?: unknown[] }>)[
        route.method.toLowerCase()
      ];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation?.security, route.path).toEqual(route.public ? [] : undefined);
    }
  });

  it('carries the request limits the validators enforce, on the parameters and fields they apply to', () => {
    const document = openApiDocument();
    const operation = (path: string, method: string) =>
      (document.paths[path] as Record<string, Operation>)[method] ?? ({} as Operation);
    for (const path of ['/jobs', '/jobs/{id}/tasks']) {
      const limit = operation(path, 'get').parameters?.find((p) => p.name === 'limit' && p.in === 'query');
      expect(limit?.schema, path).toMatchObject({
        type: 'integer',
        minimum: LIMITS.pageSize.min,
        maximum: LIMITS.pageSize.max,
        default: LIMITS.pageSize.default,
      });
    }
    for (const [path, method] of [
      ['/jobs', 'post'],
      ['/jobs/{id}', 'patch'],
    ] as const) {
      const body = resolve(
        document,
        operation(path, method).requestBody?.content['application/json']?.schema,
      );
      const field = (name: string) => resolve(document, body.properties?.[name]);
      expect(resolve(document, field('payload').properties?.prompt), path).toMatchObject({
        type: 'string',
        maxLength: LIMITS.promptChars,
      });
      expect(field('max_retries').maximum, path).toBe(LIMITS.maxRetries);
      expect(field('priority').maximum, path).toBe(100);
      expect(field('timeout_seconds'), path).toMatchObject({
        minimum: LIMITS.timeoutSeconds.min,
        maximum: LIMITS.timeoutSeconds.max,
      });
    }
  });

  it('declares 500 on every operation and 503 on every one that queries the database', () => {
    const document = openApiDocument();
    for (const route of ROUTES) {
      const operation = (
        document.paths[route.path] as Record<string, { responses: Record<string, unknown> }>
      )[route.method.toLowerCase()];
      const statuses = Object.keys(operation?.responses ?? {});
      expect(statuses, `${route.method} ${route.path}`).toContain('500');
      if (route.database !== false) expect(statuses, `${route.method} ${route.path}`).toContain('503');
    }
  });

  it('describes every problem member the code sets, and the headers each answer carries', () => {
    const document = openApiDocument();
    const problem = document.components.schemas.Problem as { properties: Record<string, unknown> };
    for (const member of [
      'type',
      'title',
      'status',
      'detail',
      'instance',
      'errors',
      'current_version',
      'request_id',
    ])
      expect(Object.keys(problem.properties)).toContain(member);
    const responses = document.components.responses as Record<string, { headers?: Record<string, unknown> }>;
    expect(Object.keys(responses.MethodNotAllowed?.headers ?? {})).toEqual(['Allow']);
    expect(Object.keys(responses.ServiceUnavailable?.headers ?? {})).toEqual(['Retry-After']);
    expect(Object.keys(responses.Unauthorized?.headers ?? {})).toEqual(['WWW-Authenticate']);
    const created = (
      document.paths['/jobs'] as Record<string, { responses: Record<string, { headers: object }> }>
    ).post?.responses['201'];
    expect(Object.keys(created?.headers ?? {})).toEqual(['Location', 'ETag', 'Idempotent-Replayed']);
  });

  it("declares API Gateway's own JSON answers beside problem+json where AWS gives them", () => {
    const responses = openApiDocument().components.responses as Record<string, { content: object }>;
    for (const name of ['Unauthorized', 'ContentTooLarge', 'ServiceUnavailable'])
      expect(Object.keys(responses[name]?.content ?? {}), name).toEqual([
        'application/problem+json',
        'application/json',
      ]);
  });
});
