import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes.js';
import { echoJob, startApi, type TestApi, type TestUser } from '../support/api.js';
import { fetchChecked } from '../support/contract.js';

/**
 * In AWS every SQL statement is one HTTPS call to the Data API. Counted at the local endpoint, each API operation
 * must make exactly one call (OpenAPI and the public health check: none) and never open a transaction.
 */
let api: TestApi;
let user: TestUser;
beforeAll(async () => {
  api = await startApi('data-api');
  user = await api.user();
});
afterAll(() => api.stop());

async function callsDuring(work: () => Promise<{ status: number }>, expectedStatus: number) {
  const engine = api.stack.dataApi?.engine;
  if (!engine) throw new Error('the data-api stack has no in-process endpoint');
  const before = { ...engine.calls };
  const { status } = await work();
  expect(status).toBe(expectedStatus);
  return {
    statements: engine.calls.execute - before.execute + engine.calls.batchExecute - before.batchExecute,
    transactions: engine.calls.begin - before.begin,
  };
}

describe('SQL round trips per operation (Data API path)', () => {
  it('every route makes exactly one statement (public ones none) and no transaction', async () => {
    const { body: job } = await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() });
    const { body: task } = await user.call<{ id: string }>('POST', `/jobs/${job.id}/run`);
    const { body: other } = await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() });
    const { body: page } = await user.call<{ next_cursor: string }>('GET', '/jobs?limit=1');
    const cases: [string, () => Promise<{ status: number }>, number, number][] = [
      ['POST /jobs', () => user.call('POST', '/jobs', { body: echoJob() }), 201, 1],
      [
        'POST /jobs (replay)',
        () => user.call('POST', '/jobs', { body: echoJob(), headers: { 'idempotency-key': 'k' } }),
        201,
        1,
      ],
      ['GET /jobs', () => user.call('GET', '/jobs?status=created&job_type=echo'), 200, 1],
      ['GET /jobs (next page)', () => user.call('GET', `/jobs?limit=1&cursor=${page.next_cursor}`), 200, 1],
      ['GET /jobs/{id}', () => user.call('GET', `/jobs/${job.id}`), 200, 1],
      [
        'PATCH /jobs/{id}',
        () =>
          user.call('PATCH', `/jobs/${job.id}`, { body: { priority: 9 }, headers: { 'if-match': '"1"' } }),
        200,
        1,
      ],
      [
        // The same change sent again (its answer lost): already applied, so 2xx (RFC 9110 §13.1.1).
        'PATCH /jobs/{id} (repeated)',
        () =>
          user.call('PATCH', `/jobs/${job.id}`, { body: { priority: 9 }, headers: { 'if-match': '"1"' } }),
        200,
        1,
      ],
      [
        'PATCH /jobs/{id} (stale)',
        () =>
          user.call('PATCH', `/jobs/${job.id}`, { body: { priority: 8 }, headers: { 'if-match': '"1"' } }),
        412,
        1,
      ],
      ['POST /jobs/{id}/run', () => user.call('POST', `/jobs/${job.id}/run`), 202, 1],
      ['GET /jobs/{id}/tasks', () => user.call('GET', `/jobs/${job.id}/tasks`), 200, 1],
      ['GET /jobs/{id}/deliveries', () => user.call('GET', `/jobs/${job.id}/deliveries`), 200, 1],
      ['GET /tasks/{id}', () => user.call('GET', `/tasks/${task.id}`), 200, 1],
      ['POST /tasks/{id}/cancel', () => user.call('POST', `/tasks/${task.id}/cancel`), 200, 1],
      ['POST /jobs/{id}/cancel', () => user.call('POST', `/jobs/${job.id}/cancel`), 200, 1],
      ['DELETE /jobs/{id}', () => user.call('DELETE', `/jobs/${other.id}`), 204, 1],
      ['GET /stats', () => user.call('GET', '/stats?window=6h'), 200, 1],
      ['GET /health', () => user.call('GET', '/health'), 200, 0],
      ['GET /health/deep', () => user.call('GET', '/health/deep'), 200, 1],
      ['GET /openapi.json', () => user.call('GET', '/openapi.json'), 200, 0],
    ];
    await user.call('POST', '/jobs', { body: echoJob(), headers: { 'idempotency-key': 'k' } });
    const covered = new Set<string>();
    for (const [name, work, status, expected] of cases) {
      const counted = await callsDuring(work, status);
      expect({ route: name, ...counted }).toEqual({ route: name, statements: expected, transactions: 0 });
      covered.add(name.replace(/ \(.*\)$/, ''));
    }
    expect([...covered].sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('GET /health makes zero Data API calls of any kind, however often it is probed', async () => {
    const engine = api.stack.dataApi?.engine;
    if (!engine) throw new Error('the data-api stack has no in-process endpoint');
    const before = { ...engine.calls };
    for (let probe = 0; probe < 5; probe += 1) {
      const response = await fetchChecked(`${api.url}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
    }
    expect(engine.calls).toEqual(before);
  });

  it('a validation failure costs no statement at all', async () => {
    const counted = await callsDuring(() => user.call('POST', '/jobs', { body: { job_type: 'echo' } }), 400);
    expect(counted.statements).toBe(0);
  });
});
