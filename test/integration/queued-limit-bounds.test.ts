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
import { insertJob, insertTasks, openTaskCount } from '../support/tasks.js';

/**
 * USER_MAX_QUEUED's fast path decides on an upper bound of the user's open tasks kept in `user_queue_bounds`
 * (migration 019) rather than counting them: a base (an exact count) plus what each stripe admitted since.
 * Tasks inserted here directly, behind the functions' back, are how the tests tell the bound from the count.
 */
const CAP = 100;
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

const one = async (text: string, values: unknown[]) =>
  (await test.db.query<{ n: string | null }>({ text, values: values as string[] })).rows[0]?.n ?? null;
const counted = (userId: string) => openTaskCount(test.db, userId);
/** The user's bound, null without a base. */
const bound = async (userId: string) => {
  const n = await one(
    'SELECT CASE WHEN bool_or(stripe = -1) THEN sum(tasks) END AS n FROM user_queue_bounds WHERE user_id = $1::uuid',
    [userId],
  );
  return n === null ? null : Number(n);
};
/** One fast run's statement (no second, exact send): what it decided on and whether it made a task. */
const fastRun = async (userId: string, jobId: string, cap = CAP) => {
  const row = (await test.db.query(insertManualTask(userId, jobId, randomUUID(), cap, false))).rows[0];
  return { openTasks: row?.open_tasks ?? null, made: Boolean(row?.id) };
};
/** Runs one after another, as a client would (each through runJobNow). */
const runs = async (userId: string, jobId: string, count: number, cap = CAP) => {
  for (let i = 0; i < count; i += 1) await runJobNow(test.db, userId, jobId, { userMaxQueued: cap });
};
/** `count` runs of the user racing on connections of their own; how many made a task (the rest must be 429). */
const race = async (userId: string, jobId: string, count: number) => {
  const answers = await Promise.all(
    Array.from({ length: count }, () =>
      runJobNow(wide, userId, jobId, { userMaxQueued: CAP }).then(
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
const newUser = async () => {
  const userId = randomUUID();
  return { userId, jobId: await insertJob(test.db, { userId }) };
};

describe('user_queue_bounds', () => {
  it('once a base exists a fast run decides on the bound, not a count; the exact path and a near-cap run count again', async () => {
    const { userId, jobId } = await newUser();
    expect(await fastRun(userId, jobId)).toEqual({ openTasks: 0, made: true }); // no base: counts, writes one
    expect(await bound(userId)).toBe(1);
    // 50 tasks behind the functions' back (the invariant broken on purpose): the bound does not see them.
    await insertTasks(test.db, jobId, 50);
    expect(await fastRun(userId, jobId)).toEqual({ openTasks: 1, made: true });
    expect(await bound(userId)).toBe(2);
    expect(await counted(userId)).toBe(52);

    // The exclusive path counts, and leaves no base: the next fast run counts too, and writes a base from it.
    const exact = await test.db.query<{ open_tasks: number }>({
      text: 'SELECT open_tasks FROM user_open_tasks_locked(ARRAY[$1::uuid])',
      values: [userId],
    });
    expect(exact.rows).toEqual([{ open_tasks: 52 }]);
    expect(await bound(userId)).toBeNull();
    expect(await fastRun(userId, jobId)).toEqual({ openTasks: 52, made: true });
    expect(await bound(userId)).toBe(53);

    // Behind the back again; a bound within 16 of the cap makes the run count, here with the gate taken exclusively
    // (no other run in flight): an exact base, refused at this cap.
    await insertTasks(test.db, jobId, 40);
    expect(await fastRun(userId, jobId, 53 + 15)).toEqual({ openTasks: 93, made: false });
    expect(await bound(userId)).toBe(93);
    expect(await fastRun(userId, jobId)).toEqual({ openTasks: 93, made: true }); // 93 + 16 > 100: counts again
    expect(await bound(userId)).toBe(94);
    await insertTasks(test.db, jobId, 1);
    expect(await fastRun(userId, jobId, 200)).toEqual({ openTasks: 94, made: true }); // the bound, not the count (95)
    expect(await counted(userId)).toBe(96);
  });

  it('a stale bound is rebuilt while another run is in flight, and that run still counts once it commits', async () => {
    const { userId, jobId } = await newUser();
    await runs(userId, jobId, 10);
    await test.db.query({
      text: `UPDATE tasks SET status = 'completed', finished_at = now()
              WHERE id IN (SELECT id FROM tasks WHERE user_id = $1::uuid LIMIT 5)`,
      values: [userId],
    });
    await test.db.transaction(async (tx) => {
      // In flight, holding the gate shared: decides on the bound (10), adds 1 to its stripe.
      const held = (await tx.query(insertManualTask(userId, jobId, randomUUID(), 1000, false))).rows[0];
      expect(held).toMatchObject({ open_tasks: 10, undecided: false });
      // 10 + 16 > 25: this run counts (5; the held run is not committed), is admitted and rebuilds the base.
      expect(await fastRun(userId, jobId, 25)).toEqual({ openTasks: 5, made: true });
      expect(await bound(userId)).toBe(6);
    });
    expect(await bound(userId)).toBe(7);
    expect(await counted(userId)).toBe(7);
  });

  it('40 runs racing with a cap of 100 and a base in place: exactly the room is filled', async () => {
    for (const open of [0, 60, 90, 99]) {
      const { userId, jobId } = await newUser();
      await runs(userId, jobId, Math.max(open, 1));
      if (open === 0)
        await test.db.query({
          text: `UPDATE tasks SET status = 'completed', finished_at = now() WHERE user_id = $1::uuid`,
          values: [userId],
        });
      expect(await bound(userId)).not.toBeNull();
      expect(await counted(userId)).toBe(open);
      expect(await race(userId, jobId, 40)).toBe(Math.min(40, CAP - open));
      expect(await counted(userId)).toBe(Math.min(open + 40, CAP));
    }
  });

  it('ended and cancelled tasks leave the bound high until a run near the cap counts; then runs fill the cap exactly', async () => {
    const { userId, jobId } = await newUser();
    await runs(userId, jobId, CAP);
    await expect(runJobNow(test.db, userId, jobId, { userMaxQueued: CAP })).rejects.toBeInstanceOf(
      QueueFullError,
    );
    await test.db.query({
      text: `UPDATE tasks SET status = CASE WHEN n % 2 = 0 THEN 'cancelled' ELSE 'completed' END, finished_at = now()
               FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM tasks WHERE user_id = $1::uuid LIMIT 30) s
              WHERE tasks.id = s.id`,
      values: [userId],
    });
    expect(await counted(userId)).toBe(70);
    expect(await bound(userId)).toBe(CAP); // conservative: ending a task writes nothing for the limit
    // bound + 16 > cap: the run counts (70), is admitted, and rebuilds the base from that count.
    expect(await fastRun(userId, jobId)).toEqual({ openTasks: 70, made: true });
    expect(await bound(userId)).toBe(71);
    expect(await race(userId, jobId, 40)).toBe(CAP - 71);
    expect(await counted(userId)).toBe(CAP);

    // The same racing straight onto the stale bound: the racers count, one rebuilds, later ones use it; exact still.
    const other = await newUser();
    await runs(other.userId, other.jobId, CAP);
    await test.db.query({
      text: `UPDATE tasks SET status = 'cancelled', finished_at = now()
              WHERE id IN (SELECT id FROM tasks WHERE user_id = $1::uuid LIMIT 30)`,
      values: [other.userId],
    });
    expect(await race(other.userId, other.jobId, 40)).toBe(30);
    expect(await counted(other.userId)).toBe(CAP);
  });

  it("with no limit, a run, a scheduler pass and an occurrence notice delete the user's base: the next limited run counts", async () => {
    const { userId, jobId } = await newUser();
    const withBase = async () => {
      await runJobNow(test.db, userId, jobId, { userMaxQueued: CAP });
      expect(await bound(userId)).not.toBeNull();
    };
    await withBase();
    await runJobNow(test.db, userId, jobId, { userMaxQueued: 0 });
    expect(await bound(userId)).toBeNull();
    await insertTasks(test.db, jobId, 5);
    expect(await fastRun(userId, jobId)).toEqual({ openTasks: 7, made: true });

    await withBase();
    await insertJob(test.db, {
      userId,
      schedule: { type: 'timedelta', seconds: 3600 },
      nextRunAt: new Date(Date.now() - 1000),
    });
    expect(await materializeSchedules(test.db, undefined, 500, 0)).toBe(1);
    expect(await bound(userId)).toBeNull();

    await withBase();
    const at = new Date(Date.now() - 500);
    at.setMilliseconds(0);
    const scheduled = await insertJob(test.db, {
      userId,
      schedule: { type: 'timedelta', seconds: 3600 },
      nextRunAt: at,
    });
    const taken = await takeNoticedOccurrence(test.db, scheduled, at, randomUUID(), undefined, 0);
    expect(taken.kind === 'done' && taken.taskId).toBeTruthy();
    expect(await bound(userId)).toBeNull();
    const open = await counted(userId);
    expect(await fastRun(userId, jobId)).toEqual({ openTasks: open, made: true });
  });

  it('a run sent again after a lost answer finds its task and adds nothing to the bound', async () => {
    const { userId, jobId } = await newUser();
    await runs(userId, jobId, 3);
    const taskId = randomUUID();
    const first = await runJobNow(test.db, userId, jobId, { taskId, userMaxQueued: CAP });
    const before = await bound(userId);
    expect(before).toBe(4);
    const again = await runJobNow(test.db, userId, jobId, { taskId, userMaxQueued: CAP });
    expect(again.id).toBe(first.id);
    expect(await bound(userId)).toBe(before);
    expect(await counted(userId)).toBe(4);
  });
});
