import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseError, SqlState } from '../../lambdas/db/errors.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { connect, DRIVERS, type DriverConnection } from '../support/drivers.js';

const USER = '5b0c3a52-4b7e-4c7e-9d36-1f7d0c7a9e01';

/** The DB port behaves the same whichever adapter is underneath: the domain must not be able to tell. */
describe.each(DRIVERS)('DB port through the %s adapter', (driver) => {
  let test: TestDatabase;
  let connection: DriverConnection;
  beforeAll(async () => {
    test = await freshDatabase();
    connection = await connect(driver, test);
  });
  afterAll(async () => {
    await connection.close();
    await test.drop();
  });
  const db = () => connection.db;

  it('round-trips every value type the service uses, decoded like pg does', async () => {
    const when = new Date('2026-03-29T01:30:00.123Z');
    const { rows } = await db().query({
      text: `SELECT $1::uuid AS id, $2::jsonb AS payload, $3::timestamptz AS at, $4::bigint AS big,
                    $5::int AS small, $6::boolean AS flag, $7::text AS nothing, $8 AS label,
                    $9::numeric AS amount, 2.5::float8 AS ratio, ARRAY['a','b'] AS tags`,
      values: [
        USER,
        JSON.stringify({ prompt: 'hi', n: [1, 2] }),
        when,
        '9007199254740993',
        42,
        true,
        null,
        'x',
        '12.50',
      ],
    });
    expect(rows[0]).toEqual({
      id: USER,
      payload: { prompt: 'hi', n: [1, 2] },
      at: when,
      big: '9007199254740993',
      small: 42,
      flag: true,
      nothing: null,
      label: 'x',
      amount: '12.50',
      ratio: 2.5,
      tags: ['a', 'b'],
    });
  });

  it('leaves $n inside strings, comments and dollar quotes alone', async () => {
    const { rows } = await db().query({
      text: `SELECT '$1' AS literal, $$ $2 $$ AS dollar, /* $1 */ $1::text AS real -- $2`,
      values: ['value'],
    });
    expect(rows[0]).toEqual({ literal: '$1', dollar: ' $2 ', real: 'value' });
  });

  it('reports rows changed by DML, and RETURNING rows', async () => {
    const inserted = await db().query({
      text: `INSERT INTO jobs (user_id, job_type) SELECT $1::uuid, 'echo' FROM generate_series(1, 3) RETURNING id`,
      values: [USER],
    });
    expect(inserted.rows).toHaveLength(3);
    const updated = await db().query({
      text: `UPDATE jobs SET priority = 1 WHERE user_id = $1::uuid`,
      values: [USER],
    });
    expect(updated).toEqual({ rows: [], rowCount: 3 });
  });

  it('commits a transaction as a whole, and rolls it back as a whole', async () => {
    const count = async () =>
      (
        await db().query<{ n: string }>({
          text: 'SELECT count(*) AS n FROM jobs WHERE job_type = $1',
          values: ['tx'],
        })
      ).rows[0]?.n;
    const insert = { text: `INSERT INTO jobs (user_id, job_type) VALUES ($1::uuid, 'tx')`, values: [USER] };
    await db().transaction(async (tx) => {
      await tx.query(insert);
      await tx.query(insert);
    });
    expect(await count()).toBe('2');
    await expect(
      db().transaction(async (tx) => {
        await tx.query(insert);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count()).toBe('2');
  });

  it('runs calls made in parallel inside one transaction (one backend)', async () => {
    const pids = await db().transaction((tx) =>
      Promise.all(
        Array.from({ length: 5 }, () =>
          tx.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid', values: [] }),
        ),
      ),
    );
    expect(new Set(pids.map((result) => result.rows[0]?.pid)).size).toBe(1);
  });

  it.each([
    [
      'a unique violation',
      `INSERT INTO jobs (id, user_id, job_type) VALUES ($1::uuid, $1::uuid, 'x')`,
      SqlState.uniqueViolation,
      2,
    ],
    [
      'a check violation',
      `INSERT INTO jobs (user_id, job_type, priority) VALUES ($1::uuid, 'x', 500)`,
      SqlState.checkViolation,
      1,
    ],
    [
      'a foreign key violation',
      `INSERT INTO tasks (job_id) VALUES ($1::uuid)`,
      SqlState.foreignKeyViolation,
      1,
    ],
    ['a malformed uuid', `SELECT $1::uuid`, SqlState.invalidTextRepresentation, 1],
  ])('turns %s into a DatabaseError with its SQLSTATE', async (_, text, state, times) => {
    const values = [text.includes('SELECT $1::uuid') ? 'not-a-uuid' : crypto.randomUUID()];
    let error: unknown;
    for (let i = 0; i < times; i += 1)
      error = await db()
        .query({ text, values })
        .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).sqlState).toBe(state);
  });

  it('serves 50 concurrent queries from parallel callers', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        db().query<{ n: number }>({ text: 'SELECT $1::int AS n', values: [i] }),
      ),
    );
    expect(results.map((result) => result.rows[0]?.n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
