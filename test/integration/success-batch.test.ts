import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database } from '../../lambdas/db/port.js';
import { type ClaimedTask, claim, completeMany, reap } from '../../lambdas/domain/execution.js';
import { createLogger } from '../../lambdas/logger.js';
import { startLocalWorkers } from '../../lambdas/worker/local-pool.js';
import { runTask } from '../../lambdas/worker/run-task.js';
import { successBatcher } from '../../lambdas/worker/success-batcher.js';
import type { TaskHandler } from '../../lambdas/worker/types.js';
import type { LostAnswerMode } from '../../local/data-api/faults.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { connect, type DriverConnection } from '../support/drivers.js';
import { eventually, insertJob, insertTasks, jobStatus, sleep, taskRow } from '../support/tasks.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const USER = '8d9e0f1a-2b3c-4d4e-9f5a-6b7c8d9e0f1a';
const log = createLogger({}, 'error');

/** Claims every due task of the job for `workerId` (several claims: one takes at most MAX_CLAIM_BATCH). */
async function claimAll(db: Database, workerId: string, count: number, leaseSeconds = 30) {
  const tasks: ClaimedTask[] = [];
  while (tasks.length < count) {
    const more = await claim(db, workerId, { limit: count - tasks.length, leaseSeconds });
    if (more.length === 0) break;
    tasks.push(...more);
  }
  return tasks;
}

const versionsOf = async (db: Database, jobId: string) =>
  (
    await db.query<{ status: string; attempt: number; version: string; n: number }>({
      text: `SELECT status, attempt, version::text, count(*)::int AS n FROM tasks WHERE job_id = $1::uuid
              GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      values: [jobId],
    })
  ).rows;

describe('recording successes in batches', () => {
  let test: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    test = await freshDatabase();
    db = createPgDatabase({ connectionString: test.url, maxConnections: 12 });
  });
  afterAll(async () => {
    await db.close();
    await test.drop();
  });

  it('one statement completes many tasks of several jobs and derives each job whose last open task it ended', async () => {
    const done = await insertJob(db, { userId: USER });
    const open = await insertJob(db, { userId: USER });
    await insertTasks(db, done, 5);
    await insertTasks(db, open, 5);
    const tasks = await claimAll(db, 'batcher', 10);
    expect(tasks).toHaveLength(10);
    // All of `done`, four of `open`: its fifth stays running.
    const left = tasks.filter((t) => t.jobId === open)[0];
    const batch = tasks.filter((t) => t !== left).map((task) => ({ task, result: `r-${task.id}` }));
    const recorded = await completeMany(db, 'batcher', batch);
    expect([...recorded].sort()).toEqual(batch.map((b) => b.task.id).sort());
    expect(await jobStatus(db, done)).toBe('completed');
    expect(await jobStatus(db, open)).toBe('processing');
    for (const { task, result } of batch)
      expect(await taskRow(db, task.id)).toMatchObject({
        status: 'completed',
        result,
        lease_owner: null,
        version: String(task.version + 1),
      });
    if (!left) throw new Error('expected a task left');
    expect(await completeMany(db, 'batcher', [{ task: left, result: 'last' }])).toEqual(new Set([left.id]));
    expect(await jobStatus(db, open)).toBe('completed');
  });

  it('is fenced per task: a late writer whose task was reaped and re-run records nothing, its neighbours do', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, 3);
    const [doomed] = await claim(db, 'late', { limit: 1, leaseSeconds: 0.2 });
    if (!doomed) throw new Error('nothing claimed');
    await sleep(300);
    expect(await reap(db)).toBe(1);
    const others = await claimAll(db, 'late', 3);
    const rescued = others.find((t) => t.id === doomed.id);
    const fresh = others.filter((t) => t.id !== doomed.id);
    if (!rescued) throw new Error('expected the reaped task to be claimed again');
    // The same worker id holds it again, at a newer version: only the version fences the stale claim out.
    const stale = await completeMany(db, 'late', [
      { task: doomed, result: 'stale' },
      ...fresh.map((task) => ({ task, result: 'fresh' })),
    ]);
    expect([...stale].sort()).toEqual(fresh.map((t) => t.id).sort());
    expect(await taskRow(db, doomed.id)).toMatchObject({ status: 'processing', result: null, attempt: 2 });
    expect(await completeMany(db, 'late', [{ task: rescued, result: 'rescued' }])).toEqual(
      new Set([doomed.id]),
    );
    expect(await taskRow(db, doomed.id)).toMatchObject({
      status: 'completed',
      result: 'rescued',
      attempt: 2,
    });
    expect(await jobStatus(db, jobId)).toBe('completed');
  });

  it('a duplicate id, a task cancelled meanwhile, and a resend overlapping another batch: each success once', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, 4);
    const tasks = await claimAll(db, 'dup', 4);
    const [t1, t2, t3, t4] = tasks;
    if (!t1 || !t2 || !t3 || !t4) throw new Error('expected 4 tasks');
    // t4 is cancelled while its success waits in the batcher (the cancel bumps its version, as the API's does).
    await db.query({
      text: `UPDATE tasks SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, version = version + 1
              WHERE id = $1::uuid`,
      values: [t4.id],
    });
    const first = await completeMany(db, 'dup', [
      { task: t1, result: 'one' },
      { task: t1, result: 'one' },
      { task: t2, result: 'two' },
      { task: t4, result: 'four' },
    ]);
    expect([...first].sort()).toEqual([t1.id, t2.id].sort());
    // t2's success sent again (its answer lost) in a batch with t3's: t2 reported recorded, not recorded twice.
    const second = await completeMany(db, 'dup', [
      { task: t2, result: 'two' },
      { task: t3, result: 'three' },
    ]);
    expect([...second].sort()).toEqual([t2.id, t3.id].sort());
    expect(await versionsOf(db, jobId)).toEqual([
      { status: 'cancelled', attempt: 1, version: String(t4.version + 1), n: 1 },
      { status: 'completed', attempt: 1, version: String(t1.version + 1), n: 3 },
    ]);
    expect(await taskRow(db, t4.id)).toMatchObject({ status: 'cancelled', result: null });
    expect(await jobStatus(db, jobId)).toBe('completed');
  });

  it('another worker id cannot complete a task it does not hold', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, 1);
    const [task] = await claim(db, 'holder', { limit: 1, leaseSeconds: 30 });
    if (!task) throw new Error('nothing claimed');
    expect(await completeMany(db, 'intruder', [{ task, result: 'not mine' }])).toEqual(new Set());
    expect(await taskRow(db, task.id)).toMatchObject({ status: 'processing', result: null });
  });

  it('a row that fails the statement fails only its own task: the batcher records the rest one by one', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, 3);
    const tasks = await claimAll(db, 'poison', 3);
    const [bad, ...good] = tasks;
    if (!bad) throw new Error('nothing claimed');
    const batcher = successBatcher(db, 'poison');
    // A version beyond bigint: the statement fails with 22003, which sending again cannot fix.
    const answers = await Promise.allSettled([
      batcher.complete({ ...bad, version: 2 ** 70 }, 'bad'),
      ...good.map((task) => batcher.complete(task, 'good')),
    ]);
    expect(answers[0]?.status).toBe('rejected');
    expect(answers.slice(1)).toEqual(good.map(() => ({ status: 'fulfilled', value: true })));
    expect(await taskRow(db, bad.id)).toMatchObject({ status: 'processing' });
  });

  it('the local pool drains 1,500 tasks of one hot job: each completed exactly once, in far fewer statements', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, 1500);
    let completions = 0;
    const counted: Database = {
      ...db,
      query: (statement) => {
        if (statement.text.includes('jsonb_to_recordset($2::jsonb) AS b(id uuid, version bigint'))
          completions += 1;
        return db.query(statement);
      },
    };
    const pool = startLocalWorkers(
      counted,
      {
        WORKER_CONCURRENCY: 32,
        LEASE_SECONDS: 30,
        HEARTBEAT_MS: 5_000,
        RETRY_BASE_DELAY_MS: 100,
        POLL_MS: 20,
        USER_MAX_RUNNING: 0,
        SCHEDULER_INTERVAL_MS: 60_000,
      },
      log,
    );
    try {
      expect(await eventually(async () => pool.outcomes.completed >= 1500, 120_000)).toBe(true);
    } finally {
      await pool.stop();
    }
    expect(pool.outcomes).toMatchObject({ completed: 1500, lost: 0, unrecorded: 0 });
    expect(await versionsOf(db, jobId)).toEqual([{ status: 'completed', attempt: 1, version: '3', n: 1500 }]);
    expect(await jobStatus(db, jobId)).toBe('completed');
    expect(completions).toBeLessThan(1500 / 2);
  });
});

describe('a batch while PostgreSQL is cut off', () => {
  it('the successes wait, are sent again within their leases, and are recorded once when it comes back', async () => {
    const test = await freshDatabase();
    const proxy = await startTcpProxy(test.url);
    const proxied = createPgDatabase({ connectionString: proxy.url, maxConnections: 4 });
    try {
      const jobId = await insertJob(test.db, { userId: USER, jobType: 'gated', maxRetries: 0 });
      await insertTasks(test.db, jobId, 6);
      const tasks = await claimAll(test.db, 'cut', 6);
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const gated: TaskHandler = async ({ task }) => {
        await gate;
        return `done ${task.id}`;
      };
      const batcher = successBatcher(proxied, 'cut');
      const settings = { LEASE_SECONDS: 30, HEARTBEAT_MS: 200, RETRY_BASE_DELAY_MS: 100 };
      const running = tasks.map((task) =>
        runTask(proxied, task, 'cut', settings, log, { gated }, batcher.complete),
      );
      await sleep(100);
      proxy.cut();
      open();
      await sleep(1_500); // several batch statements and heartbeats fail meanwhile
      expect(await versionsOf(test.db, jobId)).toEqual([
        { status: 'processing', attempt: 1, version: '2', n: 6 },
      ]);
      proxy.restore();
      expect(await Promise.all(running)).toEqual(tasks.map(() => 'completed'));
      expect(await versionsOf(test.db, jobId)).toEqual([
        { status: 'completed', attempt: 1, version: '3', n: 6 },
      ]);
      for (const task of tasks) expect((await taskRow(test.db, task.id)).result).toBe(`done ${task.id}`);
      expect(await jobStatus(test.db, jobId)).toBe('completed');
    } finally {
      await proxied.close();
      await proxy.close();
      await test.drop();
    }
  });
});

/**
 * The batch statement through a Data API endpoint that runs and commits it and then loses its answer: the adapter
 * sends it again, and the resend must report every task recorded — exactly once, one version on — not lost.
 */
describe.each<LostAnswerMode>(['error', 'reset'])('a batch whose answer is lost (%s)', (mode) => {
  let test: TestDatabase;
  let connection: DriverConnection;
  beforeAll(async () => {
    test = await freshDatabase();
    connection = await connect('data-api', test);
  });
  afterAll(async () => {
    await connection.close();
    await test.drop();
  });

  it('is sent again and reports each success recorded once', async () => {
    const jobId = await insertJob(test.db, { userId: USER });
    await insertTasks(test.db, jobId, 8);
    const tasks = await claimAll(test.db, 'lossy', 8);
    expect(tasks).toHaveLength(8);
    connection.endpoint?.faults.set({ mode, count: 1, operations: ['execute'] });
    const before = connection.endpoint?.faults.lost ?? 0;
    const recorded = await completeMany(
      connection.db,
      'lossy',
      tasks.map((task) => ({ task, result: `once ${task.id}` })),
    );
    expect(connection.endpoint?.faults.lost ?? 0).toBeGreaterThan(before);
    expect([...recorded].sort()).toEqual(tasks.map((t) => t.id).sort());
    expect(await versionsOf(test.db, jobId)).toEqual([
      { status: 'completed', attempt: 1, version: '3', n: 8 },
    ]);
    expect(await jobStatus(test.db, jobId)).toBe('completed');
    // Sent once more (a worker's own retry after the adapter gave up): still recorded, still once.
    expect(
      await completeMany(
        connection.db,
        'lossy',
        tasks.map((task) => ({ task, result: `once ${task.id}` })),
      ),
    ).toEqual(recorded);
    expect(await versionsOf(test.db, jobId)).toEqual([
      { status: 'completed', attempt: 1, version: '3', n: 8 },
    ]);
  });
});
