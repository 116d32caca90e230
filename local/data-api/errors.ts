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
export const badRequest = (message: string) => new DataApiError('BadRequestException', 400, message);
export const databaseError = (message: string) => new DataApiError('DatabaseErrorException', 400, message);
export const transactionNotFound = (id: string) =>
  new DataApiError('TransactionNotFoundException', 404, `Transaction ${id} isn't found`);
export const unsupportedResult = (message: string) =>
  new DataApiError('UnsupportedResultException', 400, message);
export const resuming = (resourceArn: string) =>
  new DataApiError(
    'DatabaseResumingException',
    400,
    `The Aurora DB instance ${resourceArn} is resuming after being auto-paused. Please wait a few seconds and try again.`,
  );

/** A PostgreSQL error as the Data API words it: the server's message, its detail, then "; SQLState: XXXXX". */
export function fromPostgresError(error: unknown): DataApiError {
  const pgError = error as { message?: string; detail?: string; code?: string };
  const detail = pgError.detail ? `\n  Detail: ${pgError.detail}` : '';
  const state = pgError.code && /^[0-9A-Z]{5}$/.test(pgError.code) ? pgError.code : 'XX000';
  return databaseError(`ERROR: ${pgError.message ?? String(error)}${detail}; SQLState: ${state}`);
}
