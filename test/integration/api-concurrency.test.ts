import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoJob, startApi, type TestApi, type TestUser } from '../support/api.js';
import { DRIVERS } from '../support/drivers.js';

/** Real parallel HTTP clients against the real server, through each DB adapter. */
describe.each(DRIVERS)('concurrency through the %s adapter', (driver) => {
  let api: TestApi;
  let user: TestUser;
  beforeAll(async () => {
    api = await startApi(driver);
    user = await api.user();
  });
  afterAll(() => api.stop());

  it('20 concurrent PATCHes with the same ETag: exactly one 200, the rest 412 naming the new version', async () => {
    const { body: job } = await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        user.call('PATCH', `/jobs/${job.id}`, { body: { priority: i }, headers: { 'if-match': '"1"' } }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    for (const conflict of responses.filter((r) => r.status === 412))
      expect(conflict.body.current_version).toBe(2);
    const { body: final } = await user.call<{ version: number; priority: number }>('GET', `/jobs/${job.id}`);
    const winner = responses.find((r) => r.status === 200)?.body as { priority: number };
    expect(final).toMatchObject({ version: 2, priority: winner.priority });
  });

  it('20 concurrent creates with one Idempotency-Key: one job, every response names it', async () => {
    const key = { 'idempotency-key': `burst-${driver}` };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        user.call<{ id: string }>('POST', '/jobs', { body: echoJob(), headers: key }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    const { rows } = await api.database.db.query({
      text: 'SELECT count(*)::int AS n FROM jobs WHERE user_id = $1::uuid AND idempotency_key = $2',
      values: [user.id, key['idempotency-key']],
    });
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('20 concurrent runs of one job make 20 distinct tasks', async () => {
    const { body: job } = await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() });
    const runs = await Promise.all(
      Array.from({ length: 20 }, () => user.call<{ id: string }>('POST', `/jobs/${job.id}/run`)),
    );
    expect(runs.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(new Set(runs.map((r) => r.body.id)).size).toBe(20);
  });
});
