import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../lambdas/db/port.js';
import { QueueFullError } from '../../lambdas/domain/errors.js';
import { claim, complete, fail, renew } from '../../lambdas/domain/execution.js';
import { materializeSchedules } from '../../lambdas/domain/scheduler-pass.js';
import { cancelTask, runJobNow } from '../../lambdas/domain/tasks.js';
import { insertManualTask } from '../../lambdas/sql/tasks.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { eventually, insertJob, insertTasks } from '../support/tasks.js';

/**
 * USER_MAX_QUEUED's mechanism (migration 012): `user_open_tasks_locked` takes the user's queued-cap lock, then
 * counts the user's open tasks with a snapshot of its own. Only statements that add tasks take that lock.
 */
let test: TestDatabase;
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

const lockedCounts = async (db: Database, users: (string | null)[]) =>
  (
    await db.query<{ user_id: string; open_tasks: number }>({
      text: 'SELECT user_id, open_tasks FROM user_open_tasks_locked(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::uuid))',
      values: [JSON.stringify(users)],
    })
  ).rows;
const counted = async (userId: string) =>
  Number(
    (
      await test.db.query<{ n: string }>({
        text: `SELECT count(*) AS n FROM tasks WHERE user_id = $1::uuid AND status IN ('created', 'processing') AND NOT is_deleted`,
        values: [userId],
      })
    ).rows[0]?.n,
  );
/** Statements of this database waiting for an advisory lock now. */
const waitingForAdvisoryLocks = async () =>
  Number(
    (
      await test.db.query<{ n: string }>({
        text: `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'`,
        values: [],
      })
    ).rows[0]?.n,
  );

describe('user_open_tasks_locked', () => {
  it('counts exactly the waiting and running tasks that are not deleted; each user once, nulls skipped', async () => {
    const [alice, bob, nobody] = [randomUUID(), randomUUID(), randomUUID()];
    const aliceJob = await insertJob(test.db, { userId: alice, maxRetries: 0 });
    await insertTasks(test.db, aliceJob, 6);
    await insertTasks(test.db, await insertJob(test.db, { userId: bob }), 2);
    const [first, second] = await claim(test.db, 'w', { limit: 3, leaseSeconds: 30 });
    if (!first || !second) throw new Error('expected two claimed tasks');
    await complete(test.db, first, 'w', 'ok');
    await fail(test.db, second, 'w', 'boom', 0);
    await test.db.query({
      text: `UPDATE tasks SET is_deleted = true
              WHERE id = (SELECT id FROM tasks WHERE job_id = $1::uuid AND status = 'created' LIMIT 1)`,
      values: [aliceJob],
    });
    const rows = await lockedCounts(test.db, [bob, alice, null, alice, nobody]);
    expect(rows).toHaveLength(3);
    for (const user of [alice, bob, nobody])
      expect(rows.find((row) => row.user_id === user)?.open_tasks).toBe(await counted(user));
    expect(await lockedCounts(test.db, [])).toEqual([]);
    // Claims interleave users: the next test's claims must find only its own user's tasks.
    await test.db.query({
      text: `UPDATE tasks SET status = 'cancelled' WHERE status IN ('created', 'processing')`,
      values: [],
    });
  });

  it("while a run holds a user's lock: that user's claims, renewals, results and cancels and other users' runs go on; the user's next run waits, then counts the held run's task", async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const aliceJob = await insertJob(test.db, { userId: alice, maxRetries: 3 });
    const bobJob = await insertJob(test.db, { userId: bob });
    await insertTasks(test.db, aliceJob, 3);
    let waiting: Promise<unknown> | undefined;
    await test.db.transaction(async (tx) => {
      // A run of alice's, not yet committed: it holds her lock until the transaction ends.
      const held = (await tx.query(insertManualTask(alice, aliceJob, randomUUID(), 10, false))).rows[0];
      expect(held?.id).toBeTruthy();
      const claimed = await claim(test.db, 'w', { limit: 2, leaseSeconds: 30 });
      expect(claimed.map((task) => task.jobId)).toEqual([aliceJob, aliceJob]);
      const [first, second] = claimed;
      if (!first || !second) throw new Error('expected two claimed tasks');
      expect(await renew(test.db, first, 'w', 30)).toEqual({ held: true });
      expect(await complete(test.db, first, 'w', 'ok')).toBe(true);
      expect(await fail(test.db, second, 'w', 'boom', 0)).toBe('created');
      const { rows } = await test.db.query<{ id: string }>({
        text: `SELECT id FROM tasks WHERE job_id = $1::uuid AND status = 'created' AND attempt = 0`,
        values: [aliceJob],
      });
      await cancelTask(test.db, alice, rows[0]?.id ?? '');
      expect((await runJobNow(test.db, bob, bobJob, { userMaxQueued: 1 })).status).toBe('created');
      // Committed, alice now has one open task (the retry); with the held run's, two. A limit of 2 refuses the
      // next run only if it counts the held run's task, committed after that run's statement began.
      waiting = runJobNow(test.db, alice, aliceJob, { userMaxQueued: 2 }).then(
        () => 'made',
        (error: unknown) => error,
      );
      expect(await eventually(async () => (await waitingForAdvisoryLocks()) === 1, 20_000)).toBe(true);
    });
    const refused = await waiting;
    expect(refused).toBeInstanceOf(QueueFullError);
    expect(refused).toMatchObject({ openTasks: 2, limit: 2 });
    expect(await counted(alice)).toBe(2);
  });

  it("a claim holding the user's running-cap lock (migration 011) does not hold up the user's runs", async () => {
    const alice = randomUUID();
    const jobId = await insertJob(test.db, { userId: alice });
    await test.db.transaction(async (tx) => {
      await tx.query({ text: 'SELECT user_running_tasks_locked($1::uuid, true)', values: [alice] });
      expect((await runJobNow(test.db, alice, jobId, { userMaxQueued: 5 })).status).toBe('created');
    });
  });

  it('counts 10,000 open tasks with an index-only scan of idx_tasks_user_open', async () => {
    const heavy = randomUUID();
    const jobId = await insertJob(test.db, { userId: heavy });
    await insertTasks(test.db, jobId, 10_000);
    await test.db.query({ text: 'VACUUM (ANALYZE) tasks', values: [] });
    const { rows } = await test.db.query<{ 'QUERY PLAN': string }>({
      // The function's query, as it runs inside it.
      text: `EXPLAIN SELECT count(*) FROM tasks t
              WHERE t.user_id = '${heavy}'::uuid AND t.status IN ('created', 'processing') AND NOT t.is_deleted`,
      values: [],
    });
    expect(rows.map((row) => row['QUERY PLAN']).join('\n')).toContain(
      'Index Only Scan using idx_tasks_user_open',
    );
    expect(await lockedCounts(test.db, [heavy])).toEqual([{ user_id: heavy, open_tasks: 10_000 }]);
  });

  it('scheduler passes and runs of several users at once never deadlock, and every user stays within the cap', async () => {
    const users = Array.from({ length: 4 }, () => randomUUID());
    const cap = 6;
    const due = new Date(Date.now() - 1000);
    const manual: string[] = [];
    for (const userId of users) {
      manual.push(await insertJob(test.db, { userId }));
      for (let i = 0; i < 4; i += 1)
        await insertJob(test.db, { userId, schedule: { type: 'timedelta', seconds: 3600 }, nextRunAt: due });
    }
    const runs = Array.from({ length: 40 }, (_, i) =>
      runJobNow(test.db, users[i % users.length] ?? '', manual[i % users.length] ?? '', {
        userMaxQueued: cap,
      }).catch((error: unknown) => {
        if (error instanceof QueueFullError) return undefined;
        throw error;
      }),
    );
    const passes = Array.from({ length: 4 }, () => materializeSchedules(test.db, undefined, 3, cap));
    await Promise.all([...runs, ...passes]);
    for (const userId of users) expect(await counted(userId)).toBeLessThanOrEqual(cap);
    expect(await Promise.all(users.map(counted))).toEqual(users.map(() => cap));
  });
});
