/** A database error in one shape for both adapters: the SQLSTATE decides what it means. */
export class DatabaseError extends Error {
  override readonly name: string = 'DatabaseError';
  constructor(
    message: string,
    /** The five-character SQLSTATE, or undefined when the failure was not the database's answer. */
    readonly sqlState: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** SQLSTATEs the domain reacts to (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const SqlState = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  invalidTextRepresentation: '22P02',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  undefinedTable: '42P01',
} as const;

/** The Data API reports SQL errors as text ending in "; SQLState: 23505". */
export function sqlStateFromMessage(message: string): string | undefined {
  return /SQLState:\s*([0-9A-Z]{5})\s*$/.exec(message)?.[1];
}

/**
 * The Data API refused to return a result larger than 1 MiB ("Database response exceeded size limit"). Not a
 * fault of the query: the caller can ask for fewer rows.
 */
export class ResponseTooLargeError extends DatabaseError {
  override readonly name: string = 'ResponseTooLargeError';
}

export const isResponseTooLarge = (message: string) => /response exceeded size limit/i.test(message);

/**
 * What a log may say about a failure. A database error's message and its `Detail:` line can quote row values
 * (`Key (x)=(…) already exists`, `invalid input syntax for type uuid: "…"`), so only its SQLSTATE and the
 * constraint it names are kept. Other errors are the code's own and keep their message.
 */
export function loggableError(error: unknown): Record<string, string> {
  if (error instanceof DatabaseError) {
    const fromDriver = (error.cause as { constraint?: unknown } | undefined)?.constraint;
    const constraint =
      typeof fromDriver === 'string' ? fromDriver : /constraint "([^"\n]{1,128})"/.exec(error.message)?.[1];
    return {
      error: error.name,
      sql_state: error.sqlState ?? 'none',
      ...(constraint ? { constraint } : {}),
    };
  }
  return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/**
 * A call whose outcome is unknown: it was sent and may have run — and committed — but its answer was lost (an
 * HTTP 5xx, a statement timeout, a connection reset after sending). Sent again only when the statement is declared
 * safe to repeat; otherwise the caller must look the outcome up or report it unknown.
 */
export class OutcomeUnknownError extends DatabaseError {
  override readonly name: string = 'OutcomeUnknownError';
}
