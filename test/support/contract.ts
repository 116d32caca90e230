import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { OpenAPIBackend, type Operation } from 'openapi-backend';
import type { HttpResult } from '../../lambdas/http/response.js';

/**
 * Holds every response the integration suites receive to docs/openapi.json, with openapi-backend (routing, response
 * headers, JSON bodies) and Ajv's JSON Schema 2020-12 dialect, which OpenAPI 3.1 schemas are written in.
 */
const DOCUMENT_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docs/openapi.json');

export interface ObservedResponse {
  method: string;
  /** The request path (no query). */
  path: string;
  status: number;
  headers: Headers;
  /** The body as received; undefined when empty. */
  body: unknown;
}

const newAjv = () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv;
};

let backend: Promise<OpenAPIBackend> | undefined;
function openApi(): Promise<OpenAPIBackend> {
  backend ??= (async () => {
    const definition = JSON.parse(readFileSync(DOCUMENT_FILE, 'utf8'));
    const api = new OpenAPIBackend({
      definition,
      strict: true,
      // Its document check knows OpenAPI 3.0 only: `redocly lint` checks the 3.1 document (test/unit/openapi-lint).
      quick: true,
      ignoreTrailingSlashes: false,
      customizeAjv: () => newAjv(),
    });
    return api.init();
  })();
  return backend;
}

interface ResponseObject {
  headers?: Record<string, { required?: boolean; schema?: object }>;
  content?: Record<string, { schema?: object }>;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The contract's complaints about one response; empty when it matches the document. */
export async function contractViolations(observed: ObservedResponse): Promise<string[]> {
  const api = await openApi();
  const request = { method: observed.method, path: observed.path, headers: {} };
  const operation = api.router.matchOperation(request);
  const components = (api.definition.components?.responses ?? {}) as Record<string, ResponseObject>;
  if (!operation) {
    // No operation: API Gateway's $default route (the route table locally) answers 405 or 404.
    // A path that does not decode (`/jobs/%ZZ`) names no path of the document: 404 (NotFound says so).
    const pathExists =
      decodes(observed.path) && METHODS.some((method) => api.router.matchOperation({ ...request, method }));
    const expected = pathExists ? 405 : 404;
    if (observed.status !== expected)
      return [`${observed.status} for a request no operation matches; expected ${expected}`];
    return checkResponse(
      observed,
      components[expected === 405 ? 'MethodNotAllowed' : 'NotFound'] as ResponseObject,
    );
  }
  const declared = operation.responses?.[String(observed.status)] as ResponseObject | undefined;
  if (!declared) return [`status ${observed.status} is not declared for ${operation.operationId}`];
  const violations = checkResponse(observed, declared);
  // openapi-backend's own checks: declared header schemas and the JSON body.
  const headers = Object.fromEntries(observed.headers.entries());
  const headerResult = api.validator.validateResponseHeaders(headers, operation as Operation, {
    statusCode: observed.status,
  });
  for (const error of headerResult.errors ?? [])
    violations.push(`header ${error.instancePath} ${error.message}`);
  if (mediaType(observed.headers) === 'application/json') {
    const bodyResult = api.validator.validateResponse(observed.body, operation as Operation, observed.status);
    for (const error of bodyResult.errors ?? [])
      violations.push(`body ${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
  }
  return violations;
}

const decodes = (pathname: string) => {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
};

const mediaType = (headers: Headers) => headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();

const validators = new WeakMap<object, ValidateFunction>();

/** Required headers present, the content type declared, and the body valid against that content's schema. */
function checkResponse(observed: ObservedResponse, declared: ResponseObject): string[] {
  const violations: string[] = [];
  for (const [name, header] of Object.entries(declared.headers ?? {})) {
    if (header.required && !observed.headers.has(name)) violations.push(`required header ${name} is missing`);
  }
  const type = mediaType(observed.headers);
  if (!declared.content) {
    if (observed.body !== undefined) violations.push('a body where the document declares none');
    return violations;
  }
  const content = type ? declared.content[type] : undefined;
  if (!content) {
    violations.push(`content type ${type} is not declared (${Object.keys(declared.content).join(', ')})`);
    return violations;
  }
  if (!content.schema) return violations;
  let validate = validators.get(content.schema);
  if (!validate) {
    validate = newAjv().compile(content.schema);
    validators.set(content.schema, validate);
  }
  if (!validate(observed.body)) {
    for (const error of validate.errors ?? [])
      violations.push(`body ${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
  }
  return violations;
}

let checked = 0;
/** How many responses the contract has held so far in this test file. */
export const responsesChecked = () => checked;

/** Throws, failing the test that received it, when a response departs from docs/openapi.json. */
export async function assertContract(observed: ObservedResponse): Promise<void> {
  const violations = await contractViolations(observed);
  checked += 1;
  if (violations.length > 0) {
    throw new Error(
      `${observed.method} ${observed.path} → ${observed.status} breaks docs/openapi.json:\n  ${violations.join('\n  ')}\n  body: ${JSON.stringify(observed.body)?.slice(0, 500)}`,
    );
  }
}

/** `fetch` for suites that call the API without test/support/api.ts: the answer is held to the contract too. */
export async function fetchChecked(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  const text = await response.clone().text();
  await assertContract({
    method: init.method ?? 'GET',
    path: new URL(url).pathname,
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  });
  return response;
}

/** For suites that call a Lambda handler directly: its result is held to the contract as the HTTP answer it becomes. */
export async function assertResultContract(method: string, path: string, result: HttpResult): Promise<void> {
  const headers = new Headers(result.headers as Record<string, string> | undefined);
  await assertContract({
    method,
    path,
    status: result.statusCode,
    headers,
    body: result.body ? JSON.parse(result.body) : undefined,
  });
}
