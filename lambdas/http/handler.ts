import { loggableError } from '../db/errors.js';
import { database } from '../db/index.js';
import type { Database } from '../db/port.js';
import { createLogger, type Logger, takeColdStart } from '../logger.js';
import { putMetric, statusClass } from '../metrics.js';
import { toProblem } from './errors.js';
import { problemResponse } from './problem.js';
import { type ApiEvent, callerId } from './request.js';
import type { HttpResult } from './response.js';

export interface ApiContext {
  event: ApiEvent;
  /** The authenticated caller; every query is scoped to it. */
  userId: string;
  db: Database;
  log: Logger;
}

type Work<C> = (context: C) => Promise<HttpResult>;

/**
 * The edge every route shares: typed errors become problem+json; anything unexpected becomes a 500 that reveals
 * only the request id, and is logged (never the token or the payload). One log line and two metrics (count and
 * latency, by route template and status class) per request.
 */
async function respond(event: ApiEvent, work: (log: Logger) => Promise<HttpResult>): Promise<HttpResult> {
  const requestId = event.requestContext.requestId;
  // The route template (`GET /jobs/{id}`, `$default`), never the raw path: a bounded metric dimension.
  const route = event.routeKey;
  const log = createLogger({ request_id: requestId, route, cold_start: takeColdStart() });
  const started = performance.now();
  let result: HttpResult;
  try {
    result = await work(log);
  } catch (error) {
    const mapped = toProblem(error);
    if (mapped) {
      result = problemResponse({ ...mapped.problem, instance: event.rawPath }, mapped.headers);
    } else {
      log.error('request failed', loggableError(error));
      result = problemResponse({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        detail: `Something went wrong on our side. Quote request id ${requestId} when reporting it.`,
        instance: event.rawPath,
        request_id: requestId,
      });
    }
  }
  const durationMs = Math.round(performance.now() - started);
  log.info('request', { status: result.statusCode, duration_ms: durationMs });
  const status_class = statusClass(result.statusCode);
  putMetric('RequestCount', 1, { route, status_class });
  putMetric('RequestLatency', durationMs, { route, status_class });
  return result;
}

/** A route that needs a caller: the JWT's subject scopes everything it does. */
export function authenticated(work: Work<ApiContext>) {
  return (event: ApiEvent) =>
    respond(event, (log) => work({ event, userId: callerId(event), db: database(), log }));
}

/** A route anyone may call (health, the OpenAPI document). */
export function publicRoute(work: Work<{ event: ApiEvent; log: Logger }>) {
  return (event: ApiEvent) => respond(event, (log) => work({ event, log }));
}
