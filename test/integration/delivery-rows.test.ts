import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimNoticedTask } from '../../lambdas/domain/dispatch.js';
import {
  claim,
  complete,
  completeMany,
  fail,
  reap,
  renew,
  settleJobs,
} from '../../lambdas/domain/execution.js';
import { createJob } from '../../lambdas/domain/job-writes.js';
import { cancelJob, deleteJob } from '../../lambdas/domain/jobs.js';
import { cancelTask, runJobNow } from '../../lambdas/domain/tasks.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { sleep } from '../support/tasks.js';

/**
 * Every statement that ends a task inserts its webhook delivery in the same statement, once — including the paths
 * no API call shows: the reaper, a heartbeat that finds the job cancelled, the sweep of stranded tasks, and a
 * notice's claim that abandons or cancels. Sent again, none inserts a second. Each sets the task's finished_at
 * (GET /stats counts an ended task at it), a cancel as much as a completion or a failure.
 */
const USER = '3e4f5061-7283-4a94-8ba5-b6c7d8e9f001';
const key = async () => KEY;
const KEY = randomBytes(32);
let test: TestDatabase;
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

async function job(webhook = true) {
  const { job } = await createJob(
    test.db,
    USER,
    {
      job_type: 'echo',
      payload: { prompt: 'rows' },
      schedule_interval: { type: 'manual' },
      max_retries: 0,
      priority: 50,
      timeout_seconds: 60,
      ...(webhook ? { webhook: { url: 'https://93.184.216.34/hook' } } : {}),
    },
    undefined,
    { webhookRules: { allowPrivate: false, key } },
  );
  return job.id;
}

async function deliveriesOf(taskId: string) {
  return (
    await test.db.query<{ event_type: string; status: string; attempts: number }>({
      text: 'SELECT event_type, status, attempts FROM webhook_deliveries WHERE id = $1::uuid',
      values: [taskId],
    })
  ).rows;
}

/** A task's status and when it ended. */
async function endOf(taskId: string) {
  const { rows } = await test.db.query<{ status: string; finished_at: Date | null }>({
    text: 'SELECT status, finished_at FROM tasks WHERE id = $1::uuid',
    values: [taskId],
  });
  return rows[0];
}

/** The task ended as `status` with its finished_at set, at or before now. */
async function expectEnded(taskId: string, status: string) {
  const end = await endOf(taskId);
  expect(end?.status).toBe(status);
  expect(end?.finished_at).toBeInstanceOf(Date);
  expect(end?.finished_at?.getTime() ?? Infinity).toBeLessThanOrEqual(Date.now());
}

const cancelJobBehindTheApi = (jobId: string) =>
  test.db.query({ text: `UPDATE jobs SET status = 'cancelled' WHERE id = $1::uuid`, values: [jobId] });

describe('delivery rows', () => {
  it('completing inserts task.completed once, also when sent again; a job without a webhook gets none', async () => {
    const jobId = await job();
    const task = await runJobNow(test.db, USER, jobId);
    const [held] = await claim(test.db, 'w', { limit: 1, leaseSeconds: 30, taskId: task.id });
    if (!held) throw new Error('no claim');
    expect(await complete(test.db, held, 'w', 'ok')).toBe(true);
    expect(await complete(test.db, held, 'w', 'ok')).toBe(true);
    expect(await deliveriesOf(task.id)).toEqual([
      { event_type: 'task.completed', status: 'pending', attempts: 0 },
    ]);

    const plain = await runJobNow(test.db, USER, await job(false));
    const [other] = await claim(test.db, 'w', { limit: 1, leaseSeconds: 30, taskId: plain.id });
    if (!other) throw new Error('no claim');
    await complete(test.db, other, 'w', 'ok');
    expect(await deliveriesOf(plain.id)).toEqual([]);
  });

  it('a batch of successes (the local pool) inserts task.completed once per task, also when sent again', async () => {
    const jobId = await job();
    const first = await runJobNow(test.db, USER, jobId);
    const second = await runJobNow(test.db, USER, jobId);
    const held = [
      ...(await claim(test.db, 'w', { limit: 1, leaseSeconds: 30, taskId: first.id })),
      ...(await claim(test.db, 'w', { limit: 1, leaseSeconds: 30, taskId: second.id })),
    ];
    expect(held).toHaveLength(2);
    const items = held.map((task) => ({ task, result: 'ok' }));
    expect((await completeMany(test.db, 'w', items)).size).toBe(2);
    expect((await completeMany(test.db, 'w', items)).size).toBe(2);
    for (const task of [first, second])
      expect(await deliveriesOf(task.id)).toEqual([
        { event_type: 'task.completed', status: 'pending', attempts: 0 },
      ]);
  });

  it('a retry makes none; the last failed attempt makes task.failed', async () => {
    const jobId = await job();
    await test.db.query({ text: 'UPDATE jobs SET max_retries = 1 WHERE id = $1::uuid', values: [jobId] });
    const task = await runJobNow(test.db, USER, jobId);
    const [first] = await claim(test.db, 'w', { limit: 1, leaseSeconds: 30, taskId: task.id });
    if (!first) throw new Error('no claim');
    expect(await fail(test.db, first, 'w', 'boom', 0)).toBe('created');
    expect(await deliveriesOf(task.id)).toEqual([]);
    const [second] = await claim(test.db, 'w', { limit: 1, leaseSeconds: 30, taskId: task.id });
    if (!second) throw new Error('no claim');
    expect(await fail(test.db, second, 'w', 'boom', 0)).toBe('failed');
    expect(await deliveriesOf(task.id)).toMatchObject([{ event_type: 'task.failed' }]);
  });

  it('the reaper failing an abandoned last attempt makes task.failed', async () => {
    const task = await runJobNow(test.db, USER, await job());
    await claim(test.db, 'dead', { limit: 1, leaseSeconds: 0.05, taskId: task.id });
    await sleep(100);
    expect(await reap(test.db)).toBeGreaterThanOrEqual(1);
    await reap(test.db);
    expect(await deliveriesOf(task.id)).toMatchObject([{ event_type: 'task.failed' }]);
  });

  it('a heartbeat that finds the job cancelled (a task that slipped past the cancel) makes task.cancelled', async () => {
    const jobId = await job();
    const task = await runJobNow(test.db, USER, jobId);
    const [held] = await claim(test.db, 'w', { limit: 1, leaseSeconds: 30, taskId: task.id });
    if (!held) throw new Error('no claim');
    await cancelJobBehindTheApi(jobId);
    expect(await renew(test.db, held, 'w', 30)).toEqual({ held: false, reason: 'cancelled' });
    expect(await deliveriesOf(task.id)).toMatchObject([{ event_type: 'task.cancelled' }]);
    await expectEnded(task.id, 'cancelled');
  });

  it('the sweep of tasks stranded under a cancelled job makes task.cancelled', async () => {
    const jobId = await job();
    const task = await runJobNow(test.db, USER, jobId);
    await cancelJobBehindTheApi(jobId);
    await settleJobs(test.db);
    expect(await deliveriesOf(task.id)).toMatchObject([{ event_type: 'task.cancelled' }]);
    await expectEnded(task.id, 'cancelled');
  });

  it('a notice whose claim abandons a dead holder’s last attempt, or cancels a stranded task, makes the delivery and says to send it', async () => {
    const abandoned = await runJobNow(test.db, USER, await job());
    await claimNoticedTask(test.db, abandoned.id, { messageId: randomUUID(), receiveCount: 1 }, 0.05);
    await sleep(100);
    const retaken = await claimNoticedTask(
      test.db,
      abandoned.id,
      { messageId: randomUUID(), receiveCount: 1 },
      30,
    );
    expect(retaken).toEqual({ kind: 'settled', send: [{ kind: 'delivery', deliveryId: abandoned.id }] });
    expect(await deliveriesOf(abandoned.id)).toMatchObject([{ event_type: 'task.failed' }]);
    await expectEnded(abandoned.id, 'failed');

    const jobId = await job();
    const stranded = await runJobNow(test.db, USER, jobId);
    await cancelJobBehindTheApi(jobId);
    const cancelled = await claimNoticedTask(
      test.db,
      stranded.id,
      { messageId: randomUUID(), receiveCount: 1 },
      30,
    );
    expect(cancelled).toEqual({ kind: 'settled', send: [{ kind: 'delivery', deliveryId: stranded.id }] });
    expect(await deliveriesOf(stranded.id)).toMatchObject([{ event_type: 'task.cancelled' }]);
    await expectEnded(stranded.id, 'cancelled');
  });

  it('deleting a job makes task.cancelled for each open task, once', async () => {
    const jobId = await job();
    const tasks = [await runJobNow(test.db, USER, jobId), await runJobNow(test.db, USER, jobId)];
    await deleteJob(test.db, USER, jobId);
    for (const task of tasks) {
      expect(await deliveriesOf(task.id)).toMatchObject([{ event_type: 'task.cancelled' }]);
      await expectEnded(task.id, 'cancelled');
    }
  });

  it('cancelling a task or a job sets finished_at once: sent again, the cancel keeps the first end', async () => {
    const jobId = await job();
    const one = await runJobNow(test.db, USER, jobId);
    const view = await cancelTask(test.db, USER, one.id);
    expect(view.finished_at).not.toBeNull();
    await expectEnded(one.id, 'cancelled');
    const first = (await endOf(one.id))?.finished_at;
    await sleep(20);
    expect((await cancelTask(test.db, USER, one.id)).finished_at).toBe(view.finished_at);
    expect((await endOf(one.id))?.finished_at).toEqual(first);

    const rest = await runJobNow(test.db, USER, jobId);
    await cancelJob(test.db, USER, jobId);
    await expectEnded(rest.id, 'cancelled');
    const ended = (await endOf(rest.id))?.finished_at;
    await sleep(20);
    await cancelJob(test.db, USER, jobId);
    expect((await endOf(rest.id))?.finished_at).toEqual(ended);
    expect(await deliveriesOf(rest.id)).toMatchObject([{ event_type: 'task.cancelled' }]);
  });
});
