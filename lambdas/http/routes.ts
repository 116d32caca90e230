/**
 * Every HTTP route of the service as plain data: the local server and the CDK stack both read this table, so a
 * route exists in both places or in neither. Each route declares what its function needs; infra/constructs/api.ts
 * grants and configures from these declarations alone.
 */
export interface RouteNeeds {
  /** The entry file in `lambdas/handlers/`, without extension. */
  handler: string;
  /** Public routes skip the JWT authorizer. */
  public?: boolean;
  /** `false`: the handler never queries the database, so in AWS it gets no Data API access and no DB settings. */
  database?: false;
  /**
   * The handler sends work notices (a schedule's first occurrence, run-now, the webhook deliveries a cancel makes): in
   * AWS QUEUE_URL + sqs:SendMessage.
   */
  queue?: true;
  /** The handler encrypts or decrypts webhook secrets: in AWS WEBHOOK_KEY_SECRET_ARN + read on that secret. */
  webhookKey?: true;
}

export interface RouteDefinition extends RouteNeeds {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax: `/jobs/{id}`. */
  path: string;
}

/**
 * What answers a request no route matches (API Gateway's `$default` route, and the local server's fallback):
 * 404, or 405 with Allow when the path exists under another method. Public, so an unknown path is a 404 for
 * everyone rather than a 401.
 */
export const UNMATCHED_ROUTE: RouteNeeds = { handler: 'not-found', public: true, database: false };

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/health', handler: 'health', public: true, database: false },
  { method: 'GET', path: '/health/deep', handler: 'health-deep' },
  { method: 'GET', path: '/openapi.json', handler: 'openapi', public: true, database: false },
  { method: 'POST', path: '/jobs', handler: 'create-job', queue: true, webhookKey: true },
  { method: 'GET', path: '/jobs', handler: 'list-jobs' },
  { method: 'GET', path: '/jobs/{id}', handler: 'get-job' },
  { method: 'PATCH', path: '/jobs/{id}', handler: 'update-job', queue: true, webhookKey: true },
  { method: 'DELETE', path: '/jobs/{id}', handler: 'delete-job', queue: true },
  { method: 'POST', path: '/jobs/{id}/cancel', handler: 'cancel-job', queue: true },
  { method: 'POST', path: '/jobs/{id}/run', handler: 'run-job', queue: true },
  { method: 'GET', path: '/jobs/{id}/tasks', handler: 'list-job-tasks' },
  { method: 'GET', path: '/jobs/{id}/deliveries', handler: 'list-job-deliveries' },
  { method: 'GET', path: '/tasks/{id}', handler: 'get-task' },
  { method: 'POST', path: '/tasks/{id}/cancel', handler: 'cancel-task', queue: true },
  { method: 'GET', path: '/stats', handler: 'get-stats' },
];

export interface RouteMatch {
  route: RouteDefinition;
  pathParameters: Record<string, string>;
}

/** A malformed escape (`%ZZ`, or bytes that are not UTF-8) names nothing: no route, so a 404, not a throw. */
function decodePathSegment(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const expected = pattern.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, part] of expected.entries()) {
    const value = actual[index] ?? '';
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name) {
      if (value === '') return undefined;
      const decoded = decodePathSegment(value);
      if (decoded === undefined) return undefined;
      parameters[name] = decoded;
    } else if (part !== value) return undefined;
  }
  return parameters;
}

/** Finds the route for a request; `allowed` lists the methods the path has when the method does not match. */
export function matchRoute(method: string, path: string): RouteMatch | { allowed: string[] } {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const pathParameters = matchPath(route.path, path);
    if (!pathParameters) continue;
    if (route.method === method) return { route, pathParameters };
    allowed.push(route.method);
  }
  return { allowed };
}
