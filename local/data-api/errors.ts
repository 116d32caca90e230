/**
 * An error the way the Data API sends it: an HTTP status, the exception name in `x-amzn-errortype` (which the
 * AWS SDK turns into the modelled exception class) and a message. Status codes follow the SDK's error models.
 */
export class DataApiError extends Error {
  constructor(
    readonly errorType: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const validation = (message: string) => new DataApiError('ValidationException', 400, message);
export const databaseError = (message: string) => new DataApiError('DatabaseErrorException', 400, message);
export const transactionNotFound = (id: string) =>
  new DataApiError('TransactionNotFoundException', 404, `Transaction ${id} isn't found`);
/** data-api.troubleshooting: the cause is appended to "Transaction <id> isn't found"; this wording is ours. */
export const transactionAborted = (id: string) =>
  new DataApiError(
    'TransactionNotFoundException',
    404,
    `Transaction ${id} isn't found: it was aborted due to an error from a previous call`,
  );
export const unsupportedResult = (message: string) =>
  new DataApiError('UnsupportedResultException', 400, message);
export const resuming = (resourceArn: string) =>
  new DataApiError(
    'DatabaseResumingException',
    400,
    `The Aurora DB instance ${resourceArn} is resuming after being auto-paused. Please wait a few seconds and try again.`,
  );

/**
 * A PostgreSQL error as the Data API words it — PgJDBC's rendering of the server's error: the message, then
 * "\n  Detail: …" and "\n  Hint: …" when the server sent them, then "; SQLState: XXXXX" (AWS answers e.g.
 * "ERROR: column \"id\" is of type uuid but expression is of type character varying\n  Hint: You will need to
 * rewrite or cast the expression.", quoted in drizzle-orm issue #330).
 */
export function fromPostgresError(error: unknown): DataApiError {
  const pgError = error as { message?: string; detail?: string; hint?: string; code?: string };
  const detail = pgError.detail ? `\n  Detail: ${pgError.detail}` : '';
  const hint = pgError.hint ? `\n  Hint: ${pgError.hint}` : '';
  const state = pgError.code && /^[0-9A-Z]{5}$/.test(pgError.code) ? pgError.code : 'XX000';
  return databaseError(`ERROR: ${pgError.message ?? String(error)}${detail}${hint}; SQLState: ${state}`);
}
