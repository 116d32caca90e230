import { randomBytes } from 'node:crypto';
import type {
  BatchExecuteStatementRequest,
  BeginTransactionRequest,
  CommitTransactionRequest,
  ExecuteStatementRequest,
  ExecuteStatementResponse,
  RollbackTransactionRequest,
} from '@aws-sdk/client-rds-data';
import pg from 'pg';
import { inTransaction } from '../../lambdas/db/pg-adapter.js';
import { splitStatements } from '../../lambdas/db/sql-lexer.js';
import { typeCatalog } from '../../lambdas/sql/admin.js';
import { ColumnCatalog } from './column-catalog.js';
import { columnMetadata } from './column-metadata.js';
import {
  type DataApiError,
  databaseError,
  fromPostgresError,
  resuming,
  transactionAborted,
  transactionNotFound,
  validation,
} from './errors.js';
import { toPositional } from './parameters.js';
import { encodeRecords, formatRecords, type TypeCatalog, type TypeInfo } from './results.js';

export interface DataApiEngineOptions {
  /** The PostgreSQL server behind the endpoint; its database is the default when a call names none. */
  databaseUrl: string;
  /** A transaction unused this long is rolled back (AWS: 3 minutes). */
  transactionTimeoutMs?: number;
  /** Fault injection: the first N calls fail with DatabaseResumingException, as after an auto-pause. */
  resumingCalls?: number;
  /** Open transactions per database; a BeginTransaction beyond waits this long for one to end, then fails. */
  maxTransactions?: number;
  transactionWaitMs?: number;
}

interface OpenTransaction {
  client: pg.PoolClient;
  busy: boolean;
  timer: NodeJS.Timeout;
  /** Set when the connection broke (e.g. its backend was terminated): the transaction is gone. */
  broken?: Error;
  onError: (error: Error) => void;
}

const SQL_LIMIT = 65_536;
const RAW_TEXT = { getTypeParser: () => (value: string) => value };
const DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);
const rethrowAsDataApi = (error: unknown): never => {
  throw fromPostgresError(error);
};

/** The Data API's five operations on top of PostgreSQL. Each behaviour cites the AWS page it follows. */
export class DataApiEngine {
  /**
   * Per database: `pool` for single statements and `transactions` for pinned clients. Apart, so that abandoned
   * transactions (held until they expire) can never starve plain statements.
   */
  private readonly pools = new Map<
    string,
    { pool: pg.Pool; transactions: pg.Pool; types: Promise<TypeCatalog>; columns: ColumnCatalog }
  >();
  private readonly transactions = new Map<string, OpenTransaction>();
  private resumingLeft: number;
  /** Calls received per operation: each is one HTTPS round trip in AWS. */
  readonly calls = { execute: 0, batchExecute: 0, begin: 0, commit: 0, rollback: 0 };
  private readonly timeoutMs: number;

  constructor(private readonly options: DataApiEngineOptions) {
    this.resumingLeft = options.resumingCalls ?? 0;
    this.timeoutMs = options.transactionTimeoutMs ?? 3 * 60_000;
  }

  /** Fault injection for tests: the next `count` calls fail as if the cluster were resuming. */
  injectResuming(count: number): void {
    this.resumingLeft = count;
  }

  private database(name: string | undefined) {
    const url = new URL(this.options.databaseUrl);
    if (name) url.pathname = `/${encodeURIComponent(name)}`;
    const key = url.pathname;
    let entry = this.pools.get(key);
    if (!entry) {
      const pool = new pg.Pool({ connectionString: url.toString(), max: 20, options: '-c timezone=UTC' });
      pool.on('error', () => {});
      const transactions = new pg.Pool({
        connectionString: url.toString(),
        max: this.options.maxTransactions ?? 20,
        connectionTimeoutMillis: this.options.transactionWaitMs ?? 10_000,
        options: '-c timezone=UTC',
      });
      transactions.on('error', () => {});
      const types = pool.query(typeCatalog().text).then(({ rows }) => {
        const map: TypeCatalog = new Map();
        for (const row of rows as { oid: number; name: string; element: string | null }[]) {
          map.set(row.oid, row.element ? { name: row.name, element: row.element } : { name: row.name });
        }
        return map;
      });
      types.catch(() => this.pools.delete(key));
      entry = { pool, transactions, types, columns: new ColumnCatalog() };
      this.pools.set(key, entry);
    }
    return entry;
  }

  private checkCommon(input: { resourceArn?: string; secretArn?: string; schema?: string }): void {
    if (!input.resourceArn) throw validation('resourceArn is required');
    if (!input.secretArn) throw validation('secretArn is required');
    // data-api.troubleshooting: "Schema parameter isn't supported".
    if (input.schema !== undefined) throw validation("The schema parameter isn't supported.");
    if (this.resumingLeft > 0) {
      this.resumingLeft -= 1;
      throw resuming(input.resourceArn);
    }
  }

  private checkSql(sql: string | undefined): string {
    if (!sql) throw validation('sql is required');
    if (sql.length > SQL_LIMIT) throw validation(`SQL statement exceeds the ${SQL_LIMIT} character limit`);
    // data-api.troubleshooting: "Multi-statements aren't supported".
    if (splitStatements(sql).length > 1) throw validation("Multistatements aren't supported.");
    return sql;
  }

  /** Runs `work` on the transaction's pinned connection, refusing a second call while one runs. */
  private async inTransaction<T>(id: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const open = this.transactions.get(id);
    if (!open) throw transactionNotFound(id);
    // data-api.troubleshooting: "DatabaseErrorException: Transaction is still running a query".
    if (open.busy) throw databaseError('Transaction is still running a query');
    open.busy = true;
    clearTimeout(open.timer);
    try {
      return await work(open.client);
    } finally {
      open.busy = false;
      if (open.broken) this.discard(id, open);
      else if (this.transactions.has(id)) open.timer = this.expireLater(id);
    }
  }

  /** Pins a client for a new transaction, listening for its connection to break while it is held. */
  private async open(client: pg.PoolClient): Promise<string> {
    const id = randomBytes(48).toString('base64');
    const open: OpenTransaction = {
      client,
      busy: false,
      timer: this.expireLater(id),
      onError: (error) => {
        open.broken ??= error;
        if (!open.busy) this.discard(id, open);
      },
    };
    client.on('error', open.onError);
    this.transactions.set(id, open);
    return id;
  }

  /** Forgets a transaction whose connection broke; its client is destroyed rather than pooled again. */
  private discard(id: string, open: OpenTransaction): void {
    if (this.transactions.get(id) === open) this.transactions.delete(id);
    clearTimeout(open.timer);
    open.client.off('error', open.onError);
    open.client.release(open.broken ?? true);
  }

  private expireLater(id: string): NodeJS.Timeout {
    return setTimeout(() => void this.finish(id, 'ROLLBACK').catch(() => {}), this.timeoutMs).unref();
  }

  /** Ends the transaction; answers PostgreSQL's command tag, which is ROLLBACK for a COMMIT of a failed one. */
  private async finish(id: string, command: 'COMMIT' | 'ROLLBACK'): Promise<string> {
    const open = this.transactions.get(id);
    if (!open) throw transactionNotFound(id);
    if (open.busy) throw databaseError('Transaction is still running a query');
    this.transactions.delete(id);
    clearTimeout(open.timer);
    try {
      return (await open.client.query(command)).command;
    } catch (error) {
      open.broken ??= error as Error;
      throw error;
    } finally {
      open.client.off('error', open.onError);
      open.client.release(open.broken);
    }
  }

  private async run(client: pg.Pool | pg.PoolClient, text: string, values: unknown[]) {
    try {
      return await client.query({ text, values, types: RAW_TEXT, rowMode: 'array' });
    } catch (error) {
      throw fromPostgresError(error);
    }
  }

  async executeStatement(input: ExecuteStatementRequest): Promise<ExecuteStatementResponse> {
    this.calls.execute += 1;
    this.checkCommon(input);
    const statement = toPositional(this.checkSql(input.sql), input.parameters);
    const { pool, types, columns } = this.database(input.database);
    // The metadata lookup runs on the statement's own connection: a table created in the transaction is visible.
    const runAndDescribe = async (db: pg.Pool | pg.PoolClient) => {
      const result = await this.run(db, statement.text, statement.values);
      if (!input.includeResultMetadata || !result.fields?.length) return { result, tableColumns: [] };
      return { result, tableColumns: await columns.describe(result.fields, db).catch(rethrowAsDataApi) };
    };
    const { result, tableColumns } = input.transactionId
      ? await this.inTransaction(input.transactionId, runAndDescribe)
      : await runAndDescribe(pool);
    const numberOfRecordsUpdated = DML.has(result.command) ? (result.rowCount ?? 0) : 0;
    if (!result.fields?.length) return { numberOfRecordsUpdated, generatedFields: [] };
    const catalog = await types;
    const columnTypes: TypeInfo[] = result.fields.map(
      (f) => catalog.get(f.dataTypeID) ?? { name: 'unknown' },
    );
    const options = input.resultSetOptions ?? {};
    const records = encodeRecords(result.rows as (string | null)[][], columnTypes, options);
    const metadata = input.includeResultMetadata
      ? { columnMetadata: columnMetadata(result.fields, columnTypes, tableColumns) }
      : {};
    if (input.formatRecordsAs === 'JSON') {
      return { formattedRecords: formatRecords(records, result.fields), numberOfRecordsUpdated, ...metadata };
    }
    return { records, numberOfRecordsUpdated, generatedFields: [], ...metadata };
  }

  /** One statement, many parameter sets; atomic when no transaction is given. */
  async batchExecuteStatement(input: BatchExecuteStatementRequest) {
    this.calls.batchExecute += 1;
    this.checkCommon(input);
    const sql = this.checkSql(input.sql);
    const sets = input.parameterSets?.length ? input.parameterSets : [[]];
    const statements = sets.map((parameters) => toPositional(sql, parameters));
    const runAll = async (client: pg.PoolClient) => {
      for (const statement of statements) await this.run(client, statement.text, statement.values);
      return { updateResults: statements.map(() => ({ generatedFields: [] })) };
    };
    if (input.transactionId) return this.inTransaction(input.transactionId, runAll);
    const client = await this.database(input.database).pool.connect().catch(rethrowAsDataApi);
    return inTransaction(client, () => runAll(client));
  }

  async beginTransaction(input: BeginTransactionRequest) {
    this.calls.begin += 1;
    this.checkCommon(input);
    const client = await this.database(input.database).transactions.connect().catch(rethrowAsDataApi);
    const transactionId = await this.open(client);
    await this.inTransaction(transactionId, (pinned) => pinned.query('BEGIN')).catch((error: unknown) => {
      // A failed BEGIN must not keep its client: the transaction never existed.
      const open = this.transactions.get(transactionId);
      if (open) {
        open.broken ??= error as Error;
        this.discard(transactionId, open);
      }
      throw (error as DataApiError).errorType ? error : fromPostgresError(error);
    });
    return { transactionId };
  }

  async commitTransaction(input: CommitTransactionRequest) {
    this.calls.commit += 1;
    this.checkCommon(input);
    const id = input.transactionId ?? '';
    const outcome = await this.finish(id, 'COMMIT').catch((error: unknown) => {
      throw (error as DataApiError).errorType ? error : fromPostgresError(error);
    });
    // A statement failed inside it, so PostgreSQL rolled it back instead: never answer "Transaction Committed"
    // then. data-api.troubleshooting lists "aborted due to an error from a previous call" as a cause of
    // "Transaction <id> isn't found" (docs/data-api-endpoint.md, "Commit after a failed statement").
    if (outcome === 'ROLLBACK') throw transactionAborted(id);
    return { transactionStatus: 'Transaction Committed' };
  }

  async rollbackTransaction(input: RollbackTransactionRequest) {
    this.calls.rollback += 1;
    this.checkCommon(input);
    await this.finish(input.transactionId ?? '', 'ROLLBACK');
    return { transactionStatus: 'Rollback Complete' };
  }

  async close(): Promise<void> {
    for (const id of [...this.transactions.keys()]) await this.finish(id, 'ROLLBACK').catch(() => {});
    await Promise.all(
      [...this.pools.values()].flatMap(({ pool, transactions }) => [pool.end(), transactions.end()]),
    );
    this.pools.clear();
  }
}
