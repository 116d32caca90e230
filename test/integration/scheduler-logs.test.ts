import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulerTick } from '../../lambdas/domain/scheduler-pass.js';
import type { Logger } from '../../lambdas/logger.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { connect, DRIVERS, type DriverConnection } from '../support/drivers.js';
import { insertJob } from '../support/tasks.js';

/**
 * A failed scheduler step is logged like a 500: SQLSTATE and constraint, never the database's message, whose
 * `Detail:` line (over the Data API) quotes the failing row — a user's payload.
 */
const SECRET = 'TOP-SECRET-SCHEDULED-PROMPT';
const USER = '3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7';

describe.each(DRIVERS)('a scheduler step failing on a row (%s)', (driver) => {
  let test: TestDatabase;
  let connection: DriverConnection;
  beforeAll(async () => {
    test = await freshDatabase();
    // A constraint the scheduler does not know about: materialising this job's occurrence fails in PostgreSQL.
    await test.db.query({
      text: `ALTER TABLE tasks ADD CONSTRAINT no_secret_prompts CHECK (payload->>'prompt' <> '${SECRET}')`,
      values: [],
    });
    connection = await connect(driver, test);
  });
  afterAll(async () => {
    await connection.close();
    await test.drop();
  });

  it('logs the SQLSTATE and the constraint, never the row values', async () => {
    await insertJob(test.db, {
      userId: USER,
      payload: { prompt: SECRET },
      schedule: { type: 'timedelta', seconds: 60 },
      nextRunAt: new Date(Date.now() - 1000),
    });
    const lines: Record<string, unknown>[] = [];
    const record =
      (level: string) =>
      (message: string, fields: Record<string, unknown> = {}) =>
        void lines.push({ level, message, ...fields });
    const log: Logger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const tick = await schedulerTick(connection.db, log);
    expect(tick.failed).toEqual(['materialise']);
    const failure = lines.find((line) => line.message === 'scheduler step failed');
    expect(failure).toMatchObject({
      step: 'materialise',
      sql_state: '23514',
      constraint: 'no_secret_prompts',
    });
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });
});
