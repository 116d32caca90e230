import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lambdas/http/openapi.js';
import { ROUTES } from '../../lambdas/http/routes.js';
import { OPENAPI_FILE, renderOpenApi } from '../../scripts/write-openapi.js';

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

  it('carries the request limits the validators enforce', () => {
    const text = JSON.stringify(openApiDocument());
    expect(text).toContain('"maxLength":8000');
    expect(text).toContain('"maximum":100');
  });
});
