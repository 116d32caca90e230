import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../lambdas/db/port.js';
import { type DeliverySettings, deliverDue, deliverNamed } from '../../lambdas/domain/deliveries.js';
import { claim, complete } from '../../lambdas/domain/execution.js';
import { createJob } from '../../lambdas/domain/job-writes.js';
import { runJobNow } from '../../lambdas/domain/tasks.js';
import type { JobSpec } from '../../lambdas/shapes/job-requests.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { connect, type DriverConnection } from '../support/drivers.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Delivery attempts below the HTTP API: the DNS-rebinding defence (the delivery resolves again, refuses a private
 * answer, and connects to the address it checked), and the recording of attempts through a Data API endpoint that
 * commits every statement and then loses its answer (no second POST, no lost outcome).
 */
const USER = '5b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';
const SPEC: JobSpec = {
  job_type: 'echo',
  payload: { prompt: 'hook me' },
  schedule_interval: { type: 'manual' },
  max_retries: 0,
  priority: 50,
  timeout_seconds: 60,
};
const KEY = randomBytes(32);
const key = async () => KEY;
const PUBLIC = async () => [{ address: '93.184.216.34', family: 4 }];
const LOOPBACK = async () => [{ address: '127.0.0.1', family: 4 }];

let test: TestDatabase;
let connection: DriverConnection;
let db: Database;
let receiver: WebhookReceiver;
beforeAll(async () => {
  test = await freshDatabase();
  connection = await connect('data-api', test);
  db = connection.db;
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
  await connection.close();
  await test.drop();
});

const settings = (overrides: Partial<DeliverySettings> = {}): DeliverySettings => ({
  allowPrivate: true,
  retryBaseMs: 60_000,
  retryWindowSeconds: 86_400,
  timeoutMs: 5_000,
  key,
  ...overrides,
});

/** A job with a webhook whose task has completed: its delivery row is pending and due. */
async function endedTask(url: string, rules: { allowPrivate: boolean; resolve?: typeof PUBLIC }) {
  const { job } = await createJob(test.db, USER, { ...SPEC, webhook: { url } }, undefined, {
    webhookRules: { ...rules, key },
  });
  const task = await runJobNow(test.db, USER, job.id);
  const [claimed] = await claim(test.db, 'test-worker', { limit: 1, leaseSeconds: 30, taskId: task.id });
  if (!claimed) throw new Error('no claim');
  expect(await complete(test.db, claimed, 'test-worker', 'done')).toBe(true);
  return { job, taskId: task.id, secret: job.webhook?.secret ?? '' };
}

const delivery = async (id: string) =>
  (
    await test.db.query<{
      status: string;
      attempts: number;
      last_response_code: number | null;
      last_error: string;
    }>({
      text: 'SELECT status, attempts, last_response_code, last_error FROM webhook_deliveries WHERE id = $1::uuid',
      values: [id],
    })
  ).rows[0];

const hitsOf = (path: string) => receiver.received.filter((hook) => hook.path === path);

describe('DNS rebinding', () => {
  beforeEach(() => connection.endpoint?.faults.set({ mode: 'error', count: 0 }));

  it('a host checked public when set, resolving to loopback at delivery, is not called', async () => {
    const port = new URL(receiver.url).port;
    const path = `/rebind/${randomUUID()}`;
    const { taskId } = await endedTask(`https://rebinding.example:${port}${path}`, {
      allowPrivate: false,
      resolve: PUBLIC,
    });
    const outcomes = await Promise.all(
      await deliverDue(test.db, 'rebind', 10, settings({ allowPrivate: false, resolve: LOOPBACK })),
    );
    expect(outcomes).toEqual(['pending']);
    expect(hitsOf(path)).toHaveLength(0);
    expect(await delivery(taskId)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_response_code: null,
    });
    expect((await delivery(taskId))?.last_error).toMatch(/target refused: .*127\.0\.0\.1/);
  });

  it('the connection goes to the address the check approved, not to a second lookup', async () => {
    const port = new URL(receiver.url).port;
    const path = `/pinned/${randomUUID()}`;
    // `.invalid` never resolves (RFC 2606): the request arrives only because it connects to the checked address.
    const { taskId, secret } = await endedTask(`http://never.invalid:${port}${path}`, {
      allowPrivate: true,
      resolve: LOOPBACK,
    });
    const outcomes = await Promise.all(
      await deliverDue(test.db, 'pinned', 10, settings({ resolve: LOOPBACK })),
    );
    expect(outcomes).toEqual(['delivered']);
    const [hit] = hitsOf(path);
    expect(hit?.headers.host).toBe(`never.invalid:${port}`);
    const event = new Webhook(secret).verify(hit?.body ?? '', hit?.headers as Record<string, string>);
    expect(event).toMatchObject({ type: 'task.completed', data: { id: taskId } });
  });
});

describe('attempts that get no 2xx', () => {
  beforeEach(() => connection.endpoint?.faults.set({ mode: 'error', count: 0 }));

  it('no answer within the timeout is an attempt that failed with "timeout", retried later', async () => {
    const path = `/hang/${randomUUID()}`;
    receiver.failNext(path, 1, 0);
    const { taskId } = await endedTask(`${receiver.url}${path}`, { allowPrivate: true });
    const started = Date.now();
    const outcomes = await Promise.all(await deliverDue(test.db, 'hang', 10, settings({ timeoutMs: 300 })));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(outcomes).toEqual(['pending']);
    expect(await delivery(taskId)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'timeout' });
  });

  it('an attempt whose retry would fall beyond the retry window marks the delivery failed', async () => {
    const path = `/gone/${randomUUID()}`;
    receiver.failNext(path, 5, 410);
    const { taskId } = await endedTask(`${receiver.url}${path}`, { allowPrivate: true });
    const outcomes = await Promise.all(
      await deliverDue(test.db, 'window', 10, settings({ retryBaseMs: 5_000, retryWindowSeconds: 2 })),
    );
    expect(outcomes).toEqual(['failed']);
    expect(await delivery(taskId)).toMatchObject({ status: 'failed', attempts: 1, last_response_code: 410 });
    expect(hitsOf(path)).toHaveLength(1);
  });
});

describe('attempts recorded through a Data API that loses every answer once', () => {
  beforeEach(() =>
    connection.endpoint?.faults.set({ mode: 'error', count: Number.POSITIVE_INFINITY, oncePerRequest: true }),
  );
  const lost = () => connection.endpoint?.faults.lost ?? 0;

  it('a delivered attempt is POSTed once and recorded once (local claim)', async () => {
    const path = `/lost/${randomUUID()}`;
    const { taskId } = await endedTask(`${receiver.url}${path}`, { allowPrivate: true });
    const before = lost();
    const outcomes = await Promise.all(await deliverDue(db, 'faulty', 10, settings()));
    expect(lost()).toBeGreaterThanOrEqual(before + 2);
    expect(outcomes).toEqual(['delivered']);
    expect(hitsOf(path)).toHaveLength(1);
    expect(await delivery(taskId)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      last_response_code: 204,
    });
  });

  it('a failed attempt is recorded once and keeps its retry (notice path)', async () => {
    const path = `/lost-retry/${randomUUID()}`;
    receiver.failNext(path, 1, 500);
    const { taskId } = await endedTask(`${receiver.url}${path}`, { allowPrivate: true });
    const before = lost();
    const result = await deliverNamed(db, taskId, `sqs:${randomUUID()}#1`, settings());
    expect(lost()).toBeGreaterThanOrEqual(before + 2);
    expect(result).toMatchObject({ kind: 'attempted', outcome: 'pending' });
    expect(result.kind === 'attempted' && result.retryAt).toBeInstanceOf(Date);
    expect(hitsOf(path)).toHaveLength(1);
    expect(await delivery(taskId)).toMatchObject({ status: 'pending', attempts: 1, last_response_code: 500 });
    // A duplicate notice before the retry is due attempts nothing.
    expect(await deliverNamed(db, taskId, `sqs:${randomUUID()}#1`, settings())).toMatchObject({
      kind: 'waiting',
      leased: false,
    });
    expect(hitsOf(path)).toHaveLength(1);
  });
});
