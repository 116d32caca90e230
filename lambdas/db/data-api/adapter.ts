import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandOutput,
  type RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import {
  DatabaseError,
  isResponseTooLarge,
  OutcomeUnknownError,
  ResponseTooLargeError,
  sqlStateFromMessage,
} from '../errors.js';
import {
  DATA_API_ANSWER_BYTES,
  type Database,
  type Queryable,
  type QueryResult,
  type Row,
  type SqlStatement,
} from '../port.js';
import { serialized } from '../serial.js';
import { parameterName, toNamedParameters } from './placeholders.js';
import { DEFAULT_RETRY_POLICY, failureMeaning, type RetryPolicy, withRetry } from './retry.js';
import { fromRecords, toSqlParameter } from './values.js';

export interface DataApiOptions {
  client: RDSDataClient;
  resourceArn: string;
  secretArn: string;
  database: string;
  retry?: RetryPolicy;
  /** Told about every retried call (structured logging lives with the caller). */
  onRetry?: (info: { error: Error; attempt: number; delayMs: number }) => void;
}

/**
 * A Data API failure in the port's error shape; SQL errors carry the SQLSTATE parsed from the message. A call that
 * may have run without its answer arriving (`outcomeUnknown`) is an OutcomeUnknownError.
 */
function toDatabaseError(error: unknown, outcomeUnknown: boolean): DatabaseError {
  const err = error as Error;
  if (outcomeUnknown)
    return new OutcomeUnknownError(`outcome unknown: ${err.name}: ${err.message}`, undefined, {
      cause: error,
    });
  if (isResponseTooLarge(err.message))
    return new ResponseTooLargeError(`${err.name}: ${err.message}`, undefined, { cause: error });
  const sqlState = err.name === 'DatabaseErrorException' ? sqlStateFromMessage(err.message) : undefined;
  return new DatabaseError(`${err.name}: ${err.message}`, sqlState, { cause: error });
}

/**
 * The RDS Data API adapter: every statement is one HTTPS call. SQL arrives in `$n` style and leaves with named
 * parameters; results come back as the same row objects the `pg` adapter returns.
 */
export function createDataApiDatabase(options: DataApiOptions): Database {
  const { client, resourceArn, secretArn, database } = options;
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  /**
   * One Data API call, sent again only when that is safe (see retry.ts). Once any attempt's outcome was unknown,
   * so is the call's, unless a later attempt got a definite answer.
   */
  const send = <T>(call: () => Promise<T>, idempotent: boolean): Promise<T> => {
    let unknown = false;
    const attempt = () =>
      call().catch((error: unknown) => {
        if (failureMeaning(error) === 'unknown') unknown = true;
        throw error;
      });
    return withRetry(attempt, policy, { idempotent, onRetry: options.onRetry }).catch((error: unknown) => {
      throw toDatabaseError(error, unknown && failureMeaning(error) !== 'failed');
    });
  };

  async function execute<R extends Row>(
    statement: SqlStatement,
    transactionId?: string,
  ): Promise<QueryResult<R>> {
    const { sql, hints } = toNamedParameters(statement.text);
    const parameters = statement.values.map((value, index) =>
      toSqlParameter(parameterName(index + 1), value, hints.get(index + 1)),
    );
    const output: ExecuteStatementCommandOutput = await send(
      () =>
        client.send(
          new ExecuteStatementCommand({
            resourceArn,
            secretArn,
            database,
            sql,
            parameters,
            transactionId,
            includeResultMetadata: true,
            resultSetOptions: { longReturnType: 'STRING', decimalReturnType: 'STRING' },
          }),
        ),
      // Inside a transaction nothing is resent after an unknown outcome: a timeout has aborted the transaction,
      // and a statement that did run would run twice in it.
      statement.idempotent === true && transactionId === undefined,
    );
    const rows = fromRecords(output.records, output.columnMetadata) as R[];
    return { rows, rowCount: output.records ? rows.length : (output.numberOfRecordsUpdated ?? 0) };
  }

  return {
    query: (statement) => execute(statement),
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      // A BeginTransaction resent after a lost answer leaves an empty transaction behind, which expires unused.
      const { transactionId } = await send(
        () => client.send(new BeginTransactionCommand({ resourceArn, secretArn, database })),
        true,
      );
      const { tx, drained } = serialized((statement) => execute(statement, transactionId));
      try {
        const result = await work(tx);
        await drained();
        // A lost commit answer is an OutcomeUnknownError: the caller looks the outcome up (see the migrator).
        await send(
          () => client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId })),
          false,
        );
        return result;
      } catch (error) {
        await drained();
        await send(
          () => client.send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId })),
          false,
        ).catch(() => {});
        throw error;
      }
    },
    async close() {
      client.destroy();
    },
    answerLimitBytes: DATA_API_ANSWER_BYTES,
  };
}
