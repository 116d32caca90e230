import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi, type TestUser } from '../support/api.js';
import { eventually } from '../support/tasks.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Completion webhooks end to end, as `npm start` runs them: real HTTP API, in-process workers and deliveries, real
 * PostgreSQL, and a real receiver on loopback (WEBHOOK_ALLOW_PRIVATE_TARGETS=true). Every event is verified with
 * the Standard Webhooks reference library, not with the service's own signing code.
 */
let api: TestApi;
let user: TestUser;
let receiver: WebhookReceiver;
beforeAll(async () => {
  process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS = 'true';
  process.env.WEBHOOK_RETRY_BASE_MS = '100';
  receiver = await startWebhookReceiver();
  api = await startApi('pg', {
    WORKER_CONCURRENCY: 4,
    HEARTBEAT_MS: 200,
    POLL_MS: 50,
    SCHEDULER_INTERVAL_MS: 200,
    RETRY_BASE_DELAY_MS: 100,
  });
  user = await api.user();
});
afterAll(async () => {
  await api.stop();
  await receiver.close();
  delete process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS;
  delete process.env.WEBHOOK_RETRY_BASE_MS;
});

type Job = { id: string; webhook: { url: string; secret?: string } | null; version: number };
type Task = { id: string; status: string; job_id: string };
type Delivery = {
  id: string;
  task_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_response_code: number | null;
  next_attempt_at: string | null;
};

const hookPath = () => `/hook/${randomUUID()}`;

async function jobWithWebhook(path: string, overrides: Record<string, unknown> = {}) {
  const created = await user.call<Job>('POST', '/jobs', {
    body: {
      job_type: 'echo',
      payload: { prompt: 'tell me when done' },
      max_retries: 0,
      webhook: { url: `${receiver.url}${path}` },
      ...overrides,
    },
  });
  expect(created.status).toBe(201);
  return created.body;
}

/** The events `path` got that the secret verifies, parsed by the reference library. */
function verifiedEvents(path: string, secret: string) {
  const webhook = new Webhook(secret);
  return receiver.received
    .filter((hook) => hook.path === path)
    .map((hook) => ({
      answered: hook.answered,
      event: webhook.verify(hook.body, hook.headers as Record<string, string>) as {
        type: string;
        timestamp: string;
        data: Task & Record<string, unknown>;
      },
    }));
}

const deliveries = async (jobId: string) =>
  (await user.call<{ items: Delivery[] }>('GET', `/jobs/${jobId}/deliveries`)).body.items;

async function delivered(path: string, count: number) {
  return eventually(
    async () => receiver.received.filter((hook) => hook.path === path && hook.answered < 300).length >= count,
    15_000,
  );
}

describe('completion webhooks', () => {
  it('the secret is returned once: in the response that set it, never by GET', async () => {
    const job = await jobWithWebhook(hookPath());
    expect(job.webhook?.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const read = await user.call<Job>('GET', `/jobs/${job.id}`);
    expect(read.body.webhook).toEqual({ url: job.webhook?.url });
  });

  it('a completed task is POSTed, signed, with the task as GET /tasks/{id} shows it plus job_id', async () => {
    const path = hookPath();
    const job = await jobWithWebhook(path);
    const run = await user.call<Task>('POST', `/jobs/${job.id}/run`);
    expect(await delivered(path, 1)).toBe(true);
    const [only, ...rest] = verifiedEvents(path, job.webhook?.secret ?? '');
    expect(rest).toHaveLength(0);
    expect(only?.event.type).toBe('task.completed');
    const task = (await user.call<Task>('GET', `/tasks/${run.body.id}`)).body;
    expect(only?.event.data).toEqual({ ...task, job_id: job.id });
    expect(Number.isNaN(Date.parse(only?.event.timestamp ?? ''))).toBe(false);
    expect(await eventually(async () => (await deliveries(job.id))[0]?.status === 'delivered', 10_000)).toBe(
      true,
    );
    const [delivery] = await deliveries(job.id);
    expect(delivery).toMatchObject({
      id: task.id,
      task_id: task.id,
      event_type: 'task.completed',
      status: 'delivered',
      attempts: 1,
      last_response_code: 204,
      next_attempt_at: null,
    });
  });

  it('a receiver that fails the first two attempts gets the event on the third, the same bytes each time', async () => {
    const path = hookPath();
    receiver.failNext(path, 2, 503);
    const job = await jobWithWebhook(path);
    await user.call('POST', `/jobs/${job.id}/run`);
    expect(await delivered(path, 1)).toBe(true);
    const events = verifiedEvents(path, job.webhook?.secret ?? '');
    expect(events.map((e) => e.answered)).toEqual([503, 503, 204]);
    expect(new Set(events.map((e) => JSON.stringify(e.event))).size).toBe(1);
    expect(
      new Set(receiver.received.filter((h) => h.path === path).map((h) => h.headers['webhook-id'])).size,
    ).toBe(1);
    // The receiver has answered; the attempt's outcome is recorded right after.
    expect(await eventually(async () => (await deliveries(job.id))[0]?.status === 'delivered', 10_000)).toBe(
      true,
    );
    expect((await deliveries(job.id))[0]).toMatchObject({
      status: 'delivered',
      attempts: 3,
      last_response_code: 204,
    });
  });

  it('a task that fails for good sends task.failed', async () => {
    const path = hookPath();
    const job = await jobWithWebhook(path, { job_type: 'sleep', payload: { prompt: 'fail', seconds: -1 } });
    await user.call('POST', `/jobs/${job.id}/run`);
    expect(await delivered(path, 1)).toBe(true);
    const [only] = verifiedEvents(path, job.webhook?.secret ?? '');
    expect(only?.event).toMatchObject({ type: 'task.failed', data: { status: 'failed', job_id: job.id } });
  });

  it('cancelling a running task, cancelling a job and deleting a job each send task.cancelled', async () => {
    const sleepy = { job_type: 'sleep', payload: { prompt: 'long', seconds: 30 } };
    const paths = [hookPath(), hookPath(), hookPath()] as const;
    const jobs = await Promise.all(paths.map((path) => jobWithWebhook(path, sleepy)));
    const tasks = await Promise.all(jobs.map((job) => user.call<Task>('POST', `/jobs/${job.id}/run`)));
    const [taskJob, cancelJob, deleteJob] = jobs;
    await user.call('POST', `/tasks/${tasks[0]?.body.id}/cancel`);
    await user.call('POST', `/jobs/${cancelJob?.id}/cancel`);
    expect((await user.call('DELETE', `/jobs/${deleteJob?.id}`)).status).toBe(204);
    for (const [index, path] of paths.entries()) {
      expect(await delivered(path, 1)).toBe(true);
      const events = verifiedEvents(path, jobs[index]?.webhook?.secret ?? '');
      expect(events).toHaveLength(1);
      expect(events[0]?.event).toMatchObject({
        type: 'task.cancelled',
        data: { id: tasks[index]?.body.id, status: 'cancelled', job_id: jobs[index]?.id },
      });
    }
    expect(
      await eventually(async () => (await deliveries(taskJob?.id ?? ''))[0]?.status === 'delivered', 10_000),
    ).toBe(true);
    expect((await deliveries(taskJob?.id ?? ''))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('PATCH sets a new webhook with a new secret, and null removes it', async () => {
    const job = await jobWithWebhook(hookPath());
    const path = hookPath();
    const patched = await user.call<Job>('PATCH', `/jobs/${job.id}`, {
      body: { webhook: { url: `${receiver.url}${path}` } },
      headers: { 'if-match': `"${job.version}"` },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.webhook?.secret).toMatch(/^whsec_/);
    expect(patched.body.webhook?.secret).not.toBe(job.webhook?.secret);
    await user.call('POST', `/jobs/${job.id}/run`);
    expect(await delivered(path, 1)).toBe(true);
    expect(verifiedEvents(path, patched.body.webhook?.secret ?? '')).toHaveLength(1);

    const current = (await user.call<Job>('GET', `/jobs/${job.id}`)).body;
    const removed = await user.call<Job>('PATCH', `/jobs/${job.id}`, {
      body: { webhook: null },
      headers: { 'if-match': `"${current.version}"` },
    });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body.webhook).toBeNull();
    const before = receiver.received.length;
    const quiet = await user.call<Task>('POST', `/jobs/${job.id}/run`);
    expect(
      await eventually(
        async () => (await user.call<Task>('GET', `/tasks/${quiet.body.id}`)).body.status === 'completed',
        10_000,
      ),
    ).toBe(true);
    // No webhook, no delivery row: the ended task's statement inserted none.
    expect((await deliveries(job.id)).filter((d) => d.task_id === quiet.body.id)).toEqual([]);
    expect(receiver.received.length).toBe(before);
  });

  it('deliveries are the caller’s only, and keyset-paged', async () => {
    const path = hookPath();
    const job = await jobWithWebhook(path);
    for (let i = 0; i < 3; i += 1) await user.call('POST', `/jobs/${job.id}/run`);
    expect(await delivered(path, 3)).toBe(true);
    const first = await user.call<{ items: Delivery[]; next_cursor: string | null }>(
      'GET',
      `/jobs/${job.id}/deliveries?limit=2`,
    );
    expect(first.body.items).toHaveLength(2);
    const second = await user.call<{ items: Delivery[]; next_cursor: string | null }>(
      'GET',
      `/jobs/${job.id}/deliveries?limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((d) => d.id);
    expect(new Set(ids).size).toBe(3);
    const stranger = await api.user();
    expect((await stranger.call('GET', `/jobs/${job.id}/deliveries`)).status).toBe(404);
  });
});
