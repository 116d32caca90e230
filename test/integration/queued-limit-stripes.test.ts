import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database, Queryable } from '../../lambdas/db/port.js';
import { QueueFullError } from '../../lambdas/domain/errors.js';
import { runJobNow } from '../../lambdas/domain/tasks.js';
import { insertManualTask } from '../../lambdas/sql/tasks.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { eventually, insertJob, insertTasks, openTaskCount } from '../support/tasks.js';

/**
 * USER_MAX_QUEUED's fast path (migration 018): `user_open_tasks_admitting` holds the user's queued-cap lock shared
 * with one of 16 stripes, so a user's runs go on together, and stays exact near the cap by taking the lock
 * exclusively or answering NULL (undecided), after which a run goes through `user_open_tasks_locked` (012).
 */
const STRIPES = 16;
let test: TestDatabase;
/** Enough connections for every racing run to be in flight at once. */
let wide: Database;
beforeAll(async () => {
  test = await freshDatabase();
  wide = createPgDatabase({ connectionString: test.url, maxConnections: 45 });
});
afterAll(async () => {
  await wide.close();
  await test.drop();
});

const counted = (userId: string) => openTaskCount(test.db, userId);
const admitting = async (db: Queryable, userId: string, cap: number) =>
  (
    await db.query<{ n: number | null }>({
      text: 'SELECT user_open_tasks_admitting($1::uuid, $2::int) AS n',
      values: [userId, cap],
    })
  ).rows[0]?.n;
const waitingForAdvisoryLocks = async () =>
  Number(
    (
      await test.db.query<{ n: string }>({
        text: `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'`,
        values: [],
      })
    ).rows[0]?.n,
  );
/** A user with `open` open tasks and a manual job to run. */
const userWith = async (open: number) => {
  const userId = randomUUID();
  const jobId = await insertJob(test.db, { userId });
  if (open > 0) await insertTasks(test.db, jobId, open);
  return { userId, jobId };
};
/** `runs` runs of the user racing on connections of their own; how many made a task (the rest must be 429). */
const race = async (userId: string, jobId: string, runs: number, cap: number) => {
  const answers = await Promise.all(
    Array.from({ length: runs }, () =>
      runJobNow(wide, userId, jobId, { userMaxQueued: cap }).then(
        () => true,
        (error: unknown) => {
          if (error instanceof QueueFullError) return false;
          throw error;
        },
      ),
    ),
  );
  return answers.filter(Boolean).length;
};

describe('user_open_tasks_admitting', () => {
  it('40 runs racing with a cap of 100: exactly the room is filled, from far below the cap and near it', async () => {
    for (const open of [0, 60, 70, 90, 90, 99, 100]) {
      const { userId, jobId } = await userWith(open);
      expect(await race(userId, jobId, 40, 100)).toBe(Math.min(40, 100 - open));
      expect(await counted(userId)).toBe(Math.min(open + 40, 100));
    }
  });

  it('answers without waiting while another run of the user holds a stripe and the lock shared', async () => {
    const { userId } = await userWith(3);
    await test.db.transaction(async (tx) => {
      expect(await admitting(tx, userId, 1000)).toBe(3);
      // The exclusive lock of 012 would wait for the transaction above; this must not.
      const quick = await test.db.transaction(async (other) => {
        await other.query({ text: `SET LOCAL lock_timeout = '1s'`, values: [] });
        return admitting(other, userId, 1000);
      });
      expect(quick).toBe(3);
      await expect(
        test.db.transaction(async (other) => {
          await other.query({ text: `SET LOCAL lock_timeout = '200ms'`, values: [] });
          await other.query({
            text: 'SELECT * FROM user_open_tasks_locked(ARRAY[$1::uuid])',
            values: [userId],
          });
        }),
      ).rejects.toThrow(/lock timeout/);
    });
  });

  it('all stripes busy: the next run waits for one and goes on once one is free', async () => {
    const { userId } = await userWith(0);
    const holders = Array.from({ length: STRIPES }, () => createPgDatabase({ connectionString: test.url }));
    const release: (() => void)[] = [];
    const held = holders.map((db) =>
      db.transaction(async (tx) => {
        await admitting(tx, userId, 1000);
        await new Promise<void>((resolve) => release.push(resolve));
      }),
    );
    try {
      expect(await eventually(async () => release.length === STRIPES, 20_000)).toBe(true);
      const next = admitting(test.db, userId, 1000);
      expect(await eventually(async () => (await waitingForAdvisoryLocks()) === 1, 20_000)).toBe(true);
      for (const done of release) done();
      // The user has no task, but each holder was admitted (and inserted nothing): the answer is the count (0) or,
      // once the first holder's base (migration 019) has committed, the conservative bound (up to 16 admissions).
      const answer = await next;
      expect(answer).not.toBeNull();
      expect(answer).toBeLessThanOrEqual(STRIPES);
      await Promise.all(held);
    } finally {
      for (const done of release) done();
      await Promise.all(holders.map((db) => db.close()));
    }
  });

  it('near the cap while another run holds the lock shared: undecided (NULL); the run then takes the exact path and is refused once the other commits', async () => {
    const { userId, jobId } = await userWith(5);
    let waiting: Promise<unknown> | undefined;
    await test.db.transaction(async (tx) => {
      const made = (await tx.query(insertManualTask(userId, jobId, randomUUID(), 1000, false))).rows[0];
      expect(made).toMatchObject({ open_tasks: 5, undecided: false });
      expect(made?.id).toBeTruthy();
      expect(await admitting(test.db, userId, 6)).toBeNull();
      expect(await admitting(test.db, userId, 5 + STRIPES)).toBe(5);
      const undecided = (await test.db.query(insertManualTask(userId, jobId, randomUUID(), 7, false)))
        .rows[0];
      expect(undecided).toMatchObject({ id: null, open_tasks: null, undecided: true });
      // With the held run's task the user has 6: a cap of 6 refuses, but only a count after its commit knows.
      waiting = runJobNow(test.db, userId, jobId, { userMaxQueued: 6 }).then(
        () => 'made',
        (error: unknown) => error,
      );
      expect(await eventually(async () => (await waitingForAdvisoryLocks()) === 1, 20_000)).toBe(true);
    });
    expect(await waiting).toMatchObject({ openTasks: 6, limit: 6 });
    expect(await counted(userId)).toBe(6);
  });

  it('near the cap with no other run in flight: takes the lock exclusively and decides at once', async () => {
    const { userId, jobId } = await userWith(5);
    const made = (await test.db.query(insertManualTask(userId, jobId, randomUUID(), 6, false))).rows[0];
    expect(made).toMatchObject({ open_tasks: 5, undecided: false });
    expect(made?.id).toBeTruthy();
    const refused = (await test.db.query(insertManualTask(userId, jobId, randomUUID(), 6, false))).rows[0];
    expect(refused).toMatchObject({ id: null, open_tasks: 6, undecided: false });
  });

  it("a scheduler pass's exact count waits for a fast run in flight and counts its task", async () => {
    const { userId, jobId } = await userWith(2);
    let counting: Promise<{ open_tasks: number }[]> | undefined;
    await test.db.transaction(async (tx) => {
      const made = (await tx.query(insertManualTask(userId, jobId, randomUUID(), 1000, false))).rows[0];
      expect(made).toMatchObject({ open_tasks: 2, undecided: false });
      counting = test.db
        .query<{ open_tasks: number }>({
          text: 'SELECT open_tasks FROM user_open_tasks_locked(ARRAY[$1::uuid])',
          values: [userId],
        })
        .then((result) => result.rows);
      expect(await eventually(async () => (await waitingForAdvisoryLocks()) === 1, 20_000)).toBe(true);
    });
    expect(await counting).toEqual([{ open_tasks: 3 }]);
  });
});
