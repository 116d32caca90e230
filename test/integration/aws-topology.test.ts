import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database } from '../../lambdas/db/port.js';
import { localAuth } from '../../local/auth.js';
import type { AwsStack } from '../../local/aws-stack.js';
import { startTestAwsStack, type TestAwsStack } from '../support/aws-stack.js';
import { fetchChecked } from '../support/contract.js';
import { eventually, sleep } from '../support/tasks.js';

/**
 * The AWS execution path end to end under `startAwsStack` (what `npm run start:aws` runs): API handlers → SQS
 * (delayed messages) → the event source mapping → the worker Lambda in its own process → the Data API → PostgreSQL,
 * with the real SDK clients and real HTTP. Timings are bounds the design promises (docs/semantics.md), with the
 * slack a shared 2-core machine needs.
 */
const HEARTBEAT_MS = 1000;
const LEASE_SECONDS = 3;
/**
 * The requirement: occurrences and retries start within 1 s of their due time, plus the worker's start latency. A
 * notice arrives up to a second early and waits to the millisecond, so what remains is the hop (SQS receive, the
 * container, the claim through the Data API): tens of ms on an idle machine, 1.3 s once with this 2-core machine's
 * load average at 9. The bound is the requirement's second plus 500 ms for that start latency.
 */
const DUE_BOUND_MS = 1_000 + 500;
let aws: TestAwsStack;
let db: Database;
let stack: AwsStack;
let headers: Record<string, string>;
let sqs: SQSClient;

beforeAll(async () => {
  aws = await startTestAwsStack({
    maxConcurrency: 4,
    maxReceiveCount: 3,
    workerEnvironment: {
      LOG_LEVEL: 'error',
      HEARTBEAT_MS: String(HEARTBEAT_MS),
      LEASE_SECONDS: String(LEASE_SECONDS),
      RETRY_BASE_DELAY_MS: '2000',
    },
  });
  stack = aws.stack;
  db = createPgDatabase({ connectionString: aws.database.url });
  const token = await (await localAuth(aws.dataDir)).mint('5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b');
  headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  sqs = new SQSClient({
    endpoint: stack.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // A first run starts the worker's container (a cold start), which the bounds below leave out.
  const warm = await createJob({ job_type: 'echo', payload: { prompt: 'warm up' } });
  await runNow(warm);
  await eventually(async () => (await tasksOf(warm)).some((t) => t.status === 'completed'), 30_000);
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await db?.close();
  await aws?.stop();
});

async function createJob(body: Record<string, unknown>): Promise<string> {
  const response = await fetchChecked(`${stack.url}/jobs`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function runNow(jobId: string): Promise<string> {
  const response = await fetchChecked(`${stack.url}/jobs/${jobId}/run`, { method: 'POST', headers });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

interface TaskRow {
  id: string;
  status: string;
  attempt: number;
  run_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  scheduled_for: Date | null;
}

async function tasksOf(jobId: string): Promise<TaskRow[]> {
  const { rows } = await db.query<TaskRow & Record<string, unknown>>({
    text: `SELECT id, status, attempt, run_at, started_at, finished_at, scheduled_for FROM tasks
            WHERE job_id = $1::uuid ORDER BY created_at`,
    values: [jobId],
  });
  return rows;
}

async function task(taskId: string): Promise<TaskRow | undefined> {
  const { rows } = await db.query<TaskRow & Record<string, unknown>>({
    text: 'SELECT id, status, attempt, run_at, started_at, finished_at, scheduled_for FROM tasks WHERE id = $1::uuid',
    values: [taskId],
  });
  return rows[0];
}

describe('the AWS topology, end to end', () => {
  it('a run-now completes in under 2 s', async () => {
    const jobId = await createJob({ job_type: 'echo', payload: { prompt: 'now' } });
    const started = Date.now();
    const taskId = await runNow(jobId);
    expect(await eventually(async () => (await task(taskId))?.status === 'completed', 2_000, 20)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a 3 s timedelta produces occurrences 3 s ± 1 s apart, each starting within a second of its due time', async () => {
    const jobId = await createJob({
      job_type: 'echo',
      payload: { prompt: 'tick' },
      schedule_interval: { type: 'timedelta', seconds: 3 },
    });
    expect(await eventually(async () => (await tasksOf(jobId)).length >= 4, 20_000, 100)).toBe(true);
    await fetchChecked(`${stack.url}/jobs/${jobId}/cancel`, { method: 'POST', headers });
    const tasks = (await tasksOf(jobId)).slice(0, 4);
    const starts = tasks.map((t) => t.started_at?.getTime() ?? Number.NaN);
    for (const [index, row] of tasks.entries()) {
      expect(row.scheduled_for).not.toBeNull();
      const lateness = (row.started_at?.getTime() ?? Number.NaN) - (row.scheduled_for?.getTime() ?? 0);
      expect(lateness, `occurrence ${index} started ${lateness} ms after its due time`).toBeLessThan(
        DUE_BOUND_MS,
      );
      expect(lateness).toBeGreaterThanOrEqual(-50);
    }
    for (let i = 1; i < starts.length; i += 1) {
      const gap = (starts[i] ?? 0) - (starts[i - 1] ?? 0);
      expect(gap, `gap ${i}`).toBeGreaterThanOrEqual(2_000);
      expect(gap, `gap ${i}`).toBeLessThanOrEqual(4_000);
    }
  }, 40_000);

  it('retries start at their backoff time, within a second', async () => {
    const jobId = await createJob({
      job_type: 'sleep',
      payload: { prompt: 'too slow', seconds: 30 },
      timeout_seconds: 1,
      max_retries: 2,
    });
    const taskId = await runNow(jobId);
    // Watch the row: after each failed attempt its run_at is the retry's due time; then the next attempt starts.
    const dueOfRetry = new Map<number, number>();
    const startOfAttempt = new Map<number, number>();
    const deadline = Date.now() + 25_000;
    for (;;) {
      const row = await task(taskId);
      if (row?.status === 'created' && row.attempt > 0) dueOfRetry.set(row.attempt + 1, row.run_at.getTime());
      if (row?.started_at) startOfAttempt.set(row.attempt, row.started_at.getTime());
      if (row?.status === 'failed' || Date.now() > deadline) break;
      await sleep(25);
    }
    expect((await task(taskId))?.status).toBe('failed');
    expect([...dueOfRetry.keys()].sort()).toEqual([2, 3]);
    for (const [attempt, due] of dueOfRetry) {
      const late = (startOfAttempt.get(attempt) ?? Number.NaN) - due;
      expect(late, `attempt ${attempt} started ${late} ms after its retry was due`).toBeGreaterThanOrEqual(
        -50,
      );
      expect(late).toBeLessThan(DUE_BOUND_MS);
    }
  }, 40_000);

  it('a worker killed mid-task leads to a redelivery and one completed task', async () => {
    const jobId = await createJob({ job_type: 'sleep', payload: { prompt: 'crash me', seconds: 3 } });
    const taskId = await runNow(jobId);
    expect(await eventually(async () => (await task(taskId))?.status === 'processing', 5_000, 20)).toBe(true);
    await sleep(300);
    const busy = stack.containers().filter((container) => container.busy);
    expect(busy.length).toBeGreaterThan(0);
    for (const container of busy) container.kill('SIGKILL');
    // The message comes back within one lease; the same message takes the task back and runs it again.
    expect(await eventually(async () => (await task(taskId))?.status === 'completed', 20_000, 100)).toBe(
      true,
    );
    const tasks = await tasksOf(jobId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.attempt).toBe(2);
  }, 40_000);

  it('a worker killed mid-occurrence, once later occurrences took the chain, still leads to one completed task', async () => {
    // Review finding: the occurrence's message came back after its worker died, found the chain taken by a later
    // occurrence's message and dropped itself; its task stayed `processing` for ever (nothing else names it).
    const jobId = await createJob({
      job_type: 'sleep',
      payload: { prompt: 'crash my occurrence', seconds: 3 },
      schedule_interval: { type: 'timedelta', seconds: 1 },
    });
    expect(
      await eventually(
        async () => (await tasksOf(jobId)).filter((t) => t.status === 'processing').length >= 2,
        10_000,
        20,
      ),
    ).toBe(true);
    await sleep(200);
    for (const container of stack.containers().filter((c) => c.busy)) container.kill('SIGKILL');
    // Let the killed messages come back (one lease) while later occurrences take the chain, then stop it (no more
    // occurrences; running tasks go on).
    await sleep(6_000);
    const current = await fetchChecked(`${stack.url}/jobs/${jobId}`, { headers });
    const etag = current.headers.get('etag') ?? '';
    const patched = await fetchChecked(`${stack.url}/jobs/${jobId}`, {
      method: 'PATCH',
      headers: { ...headers, 'if-match': etag },
      body: JSON.stringify({ schedule_interval: { type: 'manual' } }),
    });
    expect(patched.status).toBe(200);
    const settled = await eventually(
      async () => (await tasksOf(jobId)).every((t) => t.status === 'completed'),
      20_000,
      200,
    );
    const left = (await tasksOf(jobId)).filter((t) => t.status !== 'completed');
    expect(settled, `tasks left: ${JSON.stringify(left)}`).toBe(true);
    expect((await tasksOf(jobId)).some((t) => t.attempt === 2)).toBe(true);
  }, 60_000);

  it('a poison message lands in the dead-letter queue', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: 'this is not a notice' }));
    const inDlq = async () =>
      Number(
        (
          await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: stack.deadLetterQueueUrl,
              AttributeNames: ['ApproximateNumberOfMessages'],
            }),
          )
        ).Attributes?.ApproximateNumberOfMessages ?? 0,
      );
    expect(await eventually(async () => (await inDlq()) === 1, 15_000, 100)).toBe(true);
  }, 30_000);

  it('cancelling a running sleep ends it within one heartbeat', async () => {
    const jobId = await createJob({ job_type: 'sleep', payload: { prompt: 'long', seconds: 60 } });
    const taskId = await runNow(jobId);
    expect(await eventually(async () => (await task(taskId))?.status === 'processing', 5_000, 20)).toBe(true);
    await sleep(200);
    const cancelledAt = Date.now();
    const response = await fetchChecked(`${stack.url}/tasks/${taskId}/cancel`, { method: 'POST', headers });
    expect(response.status).toBe(200);
    // The worker's invocation returns once its handler stopped: no container is busy any more.
    expect(
      await eventually(async () => stack.containers().every((container) => !container.busy), 5_000, 20),
    ).toBe(true);
    expect(Date.now() - cancelledAt).toBeLessThan(HEARTBEAT_MS + 1_000);
    expect((await task(taskId))?.status).toBe('cancelled');
  }, 30_000);
});
