import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../lambdas/db/port.js';
import { claim, complete, fail, reap } from '../../lambdas/domain/execution.js';
import { cancelJob, deleteJob } from '../../lambdas/domain/jobs.js';
import { cancelTask, runJobNow } from '../../lambdas/domain/tasks.js';
import { migrate } from '../../lambdas/migrator/migrator.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob, insertTasks } from '../support/tasks.js';

/**
 * The per-user open-task counts USER_MAX_QUEUED reads (migration 012) against the tasks themselves: after every
 * kind of change by every writer, and after concurrent work by many connections, they agree exactly.
 */
let test: TestDatabase;
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

/** Users whose kept count differs from their open tasks counted one by one (none, when the counts are exact). */
async function mismatches(db: Database): Promise<unknown[]> {
  const { rows } = await db.query({
    text: `SELECT coalesce(c.user_id, k.user_id) AS user_id, coalesce(c.n, 0) AS counted, coalesce(k.open_tasks, 0) AS kept
             FROM (SELECT user_id, count(*)::int AS n FROM tasks
                    WHERE status IN ('created', 'processing') AND NOT is_deleted GROUP BY user_id) c
             FULL JOIN user_open_tasks k ON k.user_id = c.user_id
            WHERE coalesce(c.n, 0) <> coalesce(k.open_tasks, 0)`,
    values: [],
  });
  return rows;
}

const kept = async (userId: string) =>
  Number(
    (
      await test.db.query<{ n: number }>({
        text: 'SELECT open_tasks AS n FROM user_open_tasks WHERE user_id = $1::uuid',
        values: [userId],
      })
    ).rows[0]?.n ?? 0,
  );

describe('open-task counts', () => {
  it('follow every change: runs, seed inserts, claims, results, retries, cancels, deletes, reaping', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const aliceJob = await insertJob(test.db, { userId: alice, maxRetries: 1 });
    const bobJob = await insertJob(test.db, { userId: bob, maxRetries: 0 });
    const steps: [string, () => Promise<unknown>][] = [
      ['runs', () => Promise.all([runJobNow(test.db, alice, aliceJob), runJobNow(test.db, bob, bobJob)])],
      [
        'seed-style inserts',
        () => Promise.all([insertTasks(test.db, aliceJob, 6), insertTasks(test.db, bobJob, 4)]),
      ],
      [
        'claims, a success, a retry and a final failure',
        async () => {
          const claimed = await claim(test.db, 'w', { limit: 4, leaseSeconds: 30 });
          const [first, second, third] = claimed;
          if (first) await complete(test.db, first, 'w', 'ok');
          if (second) await fail(test.db, second, 'w', 'boom', 0);
          if (third) await fail(test.db, third, 'w', 'boom', 0);
        },
      ],
      [
        'reaping expired leases',
        async () => {
          await claim(test.db, 'w', { limit: 3, leaseSeconds: 30 });
          await test.db.query({
            text: `UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE status = 'processing'`,
            values: [],
          });
          await reap(test.db);
        },
      ],
      [
        'a task cancelled',
        async () => {
          const task = await runJobNow(test.db, alice, aliceJob);
          await cancelTask(test.db, alice, task.id);
        },
      ],
      [
        'a soft-deleted task and a deleted row',
        () =>
          test.db.query({
            text: `WITH soft AS (
                     UPDATE tasks SET is_deleted = true
                      WHERE id = (SELECT id FROM tasks WHERE job_id = $1::uuid AND status = 'created' LIMIT 1))
                   DELETE FROM tasks WHERE id = (SELECT id FROM tasks WHERE job_id = $2::uuid AND status = 'created' LIMIT 1)`,
            values: [aliceJob, bobJob],
          }),
      ],
      ['a job cancelled', () => cancelJob(test.db, bob, bobJob)],
      ['a job deleted', () => deleteJob(test.db, alice, aliceJob)],
    ];
    for (const [step, change] of steps) {
      await change();
      expect({ step, mismatches: await mismatches(test.db) }).toEqual({ step, mismatches: [] });
    }
    expect([await kept(alice), await kept(bob)]).toEqual([0, 0]);
  });

  it('stay exact while many connections run, claim and finish tasks of the same users at once', async () => {
    const users = [randomUUID(), randomUUID(), randomUUID()];
    const jobs = await Promise.all(users.map((userId) => insertJob(test.db, { userId, maxRetries: 0 })));
    const runs = Array.from({ length: 90 }, (_, i) => {
      const at = i % users.length;
      return runJobNow(test.db, users[at] ?? '', jobs[at] ?? '');
    });
    const workers = Array.from({ length: 4 }, async (_, w) => {
      for (let round = 0; round < 15; round += 1) {
        for (const task of await claim(test.db, `w${w}`, { limit: 3, leaseSeconds: 30 })) {
          if (round % 2) await complete(test.db, task, `w${w}`, 'ok');
          else await fail(test.db, task, `w${w}`, 'boom', 0);
        }
      }
    });
    await Promise.all([...runs, ...workers]);
    expect(await mismatches(test.db)).toEqual([]);
  });

  it('migration 012 counts the open tasks already there', async () => {
    const empty = await freshDatabase({ empty: true });
    try {
      await migrate(empty.db, { direction: 'up', migrationsDir: MIGRATIONS_DIR, count: 9 });
      const userId = randomUUID();
      const jobId = await insertJob(empty.db, { userId });
      await insertTasks(empty.db, jobId, 5);
      await empty.db.query({
        text: `UPDATE tasks SET status = 'completed' WHERE id IN (SELECT id FROM tasks LIMIT 2)`,
        values: [],
      });
      await migrate(empty.db, { direction: 'up', migrationsDir: MIGRATIONS_DIR });
      expect(await mismatches(empty.db)).toEqual([]);
      const { rows } = await empty.db.query<{ open_tasks: number }>({
        text: 'SELECT open_tasks FROM user_open_tasks WHERE user_id = $1::uuid',
        values: [userId],
      });
      expect(rows).toEqual([{ open_tasks: 3 }]);
    } finally {
      await empty.drop();
    }
  });
});
