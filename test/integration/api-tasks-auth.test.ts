import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes.js';
import { echoJob, startApi, type TestApi, type TestUser } from '../support/api.js';
import { fetchChecked } from '../support/contract.js';

let api: TestApi;
let alice: TestUser;
let mallory: TestUser;
beforeAll(async () => {
  api = await startApi();
  [alice, mallory] = [await api.user(), await api.user()];
});
afterAll(() => api.stop());

type Resource = Record<string, unknown> & { id: string; version: number; status: string };

describe('tasks', () => {
  it('POST /jobs/{id}/run: 202, a created task with Location; GET /tasks/{id} returns it', async () => {
    const { body: job } = await alice.call<Resource>('POST', '/jobs', { body: echoJob() });
    const run = await alice.call<Resource>('POST', `/jobs/${job.id}/run`);
    expect(run.status).toBe(202);
    expect(run.headers.get('location')).toBe(`/tasks/${run.body.id}`);
    expect(Object.keys(run.body).sort()).toEqual([
      'attempt',
      'created_at',
      'finished_at',
      'id',
      'job_id',
      'last_error',
      'payload',
      'result',
      'run_at',
      'started_at',
      'status',
      'updated_at',
      'version',
    ]);
    expect(run.body).toMatchObject({
      job_id: job.id,
      status: 'created',
      result: null,
      payload: job.payload,
      attempt: 0,
      last_error: null,
      started_at: null,
    });
    const got = await alice.call<Resource>('GET', `/tasks/${run.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(run.body);
  });

  it("GET /jobs/{id}/tasks pages a job's tasks newest first and filters by status", async () => {
    const { body: job } = await alice.call<Resource>('POST', '/jobs', { body: echoJob() });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1)
      ids.push((await alice.call<Resource>('POST', `/jobs/${job.id}/run`)).body.id);
    const first = await alice.call<{ items: Resource[]; next_cursor: string }>(
      'GET',
      `/jobs/${job.id}/tasks?limit=3`,
    );
    const second = await alice.call<{ items: Resource[]; next_cursor: null }>(
      'GET',
      `/jobs/${job.id}/tasks?limit=3&cursor=${first.body.next_cursor}`,
    );
    expect([...first.body.items, ...second.body.items].map((t) => t.id)).toEqual(ids.reverse());
    expect(second.body.next_cursor).toBeNull();
    await alice.call('POST', `/tasks/${ids[0]}/cancel`);
    const cancelled = await alice.call<{ items: Resource[] }>(
      'GET',
      `/jobs/${job.id}/tasks?status=cancelled`,
    );
    expect(cancelled.body.items.map((t) => t.id)).toEqual([ids[0]]);
  });

  it('an empty job lists no tasks; an unknown job is 404', async () => {
    const { body: job } = await alice.call<Resource>('POST', '/jobs', { body: echoJob() });
    expect((await alice.call('GET', `/jobs/${job.id}/tasks`)).body).toEqual({ items: [], next_cursor: null });
    expect((await alice.call('GET', '/jobs/1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9/tasks')).status).toBe(404);
  });

  it('POST /tasks/{id}/cancel: 200 cancelled, repeat is a no-op, a finished task is 409', async () => {
    const { body: job } = await alice.call<Resource>('POST', '/jobs', { body: echoJob() });
    const { body: task } = await alice.call<Resource>('POST', `/jobs/${job.id}/run`);
    const cancelled = await alice.call<Resource>('POST', `/tasks/${task.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', version: 2 });
    expect((await alice.call<Resource>('POST', `/tasks/${task.id}/cancel`)).body.version).toBe(2);
    const { body: done } = await alice.call<Resource>('POST', `/jobs/${job.id}/run`);
    await api.database.db.query({
      text: `UPDATE tasks SET status = 'completed' WHERE id = $1::uuid`,
      values: [done.id],
    });
    const finished = await alice.call('POST', `/tasks/${done.id}/cancel`);
    expect(finished.status).toBe(409);
  });
});

describe('authentication', () => {
  const anyRoute = '/jobs';

  it('401 without a token, with a malformed one, a forged one, an expired one, or the wrong audience/issuer', async () => {
    const tokens = {
      none: undefined,
      malformed: 'not.a.jwt',
      forged: `${alice.token.slice(0, -4)}AAAA`,
      expired: await api.auth.mint(alice.id, { expiresIn: '-1m' }),
      audience: await api.auth.mint(alice.id, { audience: 'another-api' }),
      issuer: await api.auth.mint(alice.id, { issuer: 'https://evil.example' }),
    };
    for (const [name, token] of Object.entries(tokens)) {
      const response = await fetchChecked(`${api.url}${anyRoute}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      expect(response.status, name).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('a valid token whose subject is not a UUID is refused by the handler too', async () => {
    const token = await api.auth.mint('not-a-uuid');
    const response = await fetchChecked(`${api.url}/jobs`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
  });

  it('health and the OpenAPI document are public; every other route needs a token', async () => {
    expect((await fetchChecked(`${api.url}/health`)).status).toBe(200);
    expect((await fetchChecked(`${api.url}/openapi.json`)).status).toBe(200);
    const id = '2c3d4e5f-6071-4829-93a4-b5c6d7e8f9a0';
    for (const route of ROUTES.filter((r) => !r.public)) {
      const response = await fetchChecked(`${api.url}${route.path.replace('{id}', id)}`, {
        method: route.method,
      });
      expect(response.status, `${route.method} ${route.path}`).toBe(401);
    }
  });
});

describe('two users are isolated on every route', () => {
  it("mallory can neither see nor touch alice's job or task: 404 everywhere, alice's data unchanged", async () => {
    const { body: job } = await alice.call<Resource>('POST', '/jobs', { body: echoJob() });
    const { body: task } = await alice.call<Resource>('POST', `/jobs/${job.id}/run`);
    const attempts: [string, string, unknown?, Record<string, string>?][] = [
      ['GET', `/jobs/${job.id}`],
      ['PATCH', `/jobs/${job.id}`, { priority: 1 }, { 'if-match': '"1"' }],
      ['DELETE', `/jobs/${job.id}`],
      ['POST', `/jobs/${job.id}/cancel`],
      ['POST', `/jobs/${job.id}/run`],
      ['GET', `/jobs/${job.id}/tasks`],
      ['GET', `/tasks/${task.id}`],
      ['POST', `/tasks/${task.id}/cancel`],
    ];
    for (const [method, route, body, headers] of attempts) {
      const response = await mallory.call(method, route, { body, headers });
      expect(response.status, `${method} ${route}`).toBe(404);
    }
    expect((await mallory.call<{ items: unknown[] }>('GET', '/jobs')).body.items).toEqual([]);
    expect((await alice.call<Resource>('GET', `/jobs/${job.id}`)).body).toEqual(job);
    expect((await alice.call<Resource>('GET', `/tasks/${task.id}`)).body).toEqual(task);
  });

  it("the same Idempotency-Key from two users makes two jobs, each the user's own", async () => {
    const key = { 'idempotency-key': 'shared-key' };
    const a = await alice.call<Resource>('POST', '/jobs', { body: echoJob(), headers: key });
    const m = await mallory.call<Resource>('POST', '/jobs', { body: echoJob(), headers: key });
    expect(a.status).toBe(201);
    expect(m.status).toBe(201);
    expect(m.headers.get('idempotent-replayed')).toBeNull();
    expect(a.body.id).not.toBe(m.body.id);
    expect(m.body.user_id).toBe(mallory.id);
  });
});
