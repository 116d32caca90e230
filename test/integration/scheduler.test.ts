import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database, SqlStatement } from '../../lambdas/db/port.js';
import { getJob } from '../../lambdas/domain/jobs.js';
import {
  materializeSchedules,
  SCHEDULE_RETRY_MS,
  scheduleFailed,
  schedulerTick,
} from '../../lambdas/domain/scheduler-pass.js';
import { createLogger } from '../../lambdas/logger.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob } from '../support/tasks.js';

let test: TestDatabase;
const USER = '5f6a7b8c-9d0e-4f1a-b2c3-d4e5f6a7b8c9';
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

const tasksOf = async (jobId: string) =>
  (
    await test.db.query<{ scheduled_for: Date }>({
      text: 'SELECT scheduled_for FROM tasks WHERE job_id = $1::uuid ORDER BY scheduled_for',
      values: [jobId],
    })
  ).rows;

describe('the scheduler', () => {
  it('four schedulers racing on separate connections create exactly one task per occurrence', async () => {
    const due = new Date(Date.now() - 1000);
    const jobIds = await Promise.all(
      Array.from({ length: 20 }, () =>
        insertJob(test.db, { userId: USER, schedule: { type: 'timedelta', seconds: 3600 }, nextRunAt: due }),
      ),
    );
    const schedulers: Database[] = Array.from({ length: 4 }, () =>
      createPgDatabase({ connectionString: test.url, maxConnections: 2 }),
    );
    try {
      const created = await Promise.all(schedulers.map((db) => materializeSchedules(db)));
      expect(created.reduce((a, b) => a + b, 0)).toBe(20);
      for (const jobId of jobIds) {
        const tasks = await tasksOf(jobId);
        expect(tasks).toHaveLength(1);
        expect(tasks[0]?.scheduled_for.getTime()).toBe(due.getTime());
      }
      // Nothing is due any more: a second round creates nothing.
      expect(await Promise.all(schedulers.map((db) => materializeSchedules(db)))).toEqual([0, 0, 0, 0]);
    } finally {
      await Promise.all(schedulers.map((db) => db.close()));
    }
  });

  it('after downtime a missed schedule runs once, and the next occurrence is in the future', async () => {
    const longAgo = new Date(Date.now() - 10 * 60_000);
    const jobId = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'timedelta', seconds: 60 },
      nextRunAt: longAgo,
    });
    expect(await materializeSchedules(test.db)).toBe(1);
    expect(await tasksOf(jobId)).toHaveLength(1);
    const { rows } = await test.db.query<{ next_run_at: Date }>({
      text: 'SELECT next_run_at FROM jobs WHERE id = $1::uuid',
      values: [jobId],
    });
    expect(rows[0]?.next_run_at.getTime()).toBeGreaterThan(Date.now());
    expect(await materializeSchedules(test.db)).toBe(0);
  });

  it('cron jobs advance to their next occurrence in their timezone', async () => {
    const due = new Date(Date.now() - 1000);
    const jobId = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'cron', expression: '0 9 * * *', timezone: 'America/New_York' },
      nextRunAt: due,
    });
    await materializeSchedules(test.db);
    const { rows } = await test.db.query<{ next_run_at: Date }>({
      text: 'SELECT next_run_at FROM jobs WHERE id = $1::uuid',
      values: [jobId],
    });
    const next = rows[0]?.next_run_at as Date;
    const hourInNewYork = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      hour: 'numeric',
      hourCycle: 'h23',
    }).format(next);
    expect(Number(hourInNewYork)).toBe(9);
    expect(next.getUTCMinutes()).toBe(0);
  });

  it('cancelled and deleted jobs produce no occurrences', async () => {
    const due = new Date(Date.now() - 1000);
    const cancelled = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'timedelta', seconds: 5 },
      nextRunAt: due,
    });
    await test.db.query({
      text: `UPDATE jobs SET status = 'cancelled' WHERE id = $1::uuid`,
      values: [cancelled],
    });
    const deleted = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'timedelta', seconds: 5 },
      nextRunAt: due,
    });
    await test.db.query({ text: 'UPDATE jobs SET is_deleted = true WHERE id = $1::uuid', values: [deleted] });
    await materializeSchedules(test.db);
    expect(await tasksOf(cancelled)).toHaveLength(0);
    expect(await tasksOf(deleted)).toHaveLength(0);
  });

  it('a job whose next occurrence cannot be computed gets a schedule_error and a retry; the batch goes on', async () => {
    const due = new Date(Date.now() - 1000);
    // A zone the runtime does not know: computing its occurrences throws (as cron-parser did for Lord_Howe).
    const broken = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'cron', expression: '0 * * * *', timezone: 'Mars/Olympus' },
      nextRunAt: due,
    });
    const healthy = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'timedelta', seconds: 3600 },
      nextRunAt: due,
    });
    const before = Date.now();
    expect(await materializeSchedules(test.db)).toBe(2); // both due occurrences were real
    expect(await tasksOf(healthy)).toHaveLength(1);
    expect((await getJob(test.db, USER, healthy)).schedule_error).toBeNull();
    const failed = await getJob(test.db, USER, broken);
    expect(failed.schedule_error).toMatch(/time ?zone|Mars\/Olympus/i);
    const retryAt = Date.parse(failed.next_run_at ?? '');
    expect(retryAt).toBeGreaterThanOrEqual(before + SCHEDULE_RETRY_MS);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + SCHEDULE_RETRY_MS);

    // The retry is due and the schedule now computes: no task for the retry time, the error is cleared.
    await test.db.query({
      text: `UPDATE jobs SET next_run_at = now() - interval '1 second',
                    schedule_interval = '{"type":"cron","expression":"0 * * * *","timezone":"Australia/Lord_Howe"}'
              WHERE id = $1::uuid`,
      values: [broken],
    });
    expect(await materializeSchedules(test.db)).toBe(0);
    expect(await tasksOf(broken)).toHaveLength(1);
    const recovered = await getJob(test.db, USER, broken);
    expect(recovered.schedule_error).toBeNull();
    expect(Date.parse(recovered.next_run_at ?? '')).toBeGreaterThan(Date.now());
  });

  it('scheduleFailed records the failure on that job only, and can be repeated', async () => {
    const job = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'cron', expression: '0 12 * * *', timezone: 'Australia/Lord_Howe' },
      nextRunAt: new Date(Date.now() + 3_600_000),
    });
    const other = await insertJob(test.db, { userId: USER, schedule: { type: 'timedelta', seconds: 60 } });
    const retryAt = new Date(Date.now() + 60_000);
    await scheduleFailed(test.db, job, 'loop limit exceeded', retryAt);
    await scheduleFailed(test.db, job, 'loop limit exceeded', retryAt);
    const view = await getJob(test.db, USER, job);
    expect(view.schedule_error).toBe('loop limit exceeded');
    expect(view.next_run_at).toBe(retryAt.toISOString());
    expect((await getJob(test.db, USER, other)).schedule_error).toBeNull();
  });

  it('reaping and settling run even when materialising fails', async () => {
    const job = await insertJob(test.db, { userId: USER });
    await test.db.query({
      text: `INSERT INTO tasks (job_id, payload, priority, status, attempt, lease_owner, lease_expires_at, started_at)
             VALUES ($1::uuid, '{}', 50, 'processing', 1, 'gone', now() - interval '1 minute', now())`,
      values: [job],
    });
    // The database answers every statement but the materialising one, which fails as a lost connection would.
    const failing = {
      query: (statement: SqlStatement) =>
        statement.text.includes('ON CONFLICT (job_id, scheduled_for)')
          ? Promise.reject(new Error('connection lost'))
          : test.db.query(statement),
      transaction: (work: Parameters<Database['transaction']>[0]) => test.db.transaction(work),
      close: async () => {},
    } as Database;
    const tick = await schedulerTick(failing, createLogger({}, 'error'));
    expect(tick.failed).toEqual(['materialise']);
    expect(tick.reaped).toBe(1);
    const { rows } = await test.db.query<{ status: string }>({
      text: 'SELECT status FROM tasks WHERE job_id = $1::uuid',
      values: [job],
    });
    expect(rows.map((row) => row.status)).toEqual(['created']);
  });
});
