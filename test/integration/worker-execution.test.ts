import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config.js';
import { openDatabase } from '../../lambdas/db/index.js';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database } from '../../lambdas/db/port.js';
import { DATA_API_ANSWER_BYTES } from '../../lambdas/db/port.js';
import {
  claim,
  claimBatchLimit,
  complete,
  fail,
  MAX_CLAIM_BATCH,
  reap,
  settleJobs,
} from '../../lambdas/domain/execution.js';
import { createLogger } from '../../lambdas/logger.js';
import { type Outcome, runTask } from '../../lambdas/worker/run-task.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob, insertTasks, jobStatus, sleep, taskRow } from '../support/tasks.js';

let test: TestDatabase;
let db: Database;
const log = createLogger({}, 'error');
const USER = '4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8';
const settings = { LEASE_SECONDS: 30, HEARTBEAT_MS: 200, RETRY_BASE_DELAY_MS: 100 };

beforeAll(async () => {
  test = await freshDatabase();
  db = createPgDatabase({ connectionString: test.url, maxConnections: 24 });
});
afterAll(async () => {
  await db.close();
  await test.drop();
});

describe('workers', () => {
  it('16 concurrent workers drain 2,000 tasks: each completed exactly once, none lost', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, 2000);
    const outcomes: Outcome[] = [];
    const worker = async (n: number) => {
      for (;;) {
        const tasks = await claim(db, `drain-${n}`, { limit: 4, leaseSeconds: 30 });
        if (tasks.length === 0) return;
        for (const task of tasks) outcomes.push(await runTask(db, task, `drain-${n}`, settings, log));
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, n) => worker(n)));
    expect(outcomes).toHaveLength(2000);
    expect(outcomes.every((o) => o === 'completed')).toBe(true);
    const { rows } = await db.query<{ status: string; attempt: number; n: number }>({
      text: 'SELECT status, attempt, count(*)::int AS n FROM tasks WHERE job_id = $1::uuid GROUP BY 1, 2',
      values: [jobId],
    });
    expect(rows).toEqual([{ status: 'completed', attempt: 1, n: 2000 }]);
    expect(await jobStatus(db, jobId)).toBe('completed');
  });

  it('the job status follows its tasks even when 40 of them finish at the same moment (5 rounds)', async () => {
    for (let round = 0; round < 5; round += 1) {
      const jobId = await insertJob(db, { userId: USER });
      await insertTasks(db, jobId, 40);
      const claimed = (
        await Promise.all(
          Array.from({ length: 40 }, (_, n) => claim(db, `racer-${n}`, { limit: 1, leaseSeconds: 30 })),
        )
      ).flat();
      expect(claimed).toHaveLength(40);
      expect(await jobStatus(db, jobId)).toBe('processing');
      const results = await Promise.all(claimed.map((task, n) => complete(db, task, `racer-${n}`, 'ok')));
      expect(results.every(Boolean)).toBe(true);
      expect(await jobStatus(db, jobId)).toBe('completed');
    }
  });

  it('a job stays processing while it has due tasks left, and completes with its last one', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, 3);
    const statuses: string[] = [];
    for (;;) {
      const [task] = await claim(db, 'one-by-one', { limit: 1, leaseSeconds: 30 });
      if (!task) break;
      await runTask(db, task, 'one-by-one', settings, log);
      statuses.push(await jobStatus(db, jobId));
    }
    expect(statuses).toEqual(['processing', 'processing', 'completed']);
  });

  it('the scheduler settles a job left processing when its only open task was cancelled through the API', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, 2);
    const [first] = await claim(db, 'w', { limit: 1, leaseSeconds: 30 });
    await runTask(db, first as never, 'w', settings, log);
    expect(await jobStatus(db, jobId)).toBe('processing'); // the second task is due
    await db.query({
      text: `UPDATE tasks SET status = 'cancelled' WHERE job_id = $1::uuid AND status = 'created'`,
      values: [jobId],
    });
    expect(await settleJobs(db)).toBeGreaterThanOrEqual(1);
    expect(await jobStatus(db, jobId)).toBe('completed');
    expect(await settleJobs(db)).toBe(0);
  });

  it('one claim takes at most claimBatchLimit(db) tasks, however many are asked for', async () => {
    // Over pg, whose answers have no size limit, that is MAX_CLAIM_BATCH; the Data API's 1 MiB allows 15.
    expect(claimBatchLimit(db)).toBe(MAX_CLAIM_BATCH);
    expect(claimBatchLimit({ answerLimitBytes: DATA_API_ANSWER_BYTES })).toBe(15);
    expect(claimBatchLimit({})).toBe(15);
    // The service's own pg database (`npm start`), opened by the configuration, claims as many as pg allows.
    const configured = openDatabase(parseConfig({ DB_DRIVER: 'pg', DATABASE_URL: test.url }));
    expect(claimBatchLimit(configured)).toBe(MAX_CLAIM_BATCH);
    await configured.close();
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, MAX_CLAIM_BATCH + 5);
    const claimed = await claim(db, 'greedy', { limit: 1000, leaseSeconds: 30 });
    expect(claimed).toHaveLength(MAX_CLAIM_BATCH);
    for (const task of claimed) await runTask(db, task, 'greedy', settings, log);
    for (const task of await claim(db, 'greedy', { limit: 1000, leaseSeconds: 30 }))
      await runTask(db, task, 'greedy', settings, log);
  });

  it('a task that slipped in while its job was cancelled is never run, and is then cancelled', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await db.query({ text: `UPDATE jobs SET status = 'cancelled' WHERE id = $1::uuid`, values: [jobId] });
    await insertTasks(db, jobId, 1); // what a run racing the cancel leaves behind
    expect(await claim(db, 'w', { limit: 16, leaseSeconds: 30 })).toEqual([]);
    await settleJobs(db);
    const { rows } = await db.query({
      text: 'SELECT status FROM tasks WHERE job_id = $1::uuid',
      values: [jobId],
    });
    expect(rows).toEqual([{ status: 'cancelled' }]);
  });

  it('a running task whose job is cancelled behind its back stops at the next heartbeat, cancelled', async () => {
    const jobId = await insertJob(db, {
      userId: USER,
      jobType: 'sleep',
      payload: { prompt: 'z', seconds: 30 },
    });
    await insertTasks(db, jobId, 1);
    const [task] = await claim(db, 'w', { limit: 1, leaseSeconds: 30 });
    if (!task) throw new Error('nothing claimed');
    const running = runTask(db, task, 'w', settings, log);
    // The job is cancelled by a statement that did not see this task (the race a cancel can lose).
    await db.query({ text: `UPDATE jobs SET status = 'cancelled' WHERE id = $1::uuid`, values: [jobId] });
    const started = Date.now();
    expect(await running).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await taskRow(db, task.id)).toMatchObject({ status: 'cancelled', lease_owner: null });
  });

  it('with one slot, priorities are served highest first, then earliest due', async () => {
    const order: number[] = [];
    for (const priority of [10, 90, 50, 70, 90])
      await insertTasks(db, await insertJob(db, { userId: USER, priority }), 1);
    for (;;) {
      const [task] = await claim(db, 'single', { limit: 1, leaseSeconds: 30 });
      if (!task) break;
      const { rows } = await db.query<{ priority: number }>({
        text: 'SELECT priority FROM tasks WHERE id = $1::uuid',
        values: [task.id],
      });
      order.push(rows[0]?.priority ?? -1);
      await runTask(db, task, 'single', settings, log);
    }
    expect(order).toEqual([90, 90, 70, 50, 10]);
  });

  it('a worker that dies holding a lease: the task re-runs after the lease expires, the late write is refused', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, 1);
    const [abandoned] = await claim(db, 'doomed', { limit: 1, leaseSeconds: 0.3 });
    if (!abandoned) throw new Error('nothing claimed');
    expect(await reap(db)).toBe(0);
    await sleep(400);
    expect(await reap(db)).toBe(1);
    const reaped = await taskRow(db, abandoned.id);
    expect(reaped).toMatchObject({ status: 'created', attempt: 1, lease_owner: null });
    expect(String(reaped.last_error)).toContain('stopped renewing its lease');

    const [again] = await claim(db, 'rescuer', { limit: 1, leaseSeconds: 30 });
    expect(again?.id).toBe(abandoned.id);
    expect(await runTask(db, again as never, 'rescuer', settings, log)).toBe('completed');
    // The dead worker wakes up and tries to write: fenced out by the version.
    expect(await complete(db, abandoned, 'doomed', 'stale result')).toBe(false);
    expect(await fail(db, abandoned, 'doomed', 'stale error', 0)).toBeNull();
    const final = await taskRow(db, abandoned.id);
    expect(final).toMatchObject({ status: 'completed', attempt: 2 });
    expect(JSON.parse(String(final.result))).toEqual({ prompt: 'test', n: 1 });
  });

  it('retries a failing handler max_retries + 1 times with growing delays, then fails task and job', async () => {
    const jobId = await insertJob(db, {
      userId: USER,
      jobType: 'sleep',
      payload: { prompt: 'x', seconds: -1 },
      maxRetries: 2,
    });
    await insertTasks(db, jobId, 1);
    const delays: number[] = [];
    const outcomes: Outcome[] = [];
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && outcomes.at(-1) !== 'failed') {
      const [task] = await claim(db, 'retrier', { limit: 1, leaseSeconds: 30 });
      if (!task) {
        await sleep(20);
        continue;
      }
      outcomes.push(await runTask(db, task, 'retrier', settings, log));
      const row = await taskRow(db, task.id);
      if (row.status === 'created')
        delays.push((row.run_at as Date).getTime() - (row.updated_at as Date).getTime());
      if (row.status === 'created') expect(await jobStatus(db, jobId)).toBe('processing');
    }
    expect(outcomes).toEqual(['retrying', 'retrying', 'failed']);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(50 - 5);
    expect(delays[0]).toBeLessThanOrEqual(100 + 5);
    expect(delays[1]).toBeGreaterThanOrEqual(100 - 5);
    expect(delays[1]).toBeLessThanOrEqual(200 + 5);
    const { rows } = await db.query({
      text: 'SELECT status, attempt, last_error, finished_at FROM tasks WHERE job_id = $1::uuid',
      values: [jobId],
    });
    expect(rows[0]).toMatchObject({
      status: 'failed',
      attempt: 3,
      last_error: 'payload.seconds must be a non-negative number',
    });
    expect(rows[0]?.finished_at).toBeInstanceOf(Date);
    expect(await jobStatus(db, jobId)).toBe('failed');
  });

  it('a sleep longer than timeout_seconds fails that attempt', async () => {
    const jobId = await insertJob(db, {
      userId: USER,
      jobType: 'sleep',
      payload: { prompt: 'x', seconds: 30 },
      maxRetries: 0,
      timeoutSeconds: 1,
    });
    await insertTasks(db, jobId, 1);
    const [task] = await claim(db, 'timer', { limit: 1, leaseSeconds: 30 });
    const started = Date.now();
    expect(await runTask(db, task as never, 'timer', settings, log)).toBe('failed');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await taskRow(db, task?.id ?? '')).toMatchObject({
      status: 'failed',
      last_error: 'timed out after 1 s (attempt 1)',
    });
  });

  it('an unknown job type (registry changed under a stored job) fails its attempt instead of crashing', async () => {
    const jobId = await insertJob(db, { userId: USER, jobType: 'retired-type', maxRetries: 0 });
    await insertTasks(db, jobId, 1);
    const [task] = await claim(db, 'w', { limit: 1, leaseSeconds: 30 });
    expect(await runTask(db, task as never, 'w', settings, log)).toBe('failed');
    expect(String((await taskRow(db, task?.id ?? '')).last_error)).toContain('no handler registered');
  });
});
