import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeliverySettings, deliveryLeaseSeconds } from '../../lambdas/domain/deliveries.js';
import { claim, complete } from '../../lambdas/domain/execution.js';
import { createJob } from '../../lambdas/domain/job-writes.js';
import { cancelJob } from '../../lambdas/domain/jobs.js';
import type { WorkNotice } from '../../lambdas/domain/notices.js';
import { cancelTask, runJobNow } from '../../lambdas/domain/tasks.js';
import { createLogger } from '../../lambdas/logger.js';
import type { JobSpec } from '../../lambdas/shapes/job-requests.js';
import { claimNamedDelivery } from '../../lambdas/sql/deliveries.js';
import { handleNotice } from '../../lambdas/worker/notice-worker.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * The AWS path of webhook deliveries, one notice at a time on a real PostgreSQL: the worker that ends a task sends
 * its delivery's notice before letting its message go; a redelivered message sends it again when the worker died
 * in between; a delivery notice attempts once and chains its retry; an API cancel's deliveries are announced by a
 * sweep notice, sent delayed before the write and at once after it.
 */
const USER = '2d3e4f50-6172-4a83-9b94-a5b6c7d8e9f0';
const KEY = randomBytes(32);
const key = async () => KEY;
const log = createLogger({}, 'error');
const settings = { LEASE_SECONDS: 30, HEARTBEAT_MS: 1000, RETRY_BASE_DELAY_MS: 60_000 };
const deliveries: DeliverySettings = {
  allowPrivate: true,
  retryBaseMs: 5_000,
  retryWindowSeconds: 86_400,
  timeoutMs: 5_000,
  key,
};
let test: TestDatabase;
let receiver: WebhookReceiver;
beforeAll(async () => {
  test = await freshDatabase();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
  await test.drop();
});

function collected() {
  const sent: WorkNotice[] = [];
  return { sent, send: async (notices: WorkNotice[]) => void sent.push(...notices) };
}

const received = (notice: WorkNotice, messageId = randomUUID(), receiveCount = 1) => ({
  messageId,
  notice,
  receiveCount,
  sentAt: new Date(),
});

async function webhookJob(path: string, spec: Partial<JobSpec> = {}) {
  const { job } = await createJob(
    test.db,
    USER,
    {
      job_type: 'echo',
      payload: { prompt: 'notify' },
      schedule_interval: { type: 'manual' },
      max_retries: 0,
      priority: 50,
      timeout_seconds: 60,
      webhook: { url: `${receiver.url}${path}` },
      ...spec,
    },
    undefined,
    { webhookRules: { allowPrivate: true, key } },
  );
  return { jobId: job.id, secret: job.webhook?.secret ?? '' };
}

/** Handles a notice as the AWS worker does, with this file's settings; `send` gets the notices it sends on. */
const handle = (
  message: ReturnType<typeof received>,
  send: (notices: WorkNotice[]) => Promise<void> = async () => {},
) => handleNotice(message, { db: test.db, send, settings, log, deliveries });
const hits = (path: string) => receiver.received.filter((hook) => hook.path === path);

describe('webhook deliveries on the notice path', () => {
  it('the worker that completes a task sends its delivery notice; that notice POSTs the signed event once', async () => {
    const path = `/aws/${randomUUID()}`;
    const { jobId, secret } = await webhookJob(path);
    const task = await runJobNow(test.db, USER, jobId);
    const { sent, send } = collected();
    const ran = await handle(received({ kind: 'task', taskId: task.id }), send);
    expect(ran).toEqual({ kind: 'done', outcome: 'completed' });
    expect(sent).toEqual([{ kind: 'delivery', deliveryId: task.id }]);

    const attempt = collected();
    const notice = sent[0] as WorkNotice;
    expect(await handle(received(notice), attempt.send)).toEqual({ kind: 'done', outcome: 'handed-on' });
    expect(attempt.sent).toEqual([]);
    const [hit, ...more] = hits(path);
    expect(more).toHaveLength(0);
    expect(new Webhook(secret).verify(hit?.body ?? '', hit?.headers as Record<string, string>)).toMatchObject(
      {
        type: 'task.completed',
        data: { id: task.id, job_id: jobId, status: 'completed' },
      },
    );
    // The same notice again (SQS delivers at least once): the delivery has ended, nothing is sent.
    await handle(received(notice), attempt.send);
    expect(hits(path)).toHaveLength(1);
  });

  it('a failed attempt chains its retry notice, due at the next attempt', async () => {
    const path = `/aws-retry/${randomUUID()}`;
    receiver.failNext(path, 1, 502);
    const { jobId } = await webhookJob(path);
    const task = await runJobNow(test.db, USER, jobId);
    await handle(received({ kind: 'task', taskId: task.id }));
    const { sent, send } = collected();
    const before = Date.now();
    await handle(received({ kind: 'delivery', deliveryId: task.id }), send);
    expect(hits(path).map((hit) => hit.answered)).toEqual([502]);
    expect(sent).toHaveLength(1);
    const retry = sent[0] as Extract<WorkNotice, { kind: 'delivery' }>;
    expect(retry.deliveryId).toBe(task.id);
    expect((retry.due?.getTime() ?? 0) - before).toBeGreaterThanOrEqual(4_000);
  });

  it('a retry notice whose send failed is sent by the redelivered message (the delivery is not left pending for ever)', async () => {
    const path = `/aws-lost-retry/${randomUUID()}`;
    receiver.failNext(path, 1, 502);
    const { jobId } = await webhookJob(path);
    const task = await runJobNow(test.db, USER, jobId);
    await handle(received({ kind: 'task', taskId: task.id }));
    const message = received({ kind: 'delivery', deliveryId: task.id });
    const failingSend = async () => {
      throw new Error('SQS SendMessageBatch failed');
    };
    await expect(handle(message, failingSend)).rejects.toThrow(/SendMessageBatch/);
    expect(hits(path).map((hit) => hit.answered)).toEqual([502]);
    // The message is kept and comes back: the attempt is recorded, its retry not due yet. It must be announced.
    const { sent, send } = collected();
    await handle({ ...message, receiveCount: 2 }, send);
    const [row] = (
      await test.db.query<{ next_attempt_at: Date }>({
        text: 'SELECT next_attempt_at FROM webhook_deliveries WHERE id = $1::uuid',
        values: [task.id],
      })
    ).rows;
    expect(sent).toEqual([{ kind: 'delivery', deliveryId: task.id, due: row?.next_attempt_at }]);
    expect(hits(path)).toHaveLength(1);
  });

  it('a notice that finds its delivery leased (its holder alive or dead) comes back once the lease has run out', async () => {
    const path = `/aws-leased/${randomUUID()}`;
    const { jobId } = await webhookJob(path);
    const task = await runJobNow(test.db, USER, jobId);
    await handle(received({ kind: 'task', taskId: task.id }));
    // A worker leased it for an attempt and died before sending anything.
    await test.db.query(claimNamedDelivery(task.id, 'sqs:dead#1', 30));
    const disposition = await handle(received({ kind: 'delivery', deliveryId: task.id }));
    expect(disposition).toEqual({
      kind: 'later',
      afterSeconds: deliveryLeaseSeconds(deliveries),
      reason: 'delivery leased',
    });
    expect(hits(path)).toHaveLength(0);
  });

  it('a worker that died between ending the task and sending: the redelivered message sends the notice', async () => {
    const path = `/aws-crash/${randomUUID()}`;
    const { jobId } = await webhookJob(path);
    const task = await runJobNow(test.db, USER, jobId);
    // The first receive ran and recorded the task, then its worker died: no notice left this process.
    const [claimed] = await claim(test.db, 'dead-worker', { limit: 1, leaseSeconds: 30, taskId: task.id });
    expect(claimed && (await complete(test.db, claimed, 'dead-worker', 'done'))).toBe(true);
    const { sent, send } = collected();
    const again = await handle(received({ kind: 'task', taskId: task.id }, randomUUID(), 2), send);
    expect(again).toEqual({ kind: 'done', outcome: 'handed-on' });
    expect(sent).toEqual([{ kind: 'delivery', deliveryId: task.id }]);
  });

  it('cancelling a job announces a sweep before (delayed) and after its write; the sweep names every delivery', async () => {
    const path = `/aws-cancel/${randomUUID()}`;
    const { jobId } = await webhookJob(path, { job_type: 'sleep', payload: { prompt: 'wait', seconds: 60 } });
    const tasks = [await runJobNow(test.db, USER, jobId), await runJobNow(test.db, USER, jobId)];
    const announced = collected();
    const before = Date.now();
    await cancelJob(test.db, USER, jobId, announced.send);
    expect(announced.sent.map((n) => n.kind)).toEqual(['deliveries', 'deliveries']);
    const [delayed, immediate] = announced.sent as Extract<WorkNotice, { kind: 'deliveries' }>[];
    expect((delayed?.due?.getTime() ?? 0) - before).toBeGreaterThanOrEqual(59_000);
    expect(immediate).toEqual({ kind: 'deliveries', jobId });

    const swept = collected();
    await handleNotice(received(immediate as WorkNotice), { db: test.db, send: swept.send, settings, log });
    expect(swept.sent.map((n) => (n.kind === 'delivery' ? n.deliveryId : '')).sort()).toEqual(
      tasks.map((t) => t.id).sort(),
    );
  });

  it('cancelling one task announces its delivery before (delayed) and after the write', async () => {
    const path = `/aws-cancel-task/${randomUUID()}`;
    const { jobId } = await webhookJob(path);
    const task = await runJobNow(test.db, USER, jobId);
    const announced = collected();
    await cancelTask(test.db, USER, task.id, announced.send);
    expect(announced.sent).toHaveLength(2);
    expect(announced.sent[0]).toMatchObject({ kind: 'delivery', deliveryId: task.id });
    expect(announced.sent[0]?.kind === 'delivery' && announced.sent[0].due).toBeInstanceOf(Date);
    expect(announced.sent[1]).toEqual({ kind: 'delivery', deliveryId: task.id });
    await handle(received(announced.sent[1] as WorkNotice));
    expect(hits(path).map((hit) => JSON.parse(hit.body).type)).toEqual(['task.cancelled']);
  });
});
