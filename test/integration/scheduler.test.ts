import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database } from '../../lambdas/db/port.js';
import { materializeSchedules } from '../../lambdas/domain/scheduling.js';
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
});
