import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database } from '../../lambdas/db/port.js';
import { takeNoticedOccurrence } from '../../lambdas/domain/dispatch.js';
import { QueueFullError } from '../../lambdas/domain/errors.js';
import { materializeSchedules } from '../../lambdas/domain/scheduler-pass.js';
import { runJobNow } from '../../lambdas/domain/tasks.js';
import { insertManualTask } from '../../lambdas/sql/tasks.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob, openTaskCount } from '../support/tasks.js';

/**
 * USER_MAX_QUEUED against hostile timing: every path that makes tasks racing at once on connections of their own
 * (fast runs, scheduler passes, occurrence notices), users whose lock keys collide, a limit lowered under a bound,
 * and the one race the bound (migration 019) cannot see by itself: an insert with no limit beside a base rebuilt.
 */
let test: TestDatabase;
let wide: Database;
beforeAll(async () => {
  test = await freshDatabase();
  wide = createPgDatabase({ connectionString: test.url, maxConnections: 60 });
});
afterAll(async () => {
  await wide.close();
  await test.drop();
});

const counted = (userId: string) => openTaskCount(test.db, userId);
/** Runs racing on `wide`: how many made a task; every refusal must be a true 429 (open_tasks at the cap). */
const race = async (userId: string, jobId: string, count: number, cap: number) => {
  const answers = await Promise.all(
    Array.from({ length: count }, () =>
      runJobNow(wide, userId, jobId, { userMaxQueued: cap }).then(
        () => true,
        (error: unknown) => {
          if (error instanceof QueueFullError && error.openTasks >= cap) return false;
          throw error;
        },
      ),
    ),
  );
  return answers.filter(Boolean).length;
};
/** The user's bound (migration 019), null without a base. */
const bound = async (userId: string) => {
  const n = (
    await test.db.query<{ n: string | null }>({
      text: 'SELECT CASE WHEN bool_or(stripe = -1) THEN sum(tasks) END AS n FROM user_queue_bounds WHERE user_id = $1::uuid',
      values: [userId],
    })
  ).rows[0]?.n;
  return n === null || n === undefined ? null : Number(n);
};
const runs = async (userId: string, jobId: string, count: number, cap: number) => {
  for (let i = 0; i < count; i += 1) await runJobNow(test.db, userId, jobId, { userMaxQueued: cap });
};
const dueJobs = async (userId: string, count: number, at: Date) =>
  Promise.all(
    Array.from({ length: count }, () =>
      insertJob(test.db, { userId, schedule: { type: 'timedelta', seconds: 3600 }, nextRunAt: at }),
    ),
  );

describe('USER_MAX_QUEUED under hostile concurrency', () => {
  it('runs, scheduler passes and occurrence notices racing together fill exactly the room', async () => {
    const cap = 60;
    for (const open of [0, 30, 55]) {
      const userId = randomUUID();
      const jobId = await insertJob(test.db, { userId });
      await runs(userId, jobId, open, cap); // leaves a base
      const at = new Date(Date.now() - 1000);
      at.setMilliseconds(0);
      const scheduled = await dueJobs(userId, 12, at);
      const [made, passes, notices] = await Promise.all([
        race(userId, jobId, 40, cap),
        Promise.all(Array.from({ length: 3 }, () => materializeSchedules(wide, undefined, 500, cap))),
        Promise.all(
          scheduled
            .slice(0, 6)
            .map((id) => takeNoticedOccurrence(wide, id, at, randomUUID(), undefined, cap)),
        ),
      ]);
      expect(passes.length + notices.length).toBe(9);
      const occurrences = Number(
        (
          await test.db.query<{ n: string }>({
            text: 'SELECT count(*) AS n FROM tasks WHERE user_id = $1::uuid AND scheduled_for IS NOT NULL',
            values: [userId],
          })
        ).rows[0]?.n,
      );
      const expected = Math.min(open + 40 + 12, cap);
      expect(await counted(userId)).toBe(expected);
      expect(made + occurrences).toBe(expected - open);
    }
  });

  it('two users whose ids hash alike (one gate, one base lock) each fill exactly their own room', async () => {
    const pair = (
      await test.db.query<{ a: string; b: string }>({
        text: `SELECT min(u::text) AS a, max(u::text) AS b
                 FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, 400000)) s
                GROUP BY hashtext(u::text) HAVING count(*) > 1 LIMIT 1`,
        values: [],
      })
    ).rows[0];
    if (!pair) throw new Error('no two ids hashing alike among 400,000 (expected about 19 pairs)');
    const users = [
      { userId: pair.a, open: 5 },
      { userId: pair.b, open: 25 },
    ];
    const cap = 40;
    const jobs = await Promise.all(users.map(({ userId }) => insertJob(test.db, { userId })));
    await Promise.all(users.map(({ userId, open }, i) => runs(userId, jobs[i] ?? '', open, cap)));
    const made = await Promise.all(users.map(({ userId }, i) => race(userId, jobs[i] ?? '', 30, cap)));
    expect(made).toEqual([30, 15]);
    expect(await counted(pair.a)).toBe(35);
    expect(await counted(pair.b)).toBe(cap);
  });

  it('a limit lowered under a standing bound still holds exactly, and its refusals tell the true count', async () => {
    const userId = randomUUID();
    const jobId = await insertJob(test.db, { userId });
    await runs(userId, jobId, 30, 10_000);
    expect(await race(userId, jobId, 40, 35)).toBe(5);
    await expect(runJobNow(test.db, userId, jobId, { userMaxQueued: 20 })).rejects.toMatchObject({
      openTasks: 35,
    });
    expect(await counted(userId)).toBe(35);
  });

  it('limited and unlimited runs, passes and notices of several users at once: no deadlock, no bound below the count', async () => {
    const users = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const userId = randomUUID();
        return { userId, jobId: await insertJob(test.db, { userId }) };
      }),
    );
    const cap = 30;
    const tolerate = (error: unknown) => {
      if (!(error instanceof QueueFullError)) throw error;
    };
    for (let round = 0; round < 3; round += 1) {
      const at = new Date(Date.now() - 1000);
      at.setMilliseconds(0);
      const scheduled = (await Promise.all(users.map(({ userId }) => dueJobs(userId, 4, at)))).flat();
      await Promise.all([
        ...users.flatMap(({ userId, jobId }) =>
          Array.from({ length: 12 }, (_, i) =>
            runJobNow(wide, userId, jobId, { userMaxQueued: i % 3 === 0 ? 0 : cap }).catch(tolerate),
          ),
        ),
        ...[0, cap, 0, cap].map((limit) => materializeSchedules(wide, undefined, 500, limit)),
        ...scheduled.map((id, i) =>
          takeNoticedOccurrence(wide, id, at, randomUUID(), undefined, i % 2 === 0 ? 0 : cap),
        ),
      ]);
      for (const { userId } of users)
        expect((await bound(userId)) ?? Number.POSITIVE_INFINITY).toBeGreaterThanOrEqual(
          await counted(userId),
        );
    }
    // With the limit alone again, runs fill exactly the room left under a cap above the count.
    for (const { userId, jobId } of users) {
      const open = await counted(userId);
      expect(await race(userId, jobId, 20, open + 7)).toBe(7);
    }
  });

  it('an insert with no limit committing beside a base being rebuilt is not lost from the bound', async () => {
    const cap = 40;
    const userId = randomUUID();
    const jobId = await insertJob(test.db, { userId });
    // A run with no limit (a deploy switching the limit on) is in flight while a limited run, finding no base,
    // counts without it and rebuilds the base.
    await test.db.transaction(async (tx) => {
      await tx.query(insertManualTask(userId, jobId, randomUUID(), 0, false));
      await runJobNow(wide, userId, jobId, { userMaxQueued: cap });
    });
    expect(await counted(userId)).toBe(2);
    expect((await bound(userId)) ?? Number.POSITIVE_INFINITY).toBeGreaterThanOrEqual(2);
    // From here on every run has the limit. Fill the bound to 16 below the cap, then 16 runs in flight at once
    // decide on it: had the bound missed the first task, they would all be admitted, one past the cap.
    await runs(userId, jobId, cap - 16 - 1, cap);
    expect(await counted(userId)).toBe(cap - 16 + 1);
    expect(await bound(userId)).toBeGreaterThanOrEqual(cap - 16 + 1);
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Counting near the cap, the first run may take the gate exclusively and the others then wait for it.
    const fallback = setTimeout(() => release(), 2000);
    let sent = 0;
    const held = Array.from({ length: 16 }, () =>
      wide.transaction(async (tx) => {
        const row = (await tx.query(insertManualTask(userId, jobId, randomUUID(), cap, false))).rows[0];
        sent += 1;
        if (sent === 16) release();
        await released;
        return Boolean(row?.id);
      }),
    );
    expect((await Promise.all(held)).filter(Boolean).length).toBeLessThanOrEqual(16 - 1);
    clearTimeout(fallback);
    expect(await counted(userId)).toBeLessThanOrEqual(cap);
  });
});
