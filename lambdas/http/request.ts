import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { LIMITS } from '../shapes/limits.js';
import type * as z from '../shapes/zod.js';
import { HttpError, unauthorized, validationFailed } from './errors.js';
import type { FieldError } from './problem.js';
import { fieldSegment, isStorableText, TEXT_PROBLEM, unstorableFields } from './storable.js';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function fieldErrors(prefix: string, error: { issues: readonly z.core.$ZodIssue[] }): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: `${path}.${key}`, message: 'unknown field' }));
    }
    return [{ field: path, message: issue.message }];
  });
}

/** The caller's user id: the `sub` claim the JWT authorizer (in AWS) or the local server verified. */
export function callerId(event: ApiEvent): string {
  const sub = event.requestContext.authorizer?.jwt?.claims?.sub;
  if (typeof sub !== 'string' || !UUID.test(sub)) throw unauthorized('The token has no valid subject.');
  return sub.toLowerCase();
}

/** A path id that is not a UUID cannot name anything: not found, like any other unknown id. */
export function pathId(event: ApiEvent, name: string, resource: 'job' | 'task'): string {
  const value = event.pathParameters?.[name] ?? '';
  if (!UUID.test(value)) throw new HttpError(404, 'Not Found', `No such ${resource}.`);
  return value.toLowerCase();
}

export function header(event: ApiEvent, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}

/** The JSON body, checked for size, media type and syntax, then validated against `schema`. */
export function jsonBody<S extends z.ZodMiniType>(event: ApiEvent, schema: S): z.output<S> {
  const raw =
    event.body === undefined ? '' : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (Buffer.byteLength(raw) > LIMITS.bodyBytes) {
    throw new HttpError(413, 'Content Too Large', `The body must be at most ${LIMITS.bodyBytes} bytes.`);
  }
  const mediaType = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!/^application\/([\w.-]+\+)?json$/.test(mediaType)) {
    throw new HttpError(415, 'Unsupported Media Type', 'Send the body as application/json.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString());
  } catch (error) {
    throw new HttpError(400, 'Malformed JSON', (error as Error).message, { type: 'malformed-json' });
  }
  // Before the schema: its checks recurse, and PostgreSQL would refuse what this finds.
  const unstorable = unstorableFields(parsed, 'body', LIMITS.jsonDepth);
  if (unstorable.length > 0) throw validationFailed(unstorable);
  const result = schema.safeParse(parsed);
  if (!result.success) throw validationFailed(fieldErrors('body', result.error));
  return result.data;
}

/** The query string, validated against `schema`. A parameter given twice is refused, not guessed at. */
export function queryParameters<S extends z.ZodMiniType>(event: ApiEvent, schema: S): z.output<S> {
  const params = new URLSearchParams(event.rawQueryString ?? '');
  const values: Record<string, string> = {};
  const errors: FieldError[] = [];
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    if (all.length > 1) errors.push({ field: `query.${key}`, message: 'give this parameter once' });
    if (![key, ...all].every(isStorableText))
      errors.push({ field: `query.${fieldSegment(key)}`, message: TEXT_PROBLEM });
    values[key] = all[0] ?? '';
  }
  const result = schema.safeParse(values);
  if (!result.success) errors.push(...fieldErrors('query', result.error));
  if (errors.length > 0) throw validationFailed(errors);
  return result.data as z.output<S>;
}
