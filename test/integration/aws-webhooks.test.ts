import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAuth } from '../../local/auth.js';
import { startTestAwsStack, type TestAwsStack } from '../support/aws-stack.js';
import { fetchChecked } from '../support/contract.js';
import { eventually } from '../support/tasks.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Webhooks on the AWS path (what `npm run start:aws` runs): the API handlers encrypt the secret with the key they
 * read from the local Secrets Manager by ARN; the worker Lambda, in its own process, ends the task, sends the
 * delivery's SQS notice, and on that notice POSTs the signed event — reading the same key the same way. No
 * in-process pool and no polling of the database.
 */
let aws: TestAwsStack;
let receiver: WebhookReceiver;
let headers: Record<string, string>;
beforeAll(async () => {
  process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS = 'true';
  receiver = await startWebhookReceiver();
  aws = await startTestAwsStack({
    maxConcurrency: 4,
    workerEnvironment: {
      LOG_LEVEL: 'error',
      METRICS_STDOUT: 'false',
      HEARTBEAT_MS: '500',
      LEASE_SECONDS: '5',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_RETRY_BASE_MS: '500',
    },
  });
  const token = await (await localAuth(aws.dataDir)).mint(randomUUID());
  headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}, 120_000);
afterAll(async () => {
  await aws?.stop();
  await receiver?.close();
  delete process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS;
});

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetchChecked(`${aws.stack.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function webhookJob(path: string, spec: Record<string, unknown> = {}) {
  const created = await call<{ id: string; webhook: { secret: string } }>('POST', '/jobs', {
    job_type: 'echo',
    payload: { prompt: 'aws hook' },
    max_retries: 0,
    webhook: { url: `${receiver.url}${path}` },
    ...spec,
  });
  expect(created.status).toBe(201);
  return { jobId: created.body.id, secret: created.body.webhook.secret };
}

const hits = (path: string) => receiver.received.filter((hook) => hook.path === path);

describe('webhooks on the AWS topology', () => {
  it('a completed task’s event arrives signed, also after the receiver failed twice', async () => {
    const path = `/aws/${randomUUID()}`;
    receiver.failNext(path, 2, 500);
    const { jobId, secret } = await webhookJob(path);
    const task = await call<{ id: string }>('POST', `/jobs/${jobId}/run`);
    expect(await eventually(async () => hits(path).some((hit) => hit.answered < 300), 60_000, 100)).toBe(
      true,
    );
    expect(hits(path).map((hit) => hit.answered)).toEqual([500, 500, 204]);
    const last = hits(path).at(-1);
    expect(
      new Webhook(secret).verify(last?.body ?? '', last?.headers as Record<string, string>),
    ).toMatchObject({
      type: 'task.completed',
      data: { id: task.body.id, job_id: jobId, status: 'completed' },
    });
    const listed = await call<{ items: { status: string; attempts: number }[] }>(
      'GET',
      `/jobs/${jobId}/deliveries`,
    );
    expect(listed.body.items).toEqual([expect.objectContaining({ status: 'delivered', attempts: 3 })]);
  }, 90_000);

  it('cancelling a running task through the API sends task.cancelled', async () => {
    const path = `/aws-cancel/${randomUUID()}`;
    const { jobId, secret } = await webhookJob(path, {
      job_type: 'sleep',
      payload: { prompt: 'long', seconds: 60 },
    });
    const task = await call<{ id: string }>('POST', `/jobs/${jobId}/run`);
    expect(
      await eventually(
        async () =>
          (await call<{ status: string }>('GET', `/tasks/${task.body.id}`)).body.status === 'processing',
        30_000,
        50,
      ),
    ).toBe(true);
    expect((await call('POST', `/tasks/${task.body.id}/cancel`)).status).toBe(200);
    expect(await eventually(async () => hits(path).length > 0, 30_000, 100)).toBe(true);
    const [hit] = hits(path);
    expect(new Webhook(secret).verify(hit?.body ?? '', hit?.headers as Record<string, string>)).toMatchObject(
      {
        type: 'task.cancelled',
        data: { id: task.body.id, status: 'cancelled' },
      },
    );
  }, 60_000);
});
