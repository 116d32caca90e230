import pg from 'pg';
import { DatabaseError } from './errors.js';
import type { Database, Queryable, QueryResult, Row, SqlStatement } from './port.js';
import { serialized } from './serial.js';

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    return error.errors.map((inner: Error) => inner.message).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** A driver error as a DatabaseError carrying the SQLSTATE. */
function toDatabaseError(error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const code = (error as { code?: unknown }).code;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  return new DatabaseError(describe(error), sqlState, { cause: error });
}

const names = new Map<string, string>();
const MAX_PREPARED = 1000;

/**
 * A statement with parameters is prepared once per connection under a name derived from its text, so PostgreSQL
 * parses and plans it once rather than on every call (the hot claim and completion statements spent about a fifth
 * of their time planning). Statements without parameters (migrations: several statements in one text, which the
 * extended protocol cannot prepare) go as simple queries.
 */
function preparedName(text: string): string | undefined {
  let name = names.get(text);
  if (!name) {
    // Texts built from a request's filters come in a few dozen shapes; past this many, something generates them.
    if (names.size >= MAX_PREPARED) return undefined;
    name = `bgjobs_${names.size}`;
    names.set(text, name);
  }
  return name;
}

/** Runs a statement; a driver error becomes a DatabaseError. */
async function run<R extends Row>(client: pg.Pool | pg.PoolClient, statement: SqlStatement) {
  try {
    const result = await client.query<R>(
      statement.values.length > 0
        ? { name: preparedName(statement.text), text: statement.text, values: statement.values as unknown[] }
        : { text: statement.text },
    );
    return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
  } catch (error) {
    throw toDatabaseError(error);
  }
}

/**
 * BEGIN, `work`, COMMIT — or ROLLBACK on throw — on one pooled client, which is released either way. While pinned,
 * the client has no pool listener: a backend that dies mid-transaction would emit an unhandled 'error' and crash
 * the process, so one is attached here. A client whose connection broke (or whose BEGIN or ROLLBACK failed) is
 * destroyed on release instead of going back to the pool.
 */
export async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on('error', onError);
  let begun = false;
  try {
    await client.query('BEGIN');
    begun = true;
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (!begun) broken ??= error as Error;
    else if (!broken)
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken ??= rollbackError;
      });
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

export interface PgDatabaseOptions {
  connectionString: string;
  maxConnections?: number;
}

/** The `pg` adapter: a Pool; transactions pin one pooled client. Sessions run in UTC like the Data API. */
export function createPgDatabase(options: PgDatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    options: '-c timezone=UTC',
  });
  // An idle client's error (e.g. the server restarting) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    query: <R extends Row>(statement: SqlStatement): Promise<QueryResult<R>> => run<R>(pool, statement),
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect().catch((error: Error) => {
        throw new DatabaseError(describe(error), undefined, { cause: error });
      });
      // BEGIN and COMMIT fail as DatabaseErrors too; what `work` throws passes through as it is.
      let failed: unknown;
      return inTransaction(client, () => {
        const { tx, drained } = serialized((statement) => run(client, statement));
        return work(tx)
          .catch((error: unknown) => {
            failed = error;
            throw error;
          })
          .finally(drained);
      }).catch((error: unknown) => {
        throw error === failed ? error : toDatabaseError(error);
      });
    },
    close: () => pool.end(),
    // node-postgres streams any answer size.
    answerLimitBytes: Number.POSITIVE_INFINITY,
  };
}
