import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config.js';
import { createDataApiDatabase } from '../../lambdas/db/data-api/adapter.js';
import { DatabaseError, OutcomeUnknownError } from '../../lambdas/db/errors.js';
import { createDataApiClient, openDatabase } from '../../lambdas/db/index.js';
import { type LocalDataApi, startLocalDataApi } from '../../local/data-api/server.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { CLUSTER_ARN, SECRET_ARN } from '../support/drivers.js';
import { captureLines } from '../support/log-lines.js';

let test: TestDatabase;
let api: LocalDataApi;
beforeAll(async () => {
  test = await freshDatabase();
  api = await startLocalDataApi({ databaseUrl: test.url });
});
afterAll(async () => {
  await api.close();
  await test.drop();
});

function adapter(maxAttempts: number, retries: number[]) {
  return createDataApiDatabase({
    client: createDataApiClient(api.endpoint),
    resourceArn: CLUSTER_ARN,
    secretArn: SECRET_ARN,
    database: test.name,
    retry: { maxAttempts, baseDelayMs: 10, maxDelayMs: 40, budgetMs: 5_000 },
    onRetry: ({ attempt }) => retries.push(attempt),
  });
}

describe('the adapter waits out a resuming cluster', () => {
  it('retries DatabaseResumingException through the real SDK and then succeeds', async () => {
    const retries: number[] = [];
    const db = adapter(10, retries);
    api.engine.injectResuming(3);
    const { rows } = await db.query({ text: 'SELECT $1::int AS n', values: [5] });
    expect(rows).toEqual([{ n: 5 }]);
    expect(retries).toEqual([1, 2, 3]);
    await db.close();
  });

  it('retries BeginTransaction too, and the transaction still commits', async () => {
    const retries: number[] = [];
    const db = adapter(10, retries);
    api.engine.injectResuming(2);
    const result = await db.transaction(
      async (tx) => (await tx.query({ text: 'SELECT 1 AS one', values: [] })).rows,
    );
    expect(result).toEqual([{ one: 1 }]);
    expect(retries).toEqual([1, 2]);
    await db.close();
  });

  it('gives up after its attempts with a DatabaseError naming the exception', async () => {
    const retries: number[] = [];
    const db = adapter(3, retries);
    api.engine.injectResuming(10);
    const error = await db.query({ text: 'SELECT 1', values: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toMatch(/^DatabaseResumingException: /);
    expect(retries).toEqual([1, 2]);
    api.engine.injectResuming(0);
    await db.close();
  });
});

describe('the service database (openDatabase) reports each retry', () => {
  it('as a warning log line and as DataApiRetry and DataApiResuming metrics (EMF)', async () => {
    const settings = parseConfig({
      DB_DRIVER: 'data-api',
      DATA_API_ENDPOINT: api.endpoint,
      CLUSTER_ARN,
      SECRET_ARN,
      DATABASE_NAME: test.name,
    });
    const db = openDatabase(settings, {
      retry: { maxAttempts: 10, baseDelayMs: 10, maxDelayMs: 40, budgetMs: 5_000 },
    });
    const saved = process.env.METRICS_STDOUT;
    process.env.METRICS_STDOUT = 'true';
    try {
      api.engine.injectResuming(2);
      const lines = await captureLines(async (captured) => {
        await db.query({ text: 'SELECT 1 AS one', values: [] });
        return [...captured.stdout, ...captured.stderr].map((line) => JSON.parse(line));
      });
      const metric = (name: string) => lines.filter((line) => '_aws' in line && name in line);
      expect(metric('DataApiRetry')).toHaveLength(2);
      expect(metric('DataApiResuming')).toHaveLength(2);
      for (const line of [...metric('DataApiRetry'), ...metric('DataApiResuming')])
        expect(line._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
      const warnings = lines.filter((line) => line.message === 'Data API call retried');
      expect(warnings.map((line) => [line.level, line.error])).toEqual([
        ['warn', 'DatabaseResumingException'],
        ['warn', 'DatabaseResumingException'],
      ]);
    } finally {
      if (saved === undefined) delete process.env.METRICS_STDOUT;
      else process.env.METRICS_STDOUT = saved;
      await db.close();
    }
  });
});

describe('a call whose answer is lost', () => {
  const count = async () =>
    Number(
      (
        await test.db.query<{ n: string }>({
          text: `SELECT count(*) AS n FROM jobs WHERE job_type = 'lost'`,
          values: [],
        })
      ).rows[0]?.n,
    );
  const insert = {
    text: `INSERT INTO jobs (user_id, job_type) VALUES (gen_random_uuid(), 'lost')`,
    values: [],
  };

  it.each(['error', 'reset'] as const)(
    'is not sent again, by the SDK or the adapter, unless declared safe to repeat (%s)',
    async (mode) => {
      const retries: number[] = [];
      const db = adapter(10, retries);
      const before = await count();
      api.faults.set({ mode, count: 1 });
      const error = await db.query(insert).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect(await count()).toBe(before + 1);
      expect(retries).toEqual([]);
      api.faults.set({ mode, count: 1 });
      const { rows } = await db.query({ text: 'SELECT 1 AS one', values: [], idempotent: true });
      expect(rows).toEqual([{ one: 1 }]);
      expect(retries).toEqual([1]);
      await db.close();
    },
  );
});
