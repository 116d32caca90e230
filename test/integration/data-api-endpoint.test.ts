import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  type RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataApiClient } from '../../lambdas/db/index.js';
import { type LocalDataApi, startLocalDataApi } from '../../local/data-api/server.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { CLUSTER_ARN, SECRET_ARN } from '../support/drivers.js';

/** Each documented Data API behaviour, through the real @aws-sdk/client-rds-data client. */
let test: TestDatabase;
let api: LocalDataApi;
let client: RDSDataClient;
const arns = { resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN };

beforeAll(async () => {
  test = await freshDatabase();
  api = await startLocalDataApi({ databaseUrl: test.url, transactionTimeoutMs: 300 });
  client = createDataApiClient(api.endpoint);
});
afterAll(async () => {
  client.destroy();
  await api.close();
  await test.drop();
});

const execute = (input: Omit<ExecuteStatementCommandInput, 'resourceArn' | 'secretArn'>) =>
  client.send(new ExecuteStatementCommand({ ...arns, database: test.name, ...input }));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => new Error('expected a failure'),
    (e: Error) => e,
  );
const USER = '0d9b8f3e-4a51-4c1e-8e0f-6b7f5c2d1a00';

describe('local Data API endpoint', () => {
  it('binds named parameters and typeHints (API_SqlParameter)', async () => {
    const output = await execute({
      sql: 'SELECT :id AS id, :doc AS doc, :at AS at, :n AS n, :ok AS ok, :none AS none, :price AS price',
      parameters: [
        { name: 'id', value: { stringValue: USER }, typeHint: 'UUID' },
        { name: 'doc', value: { stringValue: '{"a":1}' }, typeHint: 'JSON' },
        { name: 'at', value: { stringValue: '2026-01-02 03:04:05.678' }, typeHint: 'TIMESTAMP' },
        { name: 'n', value: { longValue: 7 } },
        { name: 'ok', value: { booleanValue: true } },
        { name: 'none', value: { isNull: true } },
        { name: 'price', value: { stringValue: '1.50' }, typeHint: 'DECIMAL' },
      ],
      includeResultMetadata: true,
    });
    expect(output.records?.[0]).toEqual([
      { stringValue: USER },
      { stringValue: '{"a":1}' },
      { stringValue: '2026-01-02 03:04:05.678' },
      { longValue: 7 },
      { booleanValue: true },
      { isNull: true },
      { stringValue: '1.50' },
    ]);
    expect(output.columnMetadata?.map((column) => column.typeName)).toEqual([
      'uuid',
      'json',
      'timestamp',
      'int8',
      'bool',
      'text',
      'numeric',
    ]);
  });

  it('compares uuid with an unhinted string as AWS does: operator does not exist: uuid = text', async () => {
    await execute({ sql: `INSERT INTO jobs (id, user_id, job_type) VALUES ('${USER}', '${USER}', 'echo')` });
    const error = await failure(
      execute({
        sql: 'SELECT id FROM jobs WHERE id = :id',
        parameters: [{ name: 'id', value: { stringValue: USER } }],
      }),
    );
    expect(error.name).toBe('DatabaseErrorException');
    expect(error.message).toMatch(/operator does not exist: uuid = text.*; SQLState: 42883$/s);
    const hinted = await execute({
      sql: 'SELECT id FROM jobs WHERE id = :id',
      parameters: [{ name: 'id', value: { stringValue: USER }, typeHint: 'UUID' }],
    });
    expect(hinted.records).toHaveLength(1);
  });

  it('rejects a TIMESTAMP in ISO form (no T, no Z allowed)', async () => {
    const error = await failure(
      execute({
        sql: 'SELECT :at AS at',
        parameters: [{ name: 'at', value: { stringValue: '2026-01-02T03:04:05Z' }, typeHint: 'TIMESTAMP' }],
      }),
    );
    expect(error.name).toBe('ValidationException');
  });

  it('returns formattedRecords for formatRecordsAs JSON, and refuses duplicate column names there', async () => {
    const output = await execute({
      sql: `SELECT 1 AS a, 'x' AS b, 9007199254740993::bigint AS c`,
      formatRecordsAs: 'JSON',
    });
    expect(output.records).toBeUndefined();
    expect(JSON.parse(output.formattedRecords ?? '')).toEqual([{ a: 1, b: 'x', c: 9007199254740992 }]);
    const error = await failure(execute({ sql: 'SELECT 1 AS a, 2 AS a', formatRecordsAs: 'JSON' }));
    expect(error.name).toBe('DatabaseErrorException');
  });

  it('honours longReturnType STRING (no precision loss above 2^53)', async () => {
    const output = await execute({
      sql: 'SELECT 9007199254740993::bigint AS c',
      resultSetOptions: { longReturnType: 'STRING' },
    });
    expect(output.records?.[0]).toEqual([{ stringValue: '9007199254740993' }]);
  });

  it('reports numberOfRecordsUpdated for DML', async () => {
    const output = await execute({ sql: `UPDATE jobs SET priority = 5 WHERE user_id = '${USER}'` });
    expect(output.numberOfRecordsUpdated).toBe(1);
    expect(output.records).toBeUndefined();
  });

  it('refuses more than one statement per call', async () => {
    const error = await failure(execute({ sql: 'SELECT 1; SELECT 2' }));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe("Multistatements aren't supported.");
    expect((await execute({ sql: "SELECT 'a;b' AS s;" })).records).toHaveLength(1);
  });

  it('refuses the schema parameter', async () => {
    const error = await failure(execute({ sql: 'SELECT 1', schema: 'public' }));
    expect(error.name).toBe('ValidationException');
  });

  it('reports SQL errors as DatabaseErrorException ending in "; SQLState: XXXXX"', async () => {
    const error = await failure(execute({ sql: 'SELECT * FROM no_such_table' }));
    expect(error.name).toBe('DatabaseErrorException');
    expect(error.message).toMatch(/relation "no_such_table" does not exist; SQLState: 42P01$/);
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(400);
  });

  it('selects the database with the database parameter', async () => {
    const here = await execute({ sql: 'SELECT current_database() AS d' });
    expect(here.records?.[0]?.[0]).toEqual({ stringValue: test.name });
    const other = await client.send(
      new ExecuteStatementCommand({ ...arns, database: 'postgres', sql: 'SELECT current_database()' }),
    );
    expect(other.records?.[0]?.[0]).toEqual({ stringValue: 'postgres' });
  });

  it('pins one connection per transaction; commit keeps, rollback discards', async () => {
    const begin = () => client.send(new BeginTransactionCommand({ ...arns, database: test.name }));
    const { transactionId } = await begin();
    const pid = async () =>
      (await execute({ sql: 'SELECT pg_backend_pid()', transactionId })).records?.[0]?.[0]?.longValue;
    expect(await pid()).toBe(await pid());
    await execute({
      sql: `INSERT INTO jobs (user_id, job_type) VALUES ('${USER}', 'committed')`,
      transactionId,
    });
    expect(await client.send(new CommitTransactionCommand({ ...arns, transactionId }))).toMatchObject({
      transactionStatus: 'Transaction Committed',
    });
    const second = await begin();
    await execute({
      sql: `INSERT INTO jobs (user_id, job_type) VALUES ('${USER}', 'rolled')`,
      transactionId: second.transactionId,
    });
    expect(
      await client.send(new RollbackTransactionCommand({ ...arns, transactionId: second.transactionId })),
    ).toMatchObject({ transactionStatus: 'Rollback Complete' });
    const kept = await execute({
      sql: "SELECT job_type FROM jobs WHERE job_type IN ('committed', 'rolled')",
    });
    expect(kept.records).toEqual([[{ stringValue: 'committed' }]]);
  });

  it('fails a second call on a transaction while one is running', async () => {
    const { transactionId } = await client.send(
      new BeginTransactionCommand({ ...arns, database: test.name }),
    );
    const results = await Promise.allSettled([
      execute({ sql: 'SELECT pg_sleep(0.2)', transactionId }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
        execute({ sql: 'SELECT 1', transactionId }),
      ),
    ]);
    expect(results[0]?.status).toBe('fulfilled');
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: { message: 'Transaction is still running a query' },
    });
    await client.send(new RollbackTransactionCommand({ ...arns, transactionId }));
  });

  it('expires a transaction left unused, rolling it back', async () => {
    const { transactionId } = await client.send(
      new BeginTransactionCommand({ ...arns, database: test.name }),
    );
    await execute({
      sql: `INSERT INTO jobs (user_id, job_type) VALUES ('${USER}', 'expired')`,
      transactionId,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const error = await failure(execute({ sql: 'SELECT 1', transactionId }));
    expect(error.name).toBe('TransactionNotFoundException');
    expect(error.message).toBe(`Transaction ${transactionId} isn't found`);
    expect((await execute({ sql: "SELECT 1 FROM jobs WHERE job_type = 'expired'" })).records).toEqual([]);
  });

  it('fails a response over 1 MiB and a row over 64 KB', async () => {
    const big = await failure(execute({ sql: "SELECT repeat('x', 60000) FROM generate_series(1, 20)" }));
    expect(big.message).toBe('Database response exceeded size limit');
    const wide = await failure(execute({ sql: "SELECT repeat('x', 70000)" }));
    expect(wide.message).toBe('Packet for query is too large.');
  });

  it('refuses result types it cannot return', async () => {
    const money = await failure(execute({ sql: 'SELECT 1::money' }));
    expect(money.name).toBe('UnsupportedResultException');
    const matrix = await failure(execute({ sql: 'SELECT ARRAY[[1,2],[3,4]]' }));
    expect(matrix.name).toBe('UnsupportedResultException');
  });

  it('runs BatchExecuteStatement once per parameter set, atomically', async () => {
    const output = await client.send(
      new BatchExecuteStatementCommand({
        ...arns,
        database: test.name,
        sql: `INSERT INTO jobs (user_id, job_type) VALUES (:u, :t)`,
        parameterSets: ['b1', 'b2', 'b3'].map((t) => [
          { name: 'u', value: { stringValue: USER }, typeHint: 'UUID' as const },
          { name: 't', value: { stringValue: t } },
        ]),
      }),
    );
    expect(output.updateResults).toHaveLength(3);
    expect((await execute({ sql: "SELECT 1 FROM jobs WHERE job_type LIKE 'b_'" })).records).toHaveLength(3);
  });

  it('can fail the first N calls with DatabaseResumingException (auto-pause)', async () => {
    api.engine.injectResuming(1);
    const error = await failure(execute({ sql: 'SELECT 1' }));
    expect(error.name).toBe('DatabaseResumingException');
    expect(error.message).toContain('is resuming after being auto-paused');
    expect((await execute({ sql: 'SELECT 1' })).records).toHaveLength(1);
  });

  it('counts calls by operation, for tests that assert traffic', async () => {
    api.resetCalls();
    await execute({ sql: 'SELECT 1' });
    const { transactionId } = await client.send(
      new BeginTransactionCommand({ ...arns, database: test.name }),
    );
    await client.send(new RollbackTransactionCommand({ ...arns, transactionId }));
    expect(api.calls).toEqual({ Execute: 1, BeginTransaction: 1, RollbackTransaction: 1 });
  });
});
