import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  type RDSDataClient,
  RollbackTransactionCommand,
  TransactionNotFoundException,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataApiClient } from '../../lambdas/db/index.js';
import { type LocalDataApi, startLocalDataApi } from '../../local/data-api/server.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { CLUSTER_ARN, SECRET_ARN } from '../support/drivers.js';

/**
 * What third-party clients (drizzle-orm, kysely-data-api) found different from AWS: parameter names that start
 * with a digit, the error's Hint line, column metadata, and a commit after a failed statement.
 */
let test: TestDatabase;
let api: LocalDataApi;
let client: RDSDataClient;
const arns = { resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN };

beforeAll(async () => {
  test = await freshDatabase();
  api = await startLocalDataApi({ databaseUrl: test.url });
  client = createDataApiClient(api.endpoint);
  await execute({
    sql: `CREATE TABLE fidelity (id serial PRIMARY KEY, code varchar(20) NOT NULL UNIQUE, amount numeric(10, 2),
            note text, made_at timestamptz(3) NOT NULL DEFAULT now())`,
  });
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

describe('local Data API endpoint, as third-party clients use it', () => {
  it('takes parameter names that start with a digit: :0, :1, … :10 (API_SqlParameter sets no pattern)', async () => {
    const parameters = Array.from({ length: 11 }, (_, n) => ({ name: `${n}`, value: { longValue: n * 10 } }));
    const output = await execute({ sql: 'SELECT :0 AS a, :1 AS b, :10 AS c, :1 + :10 AS d', parameters });
    expect(output.records?.[0]).toEqual([
      { longValue: 0 },
      { longValue: 10 },
      { longValue: 100 },
      { longValue: 110 },
    ]);
    const missing = await failure(
      execute({ sql: 'SELECT :2', parameters: [{ name: '1', value: { longValue: 1 } }] }),
    );
    expect(missing.message).toBe('No value specified for parameter: 2');
  });

  it("keeps PostgreSQL's Hint line in a database error", async () => {
    const error = await failure(
      execute({ sql: 'SELECT 1 WHERE now() = :t', parameters: [{ name: 't', value: { longValue: 1 } }] }),
    );
    expect(error.name).toBe('DatabaseErrorException');
    expect(error.message).toBe(
      'ERROR: operator does not exist: timestamp with time zone = bigint\n' +
        '  Hint: No operator matches the given name and argument types. You might need to add explicit type casts.' +
        '; SQLState: 42883',
    );
  });

  it('fills column metadata from the catalog: table name, nullability, precision and scale', async () => {
    await execute({ sql: "INSERT INTO fidelity (code, amount) VALUES ('m1', 1.5)" });
    const output = await execute({
      sql: 'SELECT id, code, amount, note, made_at, amount * 2 AS doubled, ARRAY[1, 2] AS pair FROM fidelity',
      includeResultMetadata: true,
    });
    const metadata = output.columnMetadata?.map(
      ({ name, tableName, nullable, precision, scale, isAutoIncrement }) => ({
        name,
        tableName,
        nullable,
        precision,
        scale,
        isAutoIncrement,
      }),
    );
    expect(metadata).toEqual([
      { name: 'id', tableName: 'fidelity', nullable: 0, precision: 10, scale: 0, isAutoIncrement: true },
      { name: 'code', tableName: 'fidelity', nullable: 0, precision: 20, scale: 0, isAutoIncrement: false },
      { name: 'amount', tableName: 'fidelity', nullable: 1, precision: 10, scale: 2, isAutoIncrement: false },
      {
        name: 'note',
        tableName: 'fidelity',
        nullable: 1,
        precision: 2_147_483_647,
        scale: 0,
        isAutoIncrement: false,
      },
      {
        name: 'made_at',
        tableName: 'fidelity',
        nullable: 0,
        precision: 32,
        scale: 3,
        isAutoIncrement: false,
      },
      { name: 'doubled', tableName: '', nullable: 1, precision: 0, scale: 0, isAutoIncrement: false },
      { name: 'pair', tableName: '', nullable: 1, precision: 10, scale: 0, isAutoIncrement: false },
    ]);
    // Signedness and case sensitivity follow PgJDBC's TypeInfoCache; an int4[] answers as int4.
    expect(
      output.columnMetadata?.map(({ isSigned, isCaseSensitive }) => [isSigned, isCaseSensitive]),
    ).toEqual([
      [true, false],
      [false, true],
      [true, false],
      [false, true],
      [false, false],
      [true, false],
      [true, false],
    ]);
    // The second time, the table's columns come from the endpoint's cache: the same answer.
    const again = await execute({ sql: 'SELECT note, code FROM fidelity', includeResultMetadata: true });
    expect(again.columnMetadata?.map(({ tableName, nullable }) => [tableName, nullable])).toEqual([
      ['fidelity', 1],
      ['fidelity', 0],
    ]);
  });

  it('describes the columns of a table created in the still open transaction', async () => {
    const { transactionId } = await client.send(
      new BeginTransactionCommand({ ...arns, database: test.name }),
    );
    await execute({ sql: 'CREATE TABLE fidelity_in_tx (k int NOT NULL, v text)', transactionId });
    const output = await execute({
      sql: 'SELECT k, v FROM fidelity_in_tx',
      transactionId,
      includeResultMetadata: true,
    });
    expect(output.columnMetadata?.map(({ tableName, nullable }) => [tableName, nullable])).toEqual([
      ['fidelity_in_tx', 0],
      ['fidelity_in_tx', 1],
    ]);
    await client.send(new RollbackTransactionCommand({ ...arns, transactionId }));
  });

  it('refuses to commit a transaction PostgreSQL rolled back after a failed statement', async () => {
    const { transactionId } = await client.send(
      new BeginTransactionCommand({ ...arns, database: test.name }),
    );
    await execute({ sql: "INSERT INTO fidelity (code) VALUES ('aborted-1')", transactionId });
    const failed = await failure(
      execute({ sql: "INSERT INTO fidelity (code) VALUES ('m1')", transactionId }),
    );
    expect(failed.name).toBe('DatabaseErrorException');
    const commit = await failure(client.send(new CommitTransactionCommand({ ...arns, transactionId })));
    expect(commit).toBeInstanceOf(TransactionNotFoundException);
    expect(commit.message).toBe(
      `Transaction ${transactionId} isn't found: it was aborted due to an error from a previous call`,
    );
    const rows = await execute({ sql: "SELECT code FROM fidelity WHERE code = 'aborted-1'" });
    expect(rows.records).toEqual([]);
  });

  it('commits a transaction whose failed statement was undone by a savepoint (drizzle nested transactions)', async () => {
    const { transactionId } = await client.send(
      new BeginTransactionCommand({ ...arns, database: test.name }),
    );
    await execute({ sql: "INSERT INTO fidelity (code) VALUES ('kept-1')", transactionId });
    await execute({ sql: 'SAVEPOINT sp1', transactionId });
    await failure(execute({ sql: "INSERT INTO fidelity (code) VALUES ('m1')", transactionId }));
    await execute({ sql: 'ROLLBACK TO SAVEPOINT sp1', transactionId });
    const commit = await client.send(new CommitTransactionCommand({ ...arns, transactionId }));
    expect(commit.transactionStatus).toBe('Transaction Committed');
    const rows = await execute({ sql: "SELECT code FROM fidelity WHERE code = 'kept-1'" });
    expect(rows.records).toEqual([[{ stringValue: 'kept-1' }]]);
  });

  it('rolls back a transaction after a failed statement as usual', async () => {
    const { transactionId } = await client.send(
      new BeginTransactionCommand({ ...arns, database: test.name }),
    );
    await failure(execute({ sql: "INSERT INTO fidelity (code) VALUES ('m1')", transactionId }));
    const rollback = await client.send(new RollbackTransactionCommand({ ...arns, transactionId }));
    expect(rollback.transactionStatus).toBe('Rollback Complete');
  });
});
