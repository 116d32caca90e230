import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoJob, startApi, type TestApi, type TestUser } from '../support/api.js';
import {
  contractViolations,
  fetchChecked,
  type ObservedResponse,
  responsesChecked,
} from '../support/contract.js';

/**
 * The contract check every integration suite runs through test/support/api.ts: here it is shown to pass real
 * responses of every kind and to refuse responses the document does not describe.
 */
let api: TestApi;
let user: TestUser;
beforeAll(async () => {
  api = await startApi();
  user = await api.user();
});
afterAll(() => api?.stop());

const problemHeaders = () => new Headers({ 'content-type': 'application/problem+json' });

describe('every response is held to docs/openapi.json', () => {
  it('passes the responses of a job’s life, its failures and the routes API Gateway answers itself', async () => {
    const before = responsesChecked();
    const created = await user.call('POST', '/jobs', {
      body: echoJob(),
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(created.status).toBe(201);
    const replayed = await user.call('POST', '/jobs', {
      body: echoJob(),
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const id = String(created.body.id);
    expect((await user.call('PATCH', `/jobs/${id}`, { body: { priority: 1 } })).status).toBe(428);
    const stale = await user.call('PATCH', `/jobs/${id}`, {
      body: { priority: 1 },
      headers: { 'if-match': '"9"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.current_version).toBe(1);
    expect((await user.call('POST', `/jobs/${id}/run`)).status).toBe(202);
    expect((await user.call('GET', `/jobs/${id}/tasks`)).status).toBe(200);
    expect((await user.call('POST', `/jobs/${id}/cancel`)).status).toBe(200);
    expect((await user.call('POST', `/jobs/${id}/cancel`)).status).toBe(200);
    expect((await user.call('DELETE', `/jobs/${id}`)).status).toBe(204);
    expect((await user.call('GET', '/jobs?limit=0')).status).toBe(400);
    expect((await user.call('PUT', `/jobs/${id}`)).status).toBe(405);
    expect((await user.call('GET', '/nowhere')).status).toBe(404);
    expect((await user.call('GET', '/health')).status).toBe(200);
    expect((await user.call('GET', '/health/deep')).status).toBe(200);
    expect((await user.call('GET', '/openapi.json')).status).toBe(200);
    // Without a token: the local authorizer's 401.
    expect((await fetchChecked(`${api.url}/jobs`)).status).toBe(401);
    expect(responsesChecked() - before).toBe(16);
  });

  it('a UUID-shaped subject that is no RFC 4122 UUID is the user_id the document declares (a strict pattern refused it)', async () => {
    // Version digit 0 and variant digit 0: not RFC 4122, still what the API accepts as a `sub`.
    const sub = 'ABCDEF01-2345-0789-0BCD-EF0123456789';
    const token = await api.auth.mint(sub);
    const response = await fetchChecked(`${api.url}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(echoJob()),
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { user_id: string }).user_id).toBe(sub.toLowerCase());
  });

  it('cancelling a cancelled task again is a 200 with the task, as docs/errors.md says', async () => {
    const job = await user.call('POST', '/jobs', { body: echoJob() });
    const task = await user.call('POST', `/jobs/${String(job.body.id)}/run`);
    const first = await user.call('POST', `/tasks/${String(task.body.id)}/cancel`);
    expect([first.status, first.body.status]).toEqual([200, 'cancelled']);
    const again = await user.call('POST', `/tasks/${String(task.body.id)}/cancel`);
    expect([again.status, again.body.status]).toEqual([200, 'cancelled']);
  });

  const refused: [string, ObservedResponse, RegExp][] = [
    [
      'an undeclared status',
      { method: 'GET', path: '/jobs', status: 418, headers: problemHeaders(), body: {} },
      /status 418 is not declared/,
    ],
    [
      'a missing required header (ETag)',
      {
        method: 'GET',
        path: '/tasks/00000000-0000-4000-8000-000000000000',
        status: 200,
        headers: new Headers({ 'content-type': 'application/json' }),
        body: {},
      },
      /required header ETag is missing/,
    ],
    [
      'a problem member the schema does not have',
      {
        method: 'GET',
        path: '/jobs',
        status: 400,
        headers: problemHeaders(),
        body: { type: 'about:blank', title: 'x', status: 400, secret: 1 },
      },
      /additional properties/,
    ],
    [
      'an undeclared content type',
      {
        method: 'GET',
        path: '/health',
        status: 200,
        headers: new Headers({ 'content-type': 'text/plain' }),
        body: 'ok',
      },
      /content type text\/plain is not declared/,
    ],
    [
      'a 405 without Allow',
      {
        method: 'PUT',
        path: '/jobs',
        status: 405,
        headers: problemHeaders(),
        body: { type: 'about:blank', title: 'x', status: 405 },
      },
      /required header Allow is missing/,
    ],
    [
      'a 200 for a route that does not exist',
      { method: 'GET', path: '/nowhere', status: 200, headers: problemHeaders(), body: {} },
      /expected 404/,
    ],
    [
      'a malformed header value',
      {
        method: 'GET',
        path: '/jobs',
        status: 503,
        headers: new Headers({ 'content-type': 'application/problem+json', 'retry-after': 'soon' }),
        body: { type: 'about:blank', title: 'x', status: 503 },
      },
      /retry-after/,
    ],
  ];
  it.each(refused)('refuses %s', async (_name, observed, complaint) => {
    const violations = await contractViolations(observed);
    expect(violations.join('\n')).toMatch(complaint);
  });
});
