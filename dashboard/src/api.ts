/** The API's shapes, as docs/openapi.json declares them (only the fields the page reads). */
export type Status = 'created' | 'processing' | 'completed' | 'failed' | 'cancelled';
export const STATUSES: readonly Status[] = ['created', 'processing', 'completed', 'failed', 'cancelled'];

export type Schedule =
  | { type: 'manual' }
  | { type: 'cron'; expression: string; timezone: string }
  | { type: 'timedelta'; seconds: number };

export interface Job {
  id: string;
  status: Status;
  job_type: string;
  payload: Record<string, unknown>;
  schedule_interval: Schedule;
  max_retries: number;
  priority: number;
  timeout_seconds: number;
  next_run_at: string | null;
  schedule_error: string | null;
  created_at: string;
}

export interface Task {
  id: string;
  job_id: string;
  status: Status;
  attempt: number;
  run_at: string;
  started_at: string | null;
  finished_at: string | null;
  last_error: string | null;
  result: string | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Stats {
  window_seconds: number;
  bucket_seconds: number;
  buckets: { start: string; completed: number; failed: number; cancelled: number }[];
  counts: Record<Status, number>;
}

export interface FieldError {
  field: string;
  message: string;
}

/** An API answer that is not a success, turned into words a person can read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors: FieldError[] = [],
  ) {
    super(message);
  }
}

/** The token was refused (expired, or not one this API accepts): the page goes back to sign-in. */
export class SignedOutError extends ApiError {}

/**
 * A problem+json body (RFC 9457) → a sentence; API Gateway's own `{"message": "..."}` answers too. Anything else
 * becomes the HTTP status, never raw JSON.
 */
export function problemMessage(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const { title, detail, message } = body as { title?: unknown; detail?: unknown; message?: unknown };
    if (typeof title === 'string' && typeof detail === 'string') return `${title}: ${detail}`;
    if (typeof title === 'string') return title;
    if (typeof message === 'string') return message;
  }
  return `The API answered HTTP ${status}.`;
}

export interface Api {
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function createApi(base: string, token: string, onSignedOut: (error: SignedOutError) => void): Api {
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch {
        throw new ApiError(0, 'The API cannot be reached. Is the service running?');
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      if (response.status === 401) {
        const error = new SignedOutError(
          401,
          'Your session has ended: the token expired or is not accepted. Sign in again.',
        );
        onSignedOut(error);
        throw error;
      }
      if (!response.ok) {
        const errors = (parsed as { errors?: unknown } | undefined)?.errors;
        throw new ApiError(
          response.status,
          problemMessage(response.status, parsed),
          Array.isArray(errors) ? (errors as FieldError[]) : [],
        );
      }
      return parsed as T;
    },
  };
}
