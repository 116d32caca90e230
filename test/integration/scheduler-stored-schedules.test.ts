import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materializeSchedules } from '../../lambdas/domain/scheduler-pass.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob } from '../support/tasks.js';

/**
 * A stored schedule the API would refuse today (an older row, a hand-made fix, a limit tightened later) must not
 * stop the scheduler: computing it yields no valid occurrence strictly after its start, which is that job's
 * schedule_error, while the rest of the batch moves on.
 */
let test: TestDatabase;
const USER = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

const jobRow = async (id: string) =>
  (
    await test.db.query<{ next_run_at: Date | null; schedule_error: string | null }>({
      text: 'SELECT next_run_at, schedule_error FROM jobs WHERE id = $1::uuid',
      values: [id],
    })
  ).rows[0];

describe('stored schedules that do not compute', () => {
  it.each([
    ['seconds not a number', { type: 'timedelta', seconds: 'soon' }],
    ['seconds missing', { type: 'timedelta' }],
    ['seconds beyond any date', { type: 'timedelta', seconds: 1e20 }],
    ['seconds zero', { type: 'timedelta', seconds: 0 }],
    ['seconds negative', { type: 'timedelta', seconds: -60 }],
    ['an unknown type', { type: 'hourly' }],
  ])('%s: that job gets a schedule_error; the others in its batch advance', async (_name, schedule) => {
    const due = new Date(Date.now() - 1000);
    const broken = await insertJob(test.db, { userId: USER, schedule, nextRunAt: due });
    const healthy = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'timedelta', seconds: 3600 },
      nextRunAt: due,
    });
    await materializeSchedules(test.db);
    const advanced = await jobRow(healthy);
    expect(advanced?.schedule_error).toBeNull();
    expect(advanced?.next_run_at?.getTime()).toBeGreaterThan(Date.now());
    const failed = await jobRow(broken);
    expect(failed?.schedule_error).toMatch(/occurrence/);
    expect(failed?.next_run_at?.getTime()).toBeGreaterThan(Date.now());
  });
});
