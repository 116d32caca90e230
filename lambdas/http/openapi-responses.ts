/**
 * The response headers and the shared error responses of the OpenAPI document (components.headers and
 * components.responses). Each says what a client really receives, in AWS and from the local server, including the
 * answers API Gateway gives itself.
 */

const string = { type: 'string' };

export const HEADERS = {
  ETag: {
    description:
      'The strong ETag of the version returned (`"<version>"`); send it as If-Match to change the job.',
    required: true,
    schema: { type: 'string', pattern: '^"\\d+"$' },
  },
  Location: { description: 'The path of the created resource.', required: true, schema: string },
  IdempotentReplayed: {
    description:
      'Present (`true`) when an Idempotency-Key replayed the job it created before instead of creating one.',
    required: false,
    schema: { type: 'string', enum: ['true'] },
  },
  Allow: { description: 'The methods the path does have.', required: true, schema: string },
  RetryAfter: {
    description:
      "Seconds to wait before retrying. Every 503 problem of ours carries it; API Gateway's own 503 has none, so it cannot be required.",
    required: false,
    schema: { type: 'string', pattern: '^\\d+$' },
  },
  WWWAuthenticate: {
    description:
      'The authentication scheme (`Bearer`). The local server and the handlers always set it; API Gateway\'s JWT authorizer may set it, with `error="invalid_token"` and a description, when it refuses a token it was given.',
    required: false,
    schema: string,
  },
  CacheControl: { description: 'How long the answer may be reused.', required: true, schema: string },
} as const;

export type HeaderName = keyof typeof HEADERS;

export const headerRefs = (names: readonly HeaderName[]) =>
  Object.fromEntries(names.map((name) => [headerField(name), { $ref: `#/components/headers/${name}` }]));

const headerField = (name: HeaderName) =>
  ({
    ETag: 'ETag',
    Location: 'Location',
    IdempotentReplayed: 'Idempotent-Replayed',
    Allow: 'Allow',
    RetryAfter: 'Retry-After',
    WWWAuthenticate: 'WWW-Authenticate',
    CacheControl: 'Cache-Control',
  })[name];

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string, headers: Record<string, unknown> = {}) => ({
  description,
  ...(Object.keys(headers).length ? { headers } : {}),
  content: { 'application/problem+json': { schema: schemaRef('Problem') } },
});
/** Problem+json from our code, or API Gateway's own `{"message": …}` JSON. */
const problemOrGateway = (description: string, headers: Record<string, unknown> = {}) => ({
  ...problem(description, headers),
  content: {
    'application/problem+json': { schema: schemaRef('Problem') },
    'application/json': { schema: schemaRef('GatewayMessage') },
  },
});

/** Shared responses, by status; operations reference them. */
export const RESPONSES: Record<number, { name: string; body: unknown }> = {
  400: { name: 'BadRequest', body: problem('Invalid request: `errors` names each field at fault.') },
  401: {
    name: 'Unauthorized',
    body: problemOrGateway(
      'No valid bearer token. In AWS, API Gateway\'s JWT authorizer answers before any code runs, with `application/json` `{"message":"Unauthorized"}`; a token it accepts whose `sub` is not UUID-shaped gets problem+json from the handler. The local server emulates the authorizer with problem+json (`WWW-Authenticate: Bearer`).',
      headerRefs(['WWWAuthenticate']),
    ),
  },
  404: {
    name: 'NotFound',
    body: problem(
      'No such resource (or it belongs to someone else), or no such route: an unknown path (a path with a malformed percent-escape such as `/jobs/%ZZ` is one, whatever the method) is a problem+json 404 from the `$default` route in AWS and from the local server.',
    ),
  },
  405: {
    name: 'MethodNotAllowed',
    body: problem(
      'The path exists but not with this method, on any path of this document (the `$default` route in AWS, the route table locally). OpenAPI has no place for it on an operation that does not exist; it is declared here.',
      headerRefs(['Allow']),
    ),
  },
  409: {
    name: 'Conflict',
    body: problem('The resource is not in a state that allows this (`type` says which).'),
  },
  412: {
    name: 'PreconditionFailed',
    body: problem(
      'If-Match does not name the current version: `current_version` and the ETag header name the current one (absent when If-Match names no version at all).',
      { ETag: { ...HEADERS.ETag, required: false } },
    ),
  },
  413: {
    name: 'ContentTooLarge',
    body: problemOrGateway(
      'The body is larger than the service takes (256 KiB, on the routes that take one), or than API Gateway\'s 10 MB (on any route): AWS answers that one itself with `application/json` `{"message":…}`; the local server emulates it with problem+json and `Connection: close`.',
    ),
  },
  415: { name: 'UnsupportedMediaType', body: problem('Send the body as application/json.') },
  422: { name: 'IdempotencyKeyReused', body: problem('The Idempotency-Key was used with another body.') },
  428: { name: 'PreconditionRequired', body: problem('Send If-Match.') },
  429: {
    name: 'TooManyOpenTasks',
    body: problem(
      'The user already has USER_MAX_QUEUED open tasks (created or processing), so no new one is queued (`/problems/too-many-open-tasks`, with `open_tasks` and `limit`). Nothing was changed: retry after Retry-After seconds, or cancel tasks to make room.',
      {
        'Retry-After': {
          ...HEADERS.RetryAfter,
          description:
            'Seconds to wait before retrying (10: no slot can be foreseen to open sooner; docs/errors.md). Always present on this 429.',
          required: true,
        },
      },
    ),
  },
  500: {
    name: 'InternalServerError',
    body: problem('An unexpected failure; `request_id` identifies it in the logs.'),
  },
  503: {
    name: 'ServiceUnavailable',
    body: problemOrGateway(
      'The database did not answer (it may be resuming from auto-pause), or did not confirm a change (`/problems/outcome-unknown`): retry after Retry-After seconds, with the same Idempotency-Key for a creation. If the Lambda itself runs out of time, API Gateway answers `application/json` `{"message":"Service Unavailable"}` without Retry-After.',
      headerRefs(['RetryAfter']),
    ),
  },
};
