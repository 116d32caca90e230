import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import { type Database, sql } from '../../lambdas/db/port.js';
import { type ClaimedTask, claim } from '../../lambdas/domain/execution.js';
import { createLogger } from '../../lambdas/logger.js';
import { runTask } from '../../lambdas/worker/run-task.js';
import { RESULT_LIMIT, type TaskHandler } from '../../lambdas/worker/types.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob, insertTasks, jobStatus, sleep, taskRow } from '../support/tasks.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** Worker writes under faults: unstorable text, a database cut off mid-outcome, a failing follow-up statement. */
let test: TestDatabase;
let db: Database;
let proxy: TcpProxy;
let proxied: Database;
const log = createLogger({}, 'error');
const USER = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const settings = { LEASE_SECONDS: 30, HEARTBEAT_MS: 200, RETRY_BASE_DELAY_MS: 100 };

beforeAll(async () => {
  test = await freshDatabase();
  db = test.db;
  proxy = await startTcpProxy(test.url);
  proxied = createPgDatabase({ connectionString: proxy.url, maxConnections: 4 });
});
afterAll(async () => {
  await proxied.close();
  await proxy.close();
  await test.drop();
});

async function claimOne(jobType: string, maxRetries = 0): Promise<ClaimedTask> {
  const jobId = await insertJob(db, { userId: USER, jobType, maxRetries });
  await insertTasks(db, jobId, 1);
  const [task] = await claim(db, 'w', { limit: 1, leaseSeconds: settings.LEASE_SECONDS });
  if (!task) throw new Error('nothing claimed');
  return task;
}

/** A handler that returns (or throws) when told to. */
function gate() {
  let open: (outcome: { result?: string; error?: string }) => void = () => {};
  const outcome = new Promise<{ result?: string; error?: string }>((resolve) => {
    open = resolve;
  });
  const handler: TaskHandler = async () => {
    const { result, error } = await outcome;
    if (error !== undefined) throw new Error(error);
    return result ?? '';
  };
  return { handler, open };
}

describe('text a worker writes', () => {
  it('a result with NUL and a lone surrogate is recorded once, made storable, instead of failing the attempt', async () => {
    const task = await claimOne('nul-result', 3);
    const handlers = { 'nul-result': async () => 'a\u0000b\ud800c' };
    expect(await runTask(db, task, 'w', settings, log, handlers)).toBe('completed');
    expect(await taskRow(db, task.id)).toMatchObject({
      status: 'completed',
      attempt: 1,
      result: 'a\uFFFDb\uFFFDc',
    });
  });

  it('an error message with NUL is recorded, not left processing', async () => {
    const task = await claimOne('nul-error');
    const handlers = {
      'nul-error': async () => {
        throw new Error('bad\u0000byte');
      },
    };
    expect(await runTask(db, task, 'w', settings, log, handlers)).toBe('failed');
    expect(await taskRow(db, task.id)).toMatchObject({ status: 'failed', last_error: 'bad\uFFFDbyte' });
  });

  it('a long result is cut between characters, within RESULT_LIMIT bytes', async () => {
    const task = await claimOne('long-result');
    // One ASCII byte first, so a cut at a fixed byte offset would fall inside a 4-byte emoji.
    const handlers = { 'long-result': async () => `x${'😀'.repeat(RESULT_LIMIT)}` };
    expect(await runTask(db, task, 'w', settings, log, handlers)).toBe('completed');
    const result = String((await taskRow(db, task.id)).result);
    expect(Buffer.byteLength(result)).toBeLessThanOrEqual(RESULT_LIMIT);
    expect(result).toMatch(/^x(😀)+… \[truncated\]$/u);
  });
});

describe('an outcome while the database is unreachable', () => {
  it('a success finished while PostgreSQL is cut off is recorded when it comes back, within the lease', async () => {
    const task = await claimOne('gated');
    const { handler, open } = gate();
    const running = runTask(proxied, task, 'w', settings, log, { gated: handler });
    await sleep(100);
    proxy.cut();
    open({ result: 'done' });
    await sleep(1_500); // several outcome writes and heartbeats fail meanwhile
    expect((await taskRow(db, task.id)).status).toBe('processing');
    proxy.restore();
    expect(await running).toBe('completed');
    expect(await taskRow(db, task.id)).toMatchObject({ status: 'completed', attempt: 1, result: 'done' });
    expect(await jobStatus(db, task.jobId)).toBe('completed');
  });

  it('a failure likewise: the attempt is recorded once the database answers again', async () => {
    const task = await claimOne('gated', 2);
    const { handler, open } = gate();
    const running = runTask(proxied, task, 'w', settings, log, { gated: handler });
    await sleep(100);
    proxy.cut();
    open({ error: 'handler said no' });
    await sleep(1_000);
    proxy.restore();
    expect(await running).toBe('retrying');
    expect(await taskRow(db, task.id)).toMatchObject({
      status: 'created',
      attempt: 1,
      last_error: 'handler said no',
    });
  });

  it('once the lease would have expired, the worker stops writing and leaves the task to the reaper', async () => {
    const task = await claimOne('gated');
    const { handler, open } = gate();
    const short = { ...settings, LEASE_SECONDS: 1 };
    const running = runTask(proxied, task, 'w', short, log, { gated: handler });
    proxy.cut();
    open({ result: 'too late' });
    try {
      expect(await running).toBe('unrecorded');
    } finally {
      proxy.restore();
    }
    expect(await taskRow(db, task.id)).toMatchObject({ status: 'processing', result: null });
  });
});

describe('a claim whose follow-up statement fails', () => {
  it('still returns the tasks it leased; their end derives the job status', async () => {
    const jobId = await insertJob(db, { userId: USER, priority: 100 });
    await insertTasks(db, jobId, 2);
    // A real failure of the job-status refresh that follows the claim statement: jobs refuse a status change.
    await db.query(
      sql(`CREATE FUNCTION refuse_status() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'status refresh refused'; END $$`),
    );
    await db.query(
      sql(`CREATE TRIGGER refuse_status BEFORE UPDATE OF status ON jobs FOR EACH ROW
           WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION refuse_status()`),
    );
    let claimed: ClaimedTask[];
    try {
      claimed = await claim(db, 'w', { limit: 2, leaseSeconds: 30 });
    } finally {
      await db.query(sql('DROP TRIGGER refuse_status ON jobs'));
      await db.query(sql('DROP FUNCTION refuse_status()'));
    }
    expect(claimed.map((task) => task.jobId)).toEqual([jobId, jobId]);
    expect(await jobStatus(db, jobId)).toBe('created'); // the refresh did fail
    for (const task of claimed) expect(await runTask(db, task, 'w', settings, log)).toBe('completed');
    expect(await jobStatus(db, jobId)).toBe('completed');
  });
});
