import { DatabaseError, OutcomeUnknownError } from '../db/errors.js';
import {
  IdempotencyKeyJobDeletedError,
  IdempotencyMismatchError,
  InvalidStateError,
  InvalidWebhookError,
  NotFoundError,
  NoticeNotSentError,
  QueueFullError,
  VersionConflictError,
} from '../domain/errors.js';
import type { FieldError, ProblemDetails } from './problem.js';
import { etagOf } from './response.js';

/** An HTTP failure with everything its problem+json needs. `type` slugs are documented in docs/errors.md. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: {
      type?: string;
      errors?: FieldError[];
      headers?: Record<string, string>;
      [key: string]: unknown;
    } = {},
  ) {
    super(detail ?? title);
  }
}

export const validationFailed = (errors: FieldError[]) =>
  new HttpError(400, 'Invalid request', 'One or more fields are invalid.', { type: 'validation', errors });

export const unauthorized = (detail: string) =>
  new HttpError(401, 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer' } });

/**
 * Retry-After of a 429 for USER_MAX_QUEUED. A slot opens only when one of the user's open tasks ends or is
 * cancelled, which the service cannot foresee, so no exact time exists; 10 s is a policy: a client at the limit
 * retries at most six times a minute (each retry one cheap statement), and a slot that opened is used within 10 s.
 */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 10;

/** Maps a domain outcome or an HttpError to the problem it is; anything else is not a client problem. */
export function toProblem(
  error: unknown,
): { problem: ProblemDetails; headers: Record<string, string> } | undefined {
  if (error instanceof HttpError) {
    const { type, headers, ...extensions } = error.extra;
    const problem: ProblemDetails = {
      type: type ? `/problems/${type}` : 'about:blank',
      title: error.title,
      status: error.status,
      ...(error.detail ? { detail: error.detail } : {}),
      ...extensions,
    };
    return { problem, headers: headers ?? {} };
  }
  if (error instanceof NotFoundError)
    return toProblem(new HttpError(404, 'Not Found', `No such ${error.resource}.`));
  if (error instanceof VersionConflictError) {
    return toProblem(
      new HttpError(412, 'Precondition Failed', error.message, {
        type: 'version-conflict',
        current_version: error.currentVersion,
        headers: { etag: etagOf(error.currentVersion) },
      }),
    );
  }
  if (error instanceof IdempotencyMismatchError) {
    return toProblem(
      new HttpError(422, 'Idempotency-Key reused', error.message, { type: 'idempotency-key-reused' }),
    );
  }
  if (error instanceof IdempotencyKeyJobDeletedError) {
    return toProblem(
      new HttpError(409, 'Conflict', error.message, {
        type: 'idempotency-key-job-deleted',
        errors: [{ field: 'header.idempotency-key', message: 'names a deleted job' }],
      }),
    );
  }
  if (error instanceof InvalidWebhookError) {
    return toProblem(validationFailed([{ field: 'body.webhook.url', message: error.message }]));
  }
  if (error instanceof InvalidStateError) {
    return toProblem(new HttpError(409, 'Conflict', error.message, { type: 'invalid-state' }));
  }
  if (error instanceof QueueFullError) {
    return toProblem(
      new HttpError(429, 'Too Many Requests', error.message, {
        type: 'too-many-open-tasks',
        open_tasks: error.openTasks,
        limit: error.limit,
        headers: { 'retry-after': String(QUEUE_FULL_RETRY_AFTER_SECONDS) },
      }),
    );
  }
  if (error instanceof NoticeNotSentError) {
    return toProblem(
      new HttpError(503, 'Service Unavailable', error.message, { headers: { 'retry-after': '5' } }),
    );
  }
  if (error instanceof OutcomeUnknownError) {
    // Sent, perhaps applied, answer lost — and resent as long as that was safe, without an answer.
    return toProblem(
      new HttpError(
        503,
        'Service Unavailable',
        'The database did not confirm the change, which may have been applied: look it up, or repeat the request with the same Idempotency-Key.',
        { type: 'outcome-unknown', headers: { 'retry-after': '5' } },
      ),
    );
  }
  if (error instanceof DatabaseError && error.sqlState === undefined) {
    // The database did not answer (down, resuming from auto-pause, out of connections): retry later.
    return toProblem(
      new HttpError(503, 'Service Unavailable', 'The database is not reachable right now; retry shortly.', {
        headers: { 'retry-after': '5' },
      }),
    );
  }
  return undefined;
}
