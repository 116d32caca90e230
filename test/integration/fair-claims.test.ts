import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database, SqlValue } from '../../lambdas/db/port.js';
import { claim, complete } from '../../lambdas/domain/execution.js';
import { runJobNow } from '../../lambdas/domain/tasks.js';
import { createLogger } from '../../lambdas/logger.js';
import { claimTasks } from '../../lambdas/sql/claims.js';
import { startLocalWorkers } from '../../lambdas/worker/local-pool.js';
import { workerSettings } from '../../lambdas/worker/settings.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { eventually, insertJob, insertTasks, sleep } from '../support/tasks.js';

/** Fair claims across users (docs/semantics.md, "Claiming and running"), with the local pool and raw claims. */
let test: TestDatabase;
let db: Database;
const log = createLogger({}, 'error');
const A = '0a0a0a0a-0000-4000-8000-00000000000a';
const B = '0b0b0b0b-0000-4000-8000-00000000000b';
const C = '0c0c0c0c-0000-4000-8000-00000000000c';

beforeAll(async () => {
  test = await freshDatabase();
  db = createPgDatabase({ connectionString: test.url, maxConnections: 16 });
});
afterAll(async () => {
  await db.close();
  await test.drop();
});

const count = async (text: string, values: SqlValue[] = []) =>
  Number((await db.query<{ n: number }>({ text, values })).rows[0]?.n);
const clear = () => db.query({ text: 'DELETE FROM jobs', values: [] });

describe('fair claims', () => {
  it("with 4 workers, user B's one task starts within 1 s behind user A's 10,000 echo tasks", async () => {
    await clear();
    const jobA = await insertJob(db, { userId: A });
    await insertTasks(db, jobA, 10_000);
    const jobB = await insertJob(db, { userId: B });
    const pool = startLocalWorkers(
      db,
      { ...workerSettings({}), WORKER_CONCURRENCY: 4, SCHEDULER_INTERVAL_MS: 60_000 },
      log,
    );
    try {
      // A's backlog is being worked off: the workers are busy with A when B arrives.
      expect(await eventually(async () => pool.outcomes.completed >= 200, 60_000)).toBe(true);
      const task = await runJobNow(db, B, jobB);
      expect(
        await eventually(
          async () =>
            (await count(`SELECT count(*) AS n FROM tasks WHERE id = $1::uuid AND started_at IS NOT NULL`, [
              task.id,
            ])) === 1,
          10_000,
          20,
        ),
      ).toBe(true);
      const waitMs = await count(
        `SELECT extract(epoch FROM started_at - created_at) * 1000 AS n FROM tasks WHERE id = $1::uuid`,
        [task.id],
      );
      const aWaiting = await count(
        `SELECT count(*) AS n FROM tasks WHERE user_id = $1::uuid AND status = 'created'`,
        [A],
      );
      console.log(
        `B's task started ${waitMs.toFixed(0)} ms after it was created; A still had ${aWaiting} waiting`,
      );
      expect(aWaiting).toBeGreaterThan(5_000);
      expect(waitMs).toBeLessThan(1_000);
    } finally {
      await pool.stop();
    }
  }, 120_000);

  it("interleaves users by their running tasks; each user's own tasks keep priority, then due order", async () => {
    await clear();
    const low = await insertJob(db, { userId: A, priority: 10 });
    const high = await insertJob(db, { userId: A, priority: 90 });
    await insertTasks(db, low, 20);
    await insertTasks(db, high, 2);
    await insertTasks(db, await insertJob(db, { userId: B, priority: 5 }), 2);
    await insertTasks(db, await insertJob(db, { userId: C, priority: 50 }), 1);
    // Nothing runs: one task per user first (A's best is its priority-90 task), then A's and B's seconds.
    const first = await claim(db, 'w', { limit: 3, leaseSeconds: 30 });
    expect(new Set(first.map((task) => task.userId))).toEqual(new Set([A, B, C]));
    expect(first.find((task) => task.userId === A)?.jobId).toBe(high);
    // Now A and B run one each and C has nothing left: turns are A 2, B 2, then A 3.
    const second = await claim(db, 'w', { limit: 3, leaseSeconds: 30 });
    expect(second.map((task) => task.userId).sort()).toEqual([A, A, B].sort());
    expect(
      second
        .filter((task) => task.userId === A)
        .map((task) => task.jobId)
        .sort(),
    ).toEqual([high, low].sort());
    // B is drained; A has the rest, lower priority in due order.
    const rest = await claim(db, 'w', { limit: 16, leaseSeconds: 30 });
    expect(rest.every((task) => task.userId === A && task.jobId === low)).toBe(true);
    expect(rest).toHaveLength(16);
  });

  it('a user with fewer tasks running is served first, whatever the priorities across users', async () => {
    await clear();
    const jobA = await insertJob(db, { userId: A, priority: 100 });
    await insertTasks(db, jobA, 10);
    const jobB = await insertJob(db, { userId: B, priority: 0 });
    await insertTasks(db, jobB, 10);
    expect((await claim(db, 'w', { limit: 2, leaseSeconds: 30 })).map((t) => t.userId).sort()).toEqual(
      [A, B].sort(),
    );
    // A runs one more: now B (1 running) goes before A (2 running), though A's priority is higher.
    await claim(db, 'w', {
      limit: 1,
      leaseSeconds: 30,
      taskId:
        (
          await db.query<{ id: string }>({
            text: `SELECT id FROM tasks WHERE job_id = $1::uuid AND status = 'created' LIMIT 1`,
            values: [jobA],
          })
        ).rows[0]?.id ?? '',
    });
    expect((await claim(db, 'w', { limit: 1, leaseSeconds: 30 })).map((t) => t.userId)).toEqual([B]);
  });
});

describe('USER_MAX_RUNNING', () => {
  it('8 racing workers never run more than the cap of one user; nothing is lost, no attempt is burned', async () => {
    await clear();
    const CAP = 3;
    const jobA = await insertJob(db, { userId: A });
    await insertTasks(db, jobA, 150);
    const jobB = await insertJob(db, { userId: B });
    await insertTasks(db, jobB, 20);
    const held = new Map<string, number>([
      [A, 0],
      [B, 0],
    ]);
    const peak = new Map<string, number>([
      [A, 0],
      [B, 0],
    ]);
    const worker = async (n: number) => {
      for (let idle = 0; idle < 20; ) {
        const tasks = await claim(db, `capped-${n}`, { limit: 4, leaseSeconds: 30, userMaxRunning: CAP });
        if (tasks.length === 0) {
          idle += 1;
          await sleep(5);
          continue;
        }
        idle = 0;
        for (const task of tasks) {
          const now = (held.get(task.userId) ?? 0) + 1;
          held.set(task.userId, now);
          peak.set(task.userId, Math.max(peak.get(task.userId) ?? 0, now));
        }
        await sleep(2);
        for (const task of tasks) {
          // Released before the completion is sent: the test's count never exceeds the database's.
          held.set(task.userId, (held.get(task.userId) ?? 0) - 1);
          expect(await complete(db, task, `capped-${n}`, 'ok')).toBe(true);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, n) => worker(n)));
    expect(peak.get(A)).toBe(CAP);
    expect(peak.get(B)).toBe(CAP);
    const rows = (
      await db.query<{ status: string; attempt: number; n: number }>({
        text: `SELECT status, attempt, count(*)::int AS n FROM tasks GROUP BY 1, 2`,
        values: [],
      })
    ).rows;
    expect(rows).toEqual([{ status: 'completed', attempt: 1, n: 170 }]);
  }, 120_000);

  it('at the cap, a claim skips that user and takes the others; the skipped tasks wait untouched', async () => {
    await clear();
    const jobA = await insertJob(db, { userId: A });
    await insertTasks(db, jobA, 5);
    await insertTasks(db, await insertJob(db, { userId: B }), 5);
    const first = await claim(db, 'w', { limit: 16, leaseSeconds: 30, userMaxRunning: 2 });
    expect(first.map((t) => t.userId).sort()).toEqual([A, A, B, B].sort());
    expect(await claim(db, 'w', { limit: 16, leaseSeconds: 30, userMaxRunning: 2 })).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM tasks WHERE status = 'created' AND attempt = 0`)).toBe(6);
    const one = first.find((t) => t.userId === A);
    if (!one) throw new Error('expected a task of A');
    await complete(db, one, 'w', 'ok');
    expect(
      (await claim(db, 'w', { limit: 16, leaseSeconds: 30, userMaxRunning: 2 })).map((t) => t.userId),
    ).toEqual([A]);
  });
});

describe('concurrent claims', () => {
  it("lock only the tasks they take: a racing claim gets each user's next-best task, not one behind it", async () => {
    await clear();
    const jobsByPriority = async (userId: string) => {
      const ids: string[] = [];
      for (const priority of [90, 80, 70]) {
        const job = await insertJob(db, { userId, priority });
        await insertTasks(db, job, 1);
        ids.push(job);
      }
      return ids;
    };
    const [a90, a80] = await jobsByPriority(A);
    const [b90, b80] = await jobsByPriority(B);
    // The first claim stays open (a transaction holding its row locks) while the second one runs.
    const open = new pg.Client({ connectionString: test.url });
    await open.connect();
    try {
      await open.query('BEGIN');
      const statement = claimTasks('first', 2, 30, randomUUID());
      const first = await open.query<{ job_id: string }>(statement.text, [...statement.values]);
      expect(first.rows.map((row) => row.job_id).sort()).toEqual([a90, b90].sort());
      // Row locks the open claim holds: exactly the tasks it took.
      const locked = await count(
        `SELECT count(*) AS n FROM tasks t WHERE t.status = 'created' AND t.id NOT IN (
           SELECT id FROM tasks WHERE status = 'created' FOR UPDATE SKIP LOCKED)`,
      );
      expect(locked).toBe(2);
      const second = await claim(db, 'second', { limit: 2, leaseSeconds: 30 });
      expect(second.map((task) => task.jobId).sort()).toEqual([a80, b80].sort());
      await open.query('COMMIT');
    } finally {
      await open.end();
    }
  });
});
