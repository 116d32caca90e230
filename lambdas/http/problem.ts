import type { HttpResult } from './response.js';

/** One field at fault in a request: where it is (`body.payload.prompt`, `query.limit`, `header.if-match`) and why. */
export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemDetails {
  /** A URI reference naming the kind of problem; documented in docs/errors.md. */
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** An RFC 9457 problem+json response. */
export function problemResponse(problem: ProblemDetails, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify(problem),
  };
}
