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

/** Runs a statement and turns a driver error into a DatabaseError carrying the SQLSTATE. */
async function run<R extends Row>(client: pg.Pool | pg.PoolClient, statement: SqlStatement) {
  try {
    const result = await client.query<R>(statement.text, statement.values as unknown[]);
    return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
    throw new DatabaseError(describe(error), sqlState, { cause: error });
  }
}

/** BEGIN, `work`, COMMIT — or ROLLBACK on throw — on one pooled client, which is released either way. */
export async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  try {
    await client.query('BEGIN');
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
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
      return inTransaction(client, () => {
        const { tx, drained } = serialized((statement) => run(client, statement));
        return work(tx).finally(drained);
      });
    },
    close: () => pool.end(),
  };
}
