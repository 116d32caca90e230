import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseError, OutcomeUnknownError } from '../../lambdas/db/errors.js';
import type { Database } from '../../lambdas/db/port.js';
import { claimNoticedTask, takeNoticedOccurrence } from '../../lambdas/domain/dispatch.js';
import { claim, complete, fail, reap, renew, settleJobs } from '../../lambdas/domain/execution.js';
import { createJob, updateJob } from '../../lambdas/domain/job-writes.js';
import { cancelJob, deleteJob } from '../../lambdas/domain/jobs.js';
import { cancelTask, runJobNow } from '../../lambdas/domain/tasks.js';
import { migrate, migrationNames, migrationStatus } from '../../lambdas/migrator/migrator.js';
import type { JobSpec } from '../../lambdas/shapes/job-requests.js';
import type { LostAnswerMode } from '../../local/data-api/faults.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { connect, type DriverConnection } from '../support/drivers.js';
import { insertJob, insertTasks } from '../support/tasks.js';

const USER = '7c1e2d3f-4a5b-4c6d-8e7f-90a1b2c3d4e5';
const SPEC: JobSpec = {
  job_type: 'echo',
  payload: { prompt: 'once' },
  schedule_interval: { type: 'manual' },
  max_retries: 3,
  priority: 50,
  timeout_seconds: 60,
};

/**
 * Every write path of the domain through a Data API endpoint that runs and commits each statement and then loses
 * its answer (once per distinct request): the adapter may send again only what is safe to repeat, and what it
 * sends again must have the effect of one call and report the outcome of that call.
 */
describe.each<LostAnswerMode>(['error', 'reset'])('writes whose answer is lost (%s)', (mode) => {
  let test: TestDatabase;
  let connection: DriverConnection;
  let db: Database;
  /** The same database without faults, to arrange and to look. */
  let direct: Database;
  beforeAll(async () => {
    test = await freshDatabase();
    direct = test.db;
    connection = await connect('data-api', test);
    db = connection.db;
  });
  afterAll(async () => {
    await connection.close();
    await test.drop();
  });
  beforeEach(() => {
    connection.endpoint?.faults.set({ mode, count: Number.POSITIVE_INFINITY, oncePerRequest: true });
  });
  const count = async (text: string, values: string[]) =>
    Number((await direct.query<{ n: string }>({ text, values })).rows[0]?.n);
  const lost = () => connection.endpoint?.faults.lost ?? 0;

  it('a notice claims its task once: the resent claim returns the same lease, attempt 1', async () => {
    const jobId = await insertJob(direct, { userId: USER });
    await insertTasks(direct, jobId, 1);
    const taskId =
      (
        await direct.query<{ id: string }>({
          text: 'SELECT id FROM tasks WHERE job_id = $1::uuid',
          values: [jobId],
        })
      ).rows[0]?.id ?? '';
    const before = lost();
    const claimed = await claimNoticedTask(
      db,
      taskId,
      { messageId: crypto.randomUUID(), receiveCount: 1 },
      30,
    );
    expect(lost()).toBeGreaterThan(before);
    expect(claimed.kind).toBe('run');
    expect(await count(`SELECT attempt AS n FROM tasks WHERE id = $1::uuid`, [taskId])).toBe(1);
  });

  it('an occurrence whose take lost its answer is reported unknown; its redelivery makes no second task and hands on', async () => {
    const at = new Date(Date.now() - 500);
    at.setMilliseconds(0);
    const jobId = await insertJob(direct, {
      userId: USER,
      schedule: { type: 'timedelta', seconds: 60 },
      nextRunAt: at,
    });
    const messageId = crypto.randomUUID();
    // The take is not safe to resend as such (a resend would see its own advance): the worker keeps the message.
    await expect(takeNoticedOccurrence(db, jobId, at, messageId)).rejects.toBeInstanceOf(OutcomeUnknownError);
    const redelivered = await takeNoticedOccurrence(db, jobId, at, messageId);
    expect(redelivered.kind === 'done' && redelivered.taskId).toBeTruthy();
    expect(redelivered.kind === 'done' && redelivered.send.map((n) => n.kind)).toEqual(['occurrence']);
    expect(await count(`SELECT count(*) AS n FROM tasks WHERE job_id = $1::uuid`, [jobId])).toBe(1);
  });

  it('createJob without an Idempotency-Key makes one job', async () => {
    const before = lost();
    const { job, replayed } = await createJob(db, USER, { ...SPEC, job_type: 'once-only' });
    expect(lost()).toBeGreaterThan(before);
    expect(replayed).toBe(false);
    expect(await count(`SELECT count(*) AS n FROM jobs WHERE job_type = $1`, ['once-only'])).toBe(1);
    expect(job.job_type).toBe('once-only');
  });

  it('createJob with an Idempotency-Key and a caller-chosen id makes that one job', async () => {
    const id = crypto.randomUUID();
    const { job } = await createJob(db, USER, { ...SPEC, job_type: 'keyed' }, `key-${mode}`, { id });
    expect(job.id).toBe(id);
    expect(await count(`SELECT count(*) AS n FROM jobs WHERE job_type = $1`, ['keyed'])).toBe(1);
  });

  it('runJobNow makes one task, with the id the caller chose', async () => {
    const jobId = await insertJob(direct, { userId: USER });
    const task = await runJobNow(db, USER, jobId);
    expect(await count(`SELECT count(*) AS n FROM tasks WHERE job_id = $1::uuid`, [jobId])).toBe(1);
    const taskId = crypto.randomUUID();
    expect((await runJobNow(db, USER, jobId, { taskId })).id).toBe(taskId);
    expect(await count(`SELECT count(*) AS n FROM tasks WHERE job_id = $1::uuid`, [jobId])).toBe(2);
    expect(task.status).toBe('created');
  });

  it('runJobNow that fills the last slot under USER_MAX_QUEUED: the resend returns its own task, not 429', async () => {
    const user = crypto.randomUUID();
    const jobId = await insertJob(direct, { userId: user });
    await insertTasks(direct, jobId, 2);
    const before = lost();
    const task = await runJobNow(db, user, jobId, { userMaxQueued: 3 });
    expect(lost()).toBeGreaterThan(before);
    expect(task.status).toBe('created');
    expect(await count(`SELECT count(*) AS n FROM tasks WHERE job_id = $1::uuid`, [jobId])).toBe(3);
    // Claims interleave users: this user's waiting tasks would take turns with the claim tests' tasks below.
    await direct.query({
      text: `UPDATE tasks SET status = 'cancelled' WHERE job_id = $1::uuid`,
      values: [jobId],
    });
  });

  it('PATCH applies once and answers with the updated job, not a version conflict', async () => {
    const jobId = await insertJob(direct, { userId: USER });
    const updated = await updateJob(db, USER, jobId, 1, { priority: 70, payload: { prompt: 'changed' } });
    expect(updated.version).toBe(2);
    expect(updated.priority).toBe(70);
  });

  it('a claim (batch) takes tasks once, and the worker sees every task it took', async () => {
    const jobId = await insertJob(direct, { userId: USER, priority: 100 });
    await insertTasks(direct, jobId, 3);
    const claimed = await claim(db, 'worker-a', { limit: 1, leaseSeconds: 30 });
    expect(claimed.map((task) => [task.jobId, task.attempt])).toEqual([[jobId, 1]]);
    const taken = `SELECT count(*) AS n FROM tasks WHERE job_id = $1::uuid AND status = 'processing' AND attempt = 1`;
    expect(await count(taken, [jobId])).toBe(1);
    const burned = `SELECT count(*) AS n FROM tasks WHERE job_id = $1::uuid AND attempt > 0`;
    expect(await count(burned, [jobId])).toBe(1);
  });

  it('a claim of one named task takes it once', async () => {
    const jobId = await insertJob(direct, { userId: USER });
    const { id: taskId } = await runJobNow(direct, USER, jobId);
    const [task] = await claim(db, 'worker-b', { limit: 1, leaseSeconds: 30, taskId });
    expect(task?.id).toBe(taskId);
    expect(task?.attempt).toBe(1);
  });

  it('renew, complete and fail report the outcome of the one write they made', async () => {
    const jobId = await insertJob(direct, { userId: USER, maxRetries: 1 });
    const take = async (taskId: string) =>
      (await claim(direct, 'worker-c', { limit: 1, leaseSeconds: 30, taskId }))[0];
    const first = await take((await runJobNow(direct, USER, jobId)).id);
    const second = await take((await runJobNow(direct, USER, jobId)).id);
    if (!first || !second) throw new Error('expected two claimed tasks');
    expect(await renew(db, first, 'worker-c', 30)).toEqual({ held: true });
    expect(await complete(db, first, 'worker-c', 'done')).toBe(true);
    expect(await fail(db, second, 'worker-c', 'boom', 0)).toBe('created');
    const again = await take(second.id);
    if (!again) throw new Error('expected the retry to be claimable');
    expect(again.attempt).toBe(2);
    expect(await fail(db, again, 'worker-c', 'boom again', 0)).toBe('failed');
    const { rows } = await direct.query<{ status: string; attempt: number }>({
      text: 'SELECT status, attempt FROM tasks WHERE job_id = $1::uuid ORDER BY status',
      values: [jobId],
    });
    expect(rows).toEqual([
      { status: 'completed', attempt: 1 },
      { status: 'failed', attempt: 2 },
    ]);
  });

  it('cancel, delete, reap and settle leave the same state as one call', async () => {
    const jobId = await insertJob(direct, { userId: USER });
    const task = await runJobNow(direct, USER, jobId);
    expect((await cancelTask(db, USER, task.id)).status).toBe('cancelled');
    expect((await cancelJob(db, USER, jobId)).status).toBe('cancelled');
    // A DELETE sent again finds the job gone: the effect is one delete, the answer a 404 (docs/semantics.md).
    await expect(deleteJob(db, USER, jobId)).rejects.toThrow('job not found');
    expect(await count('SELECT count(*) AS n FROM jobs WHERE id = $1::uuid AND is_deleted', [jobId])).toBe(1);
    await expect(reap(db)).resolves.toBeGreaterThanOrEqual(0);
    await expect(settleJobs(db)).resolves.toBeGreaterThanOrEqual(0);
  });
});

describe.each<LostAnswerMode>(['error', 'reset'])(
  'the migrator when the commit answer is lost (%s)',
  (mode) => {
    let test: TestDatabase;
    let connection: DriverConnection;
    beforeAll(async () => {
      test = await freshDatabase({ empty: true });
      connection = await connect('data-api', test);
    });
    afterAll(async () => {
      await connection.close();
      await test.drop();
    });

    it('looks the outcome up and reports the migrations that committed', async () => {
      const all = await migrationNames(MIGRATIONS_DIR);
      connection.endpoint?.faults.set({ mode, count: 1, operations: ['commit'] });
      expect(await migrate(connection.db, { direction: 'up', migrationsDir: MIGRATIONS_DIR })).toEqual(all);
      expect(connection.endpoint?.faults.lost).toBe(1);
      expect((await migrationStatus(connection.db, MIGRATIONS_DIR)).pending).toEqual([]);
    });

    it('never resends a statement inside the transaction: the whole run starts again, once', async () => {
      const all = await migrationNames(MIGRATIONS_DIR);
      const latest = all.at(-1);
      const engine = connection.endpoint?.engine;
      const begins = engine?.calls.begin ?? 0;
      connection.endpoint?.faults.set({ mode, count: 1, operations: ['execute'] });
      const down = () =>
        migrate(connection.db, { direction: 'down', count: 1, migrationsDir: MIGRATIONS_DIR });
      expect(await down()).toEqual([latest]);
      expect((engine?.calls.begin ?? 0) - begins).toBe(2);
      expect((await migrationStatus(connection.db, MIGRATIONS_DIR)).pending).toEqual([latest]);

      connection.endpoint?.faults.set({ mode, count: 2, operations: ['execute'] });
      const error = await down().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).not.toBeInstanceOf(OutcomeUnknownError);
      expect((error as Error).message).toMatch(/rolled back/);
      expect((await migrationStatus(connection.db, MIGRATIONS_DIR)).pending).toEqual([latest]);
    });
  },
);
