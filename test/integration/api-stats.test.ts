import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoJob, startApi, type TestApi, type TestUser } from '../support/api.js';
import { fetchChecked } from '../support/contract.js';
import { eventually } from '../support/tasks.js';

/**
 * GET /stats over real HTTP with in-process workers: tasks that really ran, failed and were cancelled show up in
 * the caller's counts and buckets, and nowhere else. Every answer is held to docs/openapi.json.
 */
let api: TestApi;
let user: TestUser;
let stranger: TestUser;
beforeAll(async () => {
  api = await startApi('pg', {
    WORKER_CONCURRENCY: 2,
    HEARTBEAT_MS: 200,
    POLL_MS: 50,
    SCHEDULER_INTERVAL_MS: 200,
    RETRY_BASE_DELAY_MS: 100,
  });
  user = await api.user();
  stranger = await api.user();
});
afterAll(() => api.stop());

interface Stats {
  window_seconds: number;
  bucket_seconds: number;
  buckets: { start: string; completed: number; failed: number; cancelled: number }[];
  counts: Record<'created' | 'processing' | 'completed' | 'failed' | 'cancelled', number>;
}
const stats = async (who: TestUser, query = '') => (await who.call<Stats>('GET', `/stats${query}`)).body;
const taskStatus = async (id: string) =>
  (await user.call<{ status: string }>('GET', `/tasks/${id}`)).body.status;

describe('GET /stats', () => {
  it('defaults to the last hour in minute buckets, all zero for a new user', async () => {
    const view = await stats(user);
    expect(view.window_seconds).toBe(3600);
    expect(view.bucket_seconds).toBe(60);
    expect(view.buckets).toHaveLength(60);
    expect(view.counts).toEqual({ created: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 });
  });

  it("counts the caller's completed, failed, cancelled and running tasks, in the current buckets", async () => {
    const echo = (await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() })).body;
    const completed = (await user.call<{ id: string }>('POST', `/jobs/${echo.id}/run`)).body;
    const failing = (
      await user.call<{ id: string }>('POST', '/jobs', {
        body: { job_type: 'sleep', payload: { prompt: 'fail', seconds: -1 }, max_retries: 0 },
      })
    ).body;
    const failed = (await user.call<{ id: string }>('POST', `/jobs/${failing.id}/run`)).body;
    const sleeper = (
      await user.call<{ id: string }>('POST', '/jobs', {
        body: { job_type: 'sleep', payload: { prompt: 'wait', seconds: 60 } },
      })
    ).body;
    const cancelled = (await user.call<{ id: string }>('POST', `/jobs/${sleeper.id}/run`)).body;
    const running = (await user.call<{ id: string }>('POST', `/jobs/${sleeper.id}/run`)).body;
    expect(
      await eventually(
        async () =>
          (await taskStatus(completed.id)) === 'completed' &&
          (await taskStatus(failed.id)) === 'failed' &&
          (await taskStatus(cancelled.id)) === 'processing' &&
          (await taskStatus(running.id)) === 'processing',
        15_000,
      ),
    ).toBe(true);
    expect((await user.call('POST', `/tasks/${cancelled.id}/cancel`)).status).toBe(200);
    const before = Date.now();
    const view = await stats(user, '?window=15m');
    expect(view.counts).toEqual({ created: 0, processing: 1, completed: 1, failed: 1, cancelled: 1 });
    expect(view.buckets).toHaveLength(15);
    const totals = view.buckets.reduce(
      (sum, b) => ({
        completed: sum.completed + b.completed,
        failed: sum.failed + b.failed,
        cancelled: sum.cancelled + b.cancelled,
      }),
      { completed: 0, failed: 0, cancelled: 0 },
    );
    expect(totals).toEqual({ completed: 1, failed: 1, cancelled: 1 });
    // All of it ended within the last minute or two: only the last two buckets hold anything.
    const busy = view.buckets.filter((b) => b.completed + b.failed + b.cancelled > 0);
    for (const bucket of busy) expect(before - Date.parse(bucket.start)).toBeLessThan(3 * 60_000);
    // The cancel stopped the running sleep; the other keeps running.
    await user.call('POST', `/tasks/${running.id}/cancel`);
    expect((await stats(user, '?window=24h')).counts).toEqual({
      created: 0,
      processing: 0,
      completed: 1,
      failed: 1,
      cancelled: 2,
    });
  });

  it("never counts someone else's tasks", async () => {
    expect((await stats(stranger, '?window=24h')).counts).toEqual({
      created: 0,
      processing: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
    });
  });

  it('each window answers with its bucket width', async () => {
    for (const [window, seconds, bucket] of [
      ['15m', 900, 60],
      ['1h', 3600, 60],
      ['6h', 21_600, 300],
      ['24h', 86_400, 900],
    ] as const) {
      const view = await stats(user, `?window=${window}`);
      expect([view.window_seconds, view.bucket_seconds, view.buckets.length]).toEqual([
        seconds,
        bucket,
        seconds / bucket,
      ]);
      expect(Date.parse(view.buckets[0]?.start ?? '') % (bucket * 1000)).toBe(0);
    }
  });

  it('a window it does not offer, or a parameter it does not take, is a 400 naming it', async () => {
    for (const [query, field] of [
      ['?window=2h', 'query.window'],
      ['?window=', 'query.window'],
      ['?window=1h&window=6h', 'query.window'],
      ['?since=yesterday', 'query.since'],
    ]) {
      const { status, headers, body } = await user.call<{ errors: { field: string }[] }>(
        'GET',
        `/stats${query}`,
      );
      expect(status, query).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body.errors.map((e) => e.field)).toContain(field);
    }
  });

  it('needs a token', async () => {
    const response = await fetchChecked(`${api.url}/stats`);
    expect(response.status).toBe(401);
  });
});
