import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../lambdas/db/port.js';
import { type ActivityView, activity } from '../../lambdas/domain/stats.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';

/**
 * GET /stats at the edges of its buckets. Tasks are placed relative to the transaction's own now(), the instant
 * the statement reads too, so "exactly at a bucket's start" is exact whatever the clock says when the test runs.
 */
let test: TestDatabase;
const USER = '5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

/** Ends one completed task per offset (SQL interval text, from the start of the current minute), then reads. */
async function endedAtThenRead(offsets: string[]): Promise<ActivityView> {
  return test.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      sql(`INSERT INTO jobs (user_id, job_type) VALUES ($1::uuid, 'echo') RETURNING id`, [USER]),
    );
    for (const offset of offsets)
      await tx.query(
        sql(
          `INSERT INTO tasks (job_id, user_id, status, finished_at)
           VALUES ($1::uuid, $2::uuid, 'completed', date_trunc('minute', now()) + $3::interval)`,
          [rows[0]?.id ?? '', USER, offset],
        ),
      );
    const view = await activity(tx, USER, '15m');
    // Removed before the commit: each case starts with none of this user's tasks.
    await tx.query(sql(`DELETE FROM tasks WHERE user_id = $1::uuid`, [USER]));
    return view;
  });
}

const completedPerBucket = (view: ActivityView) => view.buckets.map((bucket) => bucket.completed);

describe('GET /stats bucket edges', () => {
  it('a task that ends exactly at a bucket start counts in that bucket; a microsecond before, in the one before', async () => {
    const view = await endedAtThenRead(['0 seconds', '-1 microsecond', '-14 minutes', '-1 minute']);
    const expected = Array.from({ length: 15 }, () => 0);
    expected[14] = 1; // the current minute's first instant
    expected[13] = 2; // a microsecond before it, and the previous minute's first instant
    expected[0] = 1; // the window's first instant
    expect(completedPerBucket(view)).toEqual(expected);
    expect(view.counts.completed).toBe(4);
  });

  it('a microsecond before the window, or from a clock ahead of this one, is not counted', async () => {
    const view = await endedAtThenRead(['-14 minutes -1 microsecond', '1 minute', '2 hours']);
    expect(completedPerBucket(view)).toEqual(Array.from({ length: 15 }, () => 0));
    expect(view.counts.completed).toBe(0);
  });

  it("the window's first bucket starts on a whole minute, 14 before the current one", async () => {
    const view = await endedAtThenRead([]);
    const { rows } = await test.db.query<{ minute: Date }>(
      sql(`SELECT date_trunc('minute', now()) AS minute`),
    );
    const first = Date.parse(view.buckets[0]?.start ?? '');
    expect(first % 60_000).toBe(0);
    // The current minute, as the database saw it a moment later: equal, or one on if a minute turned between.
    const current = Date.parse(view.buckets[14]?.start ?? '');
    expect([0, 60_000]).toContain((rows[0]?.minute.getTime() ?? 0) - current);
    expect(current - first).toBe(14 * 60_000);
  });
});
