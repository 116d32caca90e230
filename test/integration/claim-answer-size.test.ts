import { afterAll, beforeAll, expect, it } from 'vitest';
import { claim } from '../../lambdas/domain/execution.js';
import { Payload } from '../../lambdas/shapes/job.js';
import { LIMITS } from '../../lambdas/shapes/limits.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { connect, type DriverConnection } from '../support/drivers.js';
import { insertJob } from '../support/tasks.js';

/**
 * A claim over the Data API: its answer must fit the 1 MiB limit even when every row it brings is as large as the
 * 64 KB row limit lets through — or the claim commits and the worker never sees its tasks.
 */
let test: TestDatabase;
let dataApi: DriverConnection;
let pg: DriverConnection;
const USER = '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

beforeAll(async () => {
  test = await freshDatabase();
  dataApi = await connect('data-api', test);
  pg = await connect('pg', test);
});
afterAll(async () => {
  await dataApi.close();
  await pg.close();
  await test.drop();
});

/** Characters the payload takes as the Data API sends it: jsonb's text (", " and ": "), JSON-escaped. */
async function answeredChars(payload: unknown): Promise<number> {
  const { rows } = await pg.db.query<{ text: string }>({
    text: 'SELECT $1::jsonb::text AS text',
    values: [JSON.stringify(payload)],
  });
  return JSON.stringify({ stringValue: rows[0]?.text }).length;
}

/** An accepted payload of `LIMITS.payloadBytes` whose answer takes at least `chars` (quotes escape to two). */
async function payloadAnswering(chars: number): Promise<unknown> {
  const payload = (empties: number) => {
    const base = { prompt: 'x', a: Array<string>(empties).fill(''), b: '' };
    return { ...base, b: 'y'.repeat(LIMITS.payloadBytes - Buffer.byteLength(JSON.stringify(base))) };
  };
  // The fewest empty strings that reach `chars` (each one adds to the answer, not to the payload).
  let [low, high] = [0, Math.floor(LIMITS.payloadBytes / 3) - 20];
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if ((await answeredChars(payload(middle))) >= chars) high = middle;
    else low = middle + 1;
  }
  expect(await answeredChars(payload(low))).toBeGreaterThanOrEqual(chars);
  return payload(low);
}

it('over the Data API, a claim of rows near the row limit fits in one answer', async () => {
  // Task and job payload, each 32.6 K characters as answered: a row just under 64 KiB with its other columns.
  const payload = await payloadAnswering(32_600);
  expect(Payload.safeParse(payload).success).toBe(true);
  const jobId = await insertJob(pg.db, { userId: USER, payload });
  await pg.db.query({
    text: `INSERT INTO tasks (job_id, user_id, payload, priority)
           SELECT id, user_id, payload, priority FROM jobs, generate_series(1, 17) WHERE id = $1::uuid`,
    values: [jobId],
  });
  // One such row fits the row limit…
  expect(await claim(dataApi.db, 'alone', { limit: 1, leaseSeconds: 30 })).toHaveLength(1);
  // …and as many as one claim takes fit the answer (on failure, the message alone: the error holds the whole SDK answer).
  const claimed = await claim(dataApi.db, 'many', { limit: 100, leaseSeconds: 30 }).catch((error: Error) => {
    throw new Error(error.message);
  });
  expect(claimed.length).toBeGreaterThan(1);
  const { rows } = await pg.db.query<{ n: number }>({
    text: `SELECT count(*)::int AS n FROM tasks WHERE lease_owner = 'many'`,
    values: [],
  });
  expect(rows[0]?.n).toBe(claimed.length);
});
