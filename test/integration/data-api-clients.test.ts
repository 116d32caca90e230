import { DatabaseErrorException, RDSData, type RDSDataClient } from '@aws-sdk/client-rds-data';
import { sql as drizzleSql, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/aws-data-api/pg';
import { integer, jsonb, numeric, pgTable, serial, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { type Generated, Kysely, sql } from 'kysely';
import { DataApiDialect } from 'kysely-data-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataApiClient } from '../../lambdas/db/index.js';
import { type LocalDataApi, startLocalDataApi } from '../../local/data-api/server.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { CLUSTER_ARN, SECRET_ARN } from '../support/drivers.js';

/**
 * The two most used TypeScript Data API clients, run through the real AWS SDK against the local endpoint: what
 * they send (parameters named `:1`… and `:0`…, typeHints, transactions) and what they read back (records,
 * columnMetadata) must work as it does in AWS. docs/data-api-endpoint.md, "Third-party clients".
 */
let test: TestDatabase;
let api: LocalDataApi;
let client: RDSDataClient;
let aggregated: RDSData;

const widgets = pgTable('client_widgets', {
  serial: serial('serial').primaryKey(),
  id: uuid('id').notNull().unique(),
  name: text('name').notNull().unique(),
  doc: jsonb('doc').$type<{ colour: string; sizes: number[] }>(),
  madeAt: timestamp('made_at', { withTimezone: true, mode: 'date' }),
  price: numeric('price', { precision: 10, scale: 2 }),
  tags: text('tags').array(),
  counts: integer('counts').array(),
});

interface KyselyDatabase {
  client_widgets: {
    serial: Generated<number>;
    id: string;
    name: string;
    doc: unknown;
    made_at: Date | null;
    price: string | null;
    tags: string[] | null;
    counts: number[] | null;
  };
}

const ID = ['0d9b8f3e-4a51-4c1e-8e0f-6b7f5c2d1a01', '0d9b8f3e-4a51-4c1e-8e0f-6b7f5c2d1a02'] as const;
const AT = new Date('2026-03-04T05:06:07.890Z');

beforeAll(async () => {
  test = await freshDatabase();
  api = await startLocalDataApi({ databaseUrl: test.url });
  client = createDataApiClient(api.endpoint);
  aggregated = new RDSData({
    endpoint: api.endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await drizzleDb().execute(
    drizzleSql.raw(`CREATE TABLE client_widgets (
      serial serial PRIMARY KEY, id uuid NOT NULL UNIQUE, name text NOT NULL UNIQUE, doc jsonb,
      made_at timestamptz, price numeric(10, 2), tags text[], counts integer[])`),
  );
});
afterAll(async () => {
  client.destroy();
  aggregated.destroy();
  await api.close();
  await test.drop();
});

const drizzleDb = () =>
  drizzle(client, { resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN, database: test.name });
const kyselyDb = () =>
  new Kysely<KyselyDatabase>({
    dialect: new DataApiDialect({
      mode: 'postgres',
      driver: { client: aggregated, database: test.name, resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN },
    }),
  });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => new Error('expected a failure'),
    (e: Error) => e,
  );
/** drizzle wraps a failed query in DrizzleQueryError; the SDK's exception is its cause. */
const sdkError = (error: Error) => (error.cause instanceof Error ? error.cause : error);

describe('drizzle-orm aws-data-api/pg against the local endpoint', () => {
  const db = () => drizzleDb();

  it('inserts and reads uuid, jsonb, timestamptz, numeric and arrays (parameters :1, :2, …)', async () => {
    const [inserted] = await db()
      .insert(widgets)
      .values({
        id: ID[0],
        name: 'drizzle-one',
        doc: { colour: 'red', sizes: [1, 2] },
        madeAt: AT,
        price: '12.50',
        tags: ['a', 'b c'],
        counts: [3, 4],
      })
      .returning();
    expect(inserted).toMatchObject({ id: ID[0], name: 'drizzle-one', price: '12.50' });
    const [row] = await db().select().from(widgets).where(eq(widgets.id, ID[0]));
    expect(row).toEqual({
      serial: inserted?.serial,
      id: ID[0],
      name: 'drizzle-one',
      doc: { colour: 'red', sizes: [1, 2] },
      madeAt: AT,
      price: '12.50',
      tags: ['a', 'b c'],
      counts: [3, 4],
    });
  });

  it('updates and deletes by parameter, and db.execute maps rows by columnMetadata', async () => {
    await db().insert(widgets).values({ id: ID[1], name: 'drizzle-two', price: '1.00' });
    const updated = await db()
      .update(widgets)
      .set({ price: '2.25', tags: ['x'] })
      .where(eq(widgets.name, 'drizzle-two'))
      .returning({ price: widgets.price, tags: widgets.tags });
    expect(updated).toEqual([{ price: '2.25', tags: ['x'] }]);
    const raw = await db().execute(
      drizzleSql`SELECT name, price FROM client_widgets WHERE id = ${ID[1]}::uuid AND price > ${1}`,
    );
    expect(raw.rows).toEqual([{ name: 'drizzle-two', price: '2.25' }]);
    await db().delete(widgets).where(eq(widgets.id, ID[1]));
    expect(await db().select().from(widgets).where(eq(widgets.id, ID[1]))).toEqual([]);
  });

  it('commits a transaction, and rolls back one that throws or calls tx.rollback()', async () => {
    const id = (n: number) => `7a3c1a52-0000-4000-8000-00000000000${n}`;
    await db().transaction(async (tx) => {
      await tx.insert(widgets).values({ id: id(1), name: 'tx-commit' });
      await tx
        .update(widgets)
        .set({ price: '9.99' })
        .where(eq(widgets.id, id(1)));
    });
    await expect(
      db().transaction(async (tx) => {
        await tx.insert(widgets).values({ id: id(2), name: 'tx-throw' });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(
      db().transaction(async (tx) => {
        await tx.insert(widgets).values({ id: id(3), name: 'tx-rollback' });
        tx.rollback();
      }),
    ).rejects.toThrow('Rollback');
    // A nested transaction is a savepoint: its failure is undone, the outer work commits.
    await db().transaction(async (tx) => {
      await tx.insert(widgets).values({ id: id(4), name: 'tx-outer' });
      await tx
        .transaction(async (inner) => {
          await inner.insert(widgets).values({ id: id(5), name: 'tx-outer' });
        })
        .catch(() => {});
    });
    const names = await db()
      .select({ name: widgets.name, price: widgets.price })
      .from(widgets)
      .where(drizzleSql`${widgets.name} LIKE 'tx-%'`)
      .orderBy(widgets.name);
    expect(names).toEqual([
      { name: 'tx-commit', price: '9.99' },
      { name: 'tx-outer', price: null },
    ]);
  });

  it('surfaces a unique violation as DatabaseErrorException with PostgreSQL message, detail and SQLSTATE', async () => {
    const error = sdkError(
      await failure(db().insert(widgets).values({ id: ID[0], name: 'drizzle-duplicate' })),
    );
    expect(error).toBeInstanceOf(DatabaseErrorException);
    expect(error.message).toBe(
      'ERROR: duplicate key value violates unique constraint "client_widgets_id_key"\n' +
        `  Detail: Key (id)=(${ID[0]}) already exists.; SQLState: 23505`,
    );
  });
});

describe('kysely-data-api against the local endpoint', () => {
  const db = () => kyselyDb();
  const uuidValue = (value: string) => ({ typeHint: 'UUID', value: { stringValue: value } }) as never;
  const jsonValue = (value: unknown) =>
    ({ typeHint: 'JSON', value: { stringValue: JSON.stringify(value) } }) as never;
  const decimalValue = (value: string) => ({ typeHint: 'DECIMAL', value: { stringValue: value } }) as never;
  const K = ['5b2e9c1d-1111-4111-8111-000000000001', '5b2e9c1d-1111-4111-8111-000000000002'] as const;

  it('inserts and reads uuid, jsonb, timestamptz, numeric and arrays (parameters :0, :1, …)', async () => {
    const inserted = await db()
      .insertInto('client_widgets')
      .values({
        id: uuidValue(K[0]),
        name: 'kysely-one',
        doc: jsonValue({ colour: 'blue', sizes: [5] }),
        made_at: AT,
        price: decimalValue('3.10'),
        tags: sql`cast(${'{p,"q r"}'} as text[])`,
        counts: sql`cast(${'{7,8}'} as integer[])`,
      })
      .returning(['serial', 'id'])
      .executeTakeFirstOrThrow();
    expect(inserted.id).toBe(K[0]);
    const row = await db()
      .selectFrom('client_widgets')
      .select(['id', 'name', 'doc', 'made_at', 'price', 'tags', 'counts'])
      .where('id', '=', uuidValue(K[0]))
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      id: K[0],
      name: 'kysely-one',
      doc: { colour: 'blue', sizes: [5] },
      made_at: AT,
      price: '3.10',
      tags: ['p', 'q r'],
      counts: [7, 8],
    });
  });

  it('counts updated and deleted rows (numberOfRecordsUpdated)', async () => {
    await db()
      .insertInto('client_widgets')
      .values({ id: uuidValue(K[1]), name: 'kysely-two' })
      .execute();
    const updated = await db()
      .updateTable('client_widgets')
      .set({ price: decimalValue('4.00') })
      .where('name', '=', 'kysely-two')
      .executeTakeFirstOrThrow();
    expect(updated.numUpdatedRows).toBe(1n);
    const deleted = await db()
      .deleteFrom('client_widgets')
      .where('name', 'in', ['kysely-two', 'no-such-widget'])
      .executeTakeFirstOrThrow();
    expect(deleted.numDeletedRows).toBe(1n);
  });

  it('commits a transaction and rolls back one that throws', async () => {
    const id = (n: number) => `5b2e9c1d-2222-4222-8222-00000000000${n}`;
    await db()
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto('client_widgets')
          .values({ id: uuidValue(id(1)), name: 'ktx-commit' })
          .execute();
      });
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await trx
            .insertInto('client_widgets')
            .values({ id: uuidValue(id(2)), name: 'ktx-throw' })
            .execute();
          throw new Error('changed my mind');
        }),
    ).rejects.toThrow('changed my mind');
    const names = await db()
      .selectFrom('client_widgets')
      .select('name')
      .where('name', 'like', 'ktx-%')
      .execute();
    expect(names).toEqual([{ name: 'ktx-commit' }]);
  });

  it('surfaces a unique violation, and an unhinted uuid with PostgreSQL’s Hint, as AWS does', async () => {
    const duplicate = await failure(
      db()
        .insertInto('client_widgets')
        .values({ id: uuidValue(K[0]), name: 'kysely-one' })
        .execute(),
    );
    expect(duplicate).toBeInstanceOf(DatabaseErrorException);
    expect(duplicate.message).toMatch(
      /^ERROR: duplicate key value violates unique constraint .*SQLState: 23505$/s,
    );
    // A plain string binds as text (API_SqlParameter): AWS answers PostgreSQL's error and keeps its Hint.
    const unhinted = await failure(
      db().insertInto('client_widgets').values({ id: K[1], name: 'kysely-unhinted' }).execute(),
    );
    expect(unhinted).toBeInstanceOf(DatabaseErrorException);
    expect(unhinted.message).toBe(
      'ERROR: column "id" is of type uuid but expression is of type text\n' +
        '  Hint: You will need to rewrite or cast the expression.; SQLState: 42804',
    );
  });
});
