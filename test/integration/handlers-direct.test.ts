import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../../lambdas/config.js';
import { closeDatabase } from '../../lambdas/db/index.js';
import { handler as createJob } from '../../lambdas/handlers/create-job.js';
import { handler as getJob } from '../../lambdas/handlers/get-job.js';
import { handler as health } from '../../lambdas/handlers/health.js';
import { handler as deepHealth } from '../../lambdas/handlers/health-deep.js';
import { handler as listJobs } from '../../lambdas/handlers/list-jobs.js';
import { handler as openapi } from '../../lambdas/handlers/openapi.js';
import { assertResultContract } from '../support/contract.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { sampleEvent } from '../support/events.js';
import { captureLines } from '../support/log-lines.js';

/** The Lambda entry points called exactly as Lambda calls them, with API Gateway v2 sample events. */
let test: TestDatabase;
const SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
beforeAll(async () => {
  test = await freshDatabase();
  process.env.DB_DRIVER = 'pg';
  process.env.DATABASE_URL = test.url;
  resetConfig();
});
afterAll(async () => {
  await closeDatabase();
  await test.drop();
});

const body = JSON.stringify({ job_type: 'echo', payload: { prompt: 'From a sample event' } });

/** Runs `work` with the handlers pointed at another database, capturing what they log to stderr; then restores. */
async function againstDatabase<T>(url: string, work: (logged: string[]) => Promise<T>): Promise<T> {
  await closeDatabase();
  process.env.DATABASE_URL = url;
  resetConfig();
  try {
    return await captureLines((lines) => work(lines.stderr));
  } finally {
    await closeDatabase();
    process.env.DATABASE_URL = test.url;
    resetConfig();
  }
}

const secretEvent = () =>
  sampleEvent({
    routeKey: 'POST /jobs',
    rawPath: '/jobs',
    sub: SUB,
    body: JSON.stringify({ job_type: 'echo', payload: { prompt: 'TOP-SECRET-PROMPT' } }),
    headers: { 'content-type': 'application/json' },
  });

describe('handlers invoked with API Gateway v2 events', () => {
  it('create → get → list, with the caller taken from the JWT claims', async () => {
    const created = await createJob(
      sampleEvent({
        routeKey: 'POST /jobs',
        rawPath: '/jobs',
        sub: SUB,
        body,
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(created.statusCode).toBe(201);
    const job = JSON.parse(created.body ?? '') as { id: string; user_id: string };
    expect(job.user_id).toBe(SUB);
    const got = await getJob(
      sampleEvent({
        routeKey: 'GET /jobs/{id}',
        rawPath: `/jobs/${job.id}`,
        sub: SUB,
        pathParameters: { id: job.id },
      }),
    );
    expect(got.statusCode).toBe(200);
    expect(got.headers?.etag).toBe('"1"');
    const list = await listJobs(
      sampleEvent({ routeKey: 'GET /jobs', rawPath: '/jobs', sub: SUB, rawQueryString: 'limit=5' }),
    );
    expect(JSON.parse(list.body ?? '').items).toHaveLength(1);
  });

  it('decodes a base64-encoded body, as API Gateway sends some', async () => {
    const event = sampleEvent({
      routeKey: 'POST /jobs',
      rawPath: '/jobs',
      sub: SUB,
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect((await createJob(event)).statusCode).toBe(201);
  });

  it('401 when the event carries no subject (a misconfigured authorizer must not open the API)', async () => {
    const result = await listJobs(sampleEvent({ routeKey: 'GET /jobs', rawPath: '/jobs' }));
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    await assertResultContract('GET', '/jobs', result);
  });

  it('an unreachable database is a 503 with Retry-After that names no host or user, and logs no payload', async () => {
    await againstDatabase('postgres://nobody:secret@127.0.0.1:1/none', async (logged) => {
      const result = await createJob(secretEvent());
      expect(result.statusCode).toBe(503);
      expect(result.headers?.['retry-after']).toBe('5');
      await assertResultContract('POST', '/jobs', result);
      expect(result.body).not.toContain('secret');
      expect(result.body).not.toContain('127.0.0.1');
      expect(logged.join('\n')).not.toContain('TOP-SECRET-PROMPT');
    });
  });

  it('an unexpected failure is a 500 that reveals only the request id; the log has the cause, not the payload', async () => {
    const unmigrated = await freshDatabase({ empty: true });
    try {
      await againstDatabase(unmigrated.url, async (logged) => {
        const result = await createJob(secretEvent());
        expect(result.statusCode).toBe(500);
        await assertResultContract('POST', '/jobs', result);
        const problem = JSON.parse(result.body ?? '') as Record<string, unknown>;
        expect(problem).toEqual({
          type: 'about:blank',
          title: 'Internal Server Error',
          status: 500,
          detail: 'Something went wrong on our side. Quote request id JKJaXmPLvHcESHA= when reporting it.',
          request_id: 'JKJaXmPLvHcESHA=',
          instance: '/jobs',
        });
        const log = logged.join('\n');
        expect(log).toContain('"request_id":"JKJaXmPLvHcESHA="');
        expect(log).toContain('"sql_state":"42P01"');
        expect(log).not.toContain('TOP-SECRET-PROMPT');
      });
    } finally {
      await unmigrated.drop();
    }
  });

  it('deep health reports the database and the migrations; the OpenAPI document is public', async () => {
    const report = await deepHealth(
      sampleEvent({ routeKey: 'GET /health/deep', rawPath: '/health/deep', sub: SUB }),
    );
    expect(report.statusCode).toBe(200);
    await assertResultContract('GET', '/health/deep', report);
    expect(JSON.parse(report.body ?? '').migrations.applied[0]).toBe('001_create_jobs_and_tasks_tables');
    const document = await openapi(sampleEvent({ routeKey: 'GET /openapi.json', rawPath: '/openapi.json' }));
    await assertResultContract('GET', '/openapi.json', document);
    expect(JSON.parse(document.body ?? '').openapi).toBe('3.1.0');
  });

  it('public health answers "up" even when the database is unreachable: it never queries it', async () => {
    await againstDatabase('postgres://nobody@127.0.0.1:1/none', async () => {
      const report = await health(sampleEvent({ routeKey: 'GET /health', rawPath: '/health' }));
      expect(report.statusCode).toBe(200);
      await assertResultContract('GET', '/health', report);
      expect(JSON.parse(report.body ?? '')).toEqual({
        status: 'ok',
        service: 'background-job-service',
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        time: expect.any(String),
      });
    });
  });

  it('deep health is 503 with "schema not migrated" on an empty database', async () => {
    const empty = await freshDatabase({ empty: true });
    try {
      await againstDatabase(empty.url, async () => {
        const report = await deepHealth(
          sampleEvent({ routeKey: 'GET /health/deep', rawPath: '/health/deep', sub: SUB }),
        );
        expect(report.statusCode).toBe(503);
        await assertResultContract('GET', '/health/deep', report);
        expect(JSON.parse(report.body ?? '').database).toMatchObject({
          reachable: true,
          error: 'schema not migrated',
        });
      });
    } finally {
      await empty.drop();
    }
  });
});
