import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../../lambdas/config.js';
import { closeDatabase } from '../../lambdas/db/index.js';
import { handler as createJob } from '../../lambdas/handlers/create-job.js';
import { LOCAL_CLUSTER_ARN, LOCAL_SECRET_ARN } from '../../local/data-api/local-arns.js';
import { type LocalDataApi, startLocalDataApi } from '../../local/data-api/server.js';
import { assertResultContract } from '../support/contract.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { DRIVERS, type Driver } from '../support/drivers.js';
import { sampleEvent } from '../support/events.js';
import { captureLines } from '../support/log-lines.js';

/**
 * A 500 caused by the database is logged with its SQLSTATE and constraint name only: PostgreSQL's message and its
 * `Detail:` line ("Failing row contains (…)") quote row values, which may be a user's payload.
 */
let test: TestDatabase;
let endpoint: LocalDataApi;
const SECRET = 'TOP-SECRET-PROMPT';
const SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

beforeAll(async () => {
  test = await freshDatabase();
  // A constraint the API does not know about: the insert reaches PostgreSQL and fails there, with a Detail line.
  await test.db.query({
    text: `ALTER TABLE jobs ADD CONSTRAINT no_secret_prompts CHECK (payload->>'prompt' <> '${SECRET}')`,
    values: [],
  });
  endpoint = await startLocalDataApi({ databaseUrl: test.url });
});
afterAll(async () => {
  await closeDatabase();
  await endpoint.close();
  await test.drop();
});

const ENVIRONMENT: Record<Driver, () => Record<string, string>> = {
  pg: () => ({ DB_DRIVER: 'pg', DATABASE_URL: test.url }),
  'data-api': () => ({
    DB_DRIVER: 'data-api',
    DATA_API_ENDPOINT: endpoint.endpoint,
    CLUSTER_ARN: LOCAL_CLUSTER_ARN,
    SECRET_ARN: LOCAL_SECRET_ARN,
    DATABASE_NAME: test.name,
  }),
};

/** Runs `work` with the handlers configured for `driver`, capturing what they log to stderr. */
async function withDriver(driver: Driver, work: (logged: string[]) => Promise<void>): Promise<void> {
  const environment = ENVIRONMENT[driver]();
  const saved = Object.fromEntries(Object.keys(environment).map((key) => [key, process.env[key]]));
  Object.assign(process.env, environment);
  resetConfig();
  try {
    await captureLines((lines) => work(lines.stderr));
  } finally {
    await closeDatabase();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    resetConfig();
  }
}

describe.each(DRIVERS)('a 500 from a constraint violation (%s)', (driver) => {
  it('logs the SQLSTATE and the constraint, never the row values', async () => {
    await withDriver(driver, async (logged) => {
      const result = await createJob(
        sampleEvent({
          routeKey: 'POST /jobs',
          rawPath: '/jobs',
          sub: SUB,
          body: JSON.stringify({ job_type: 'echo', payload: { prompt: SECRET } }),
          headers: { 'content-type': 'application/json' },
        }),
      );
      expect(result.statusCode).toBe(500);
      await assertResultContract('POST', '/jobs', result);
      expect(result.body).not.toContain(SECRET);
      const failure = logged
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.message === 'request failed');
      expect(failure).toMatchObject({
        level: 'error',
        request_id: 'JKJaXmPLvHcESHA=',
        sql_state: '23514',
        constraint: 'no_secret_prompts',
      });
      const log = logged.join('\n');
      expect(log).not.toContain(SECRET);
      expect(log).not.toContain('Failing row');
      expect(log).not.toContain(SUB.slice(0, 8));
    });
  });
});
