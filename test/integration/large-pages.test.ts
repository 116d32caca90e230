import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoJob, startApi, type TestApi, type TestUser } from '../support/api.js';

/**
 * Rows stay under the Data API's 64 KB per-row limit, but a page of large rows can pass its 1 MiB response limit.
 * Through the Data API path such a page comes back shorter (never a 500) and the cursor walks the rest.
 */
let api: TestApi;
let user: TestUser;
beforeAll(async () => {
  api = await startApi('data-api');
  user = await api.user();
});
afterAll(() => api.stop());

type Page = { items: { id: string }[]; next_cursor: string | null };

async function walk(route: string, limit: number): Promise<{ pages: number[]; ids: string[] }> {
  const pages: number[] = [];
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await user.call<Page>('GET', `${route}?${query}`);
    expect(response.status).toBe(200);
    pages.push(response.body.items.length);
    ids.push(...response.body.items.map((item) => item.id));
    cursor = response.body.next_cursor;
  } while (cursor);
  return { pages, ids };
}

describe('pages of large rows through the Data API', () => {
  it('GET /jobs: 90 jobs with 15 KiB payloads (≈1.4 MB) come back in shorter pages, every job once', async () => {
    const created: string[] = [];
    for (let i = 0; i < 90; i += 1) {
      const body = echoJob({ payload: { prompt: `job ${i}`, notes: 'n'.repeat(15_000) } });
      created.push((await user.call<{ id: string }>('POST', '/jobs', { body })).body.id);
    }
    const { pages, ids } = await walk('/jobs', 100);
    expect(pages[0]).toBeLessThan(90);
    expect(ids).toEqual([...created].reverse());
  });

  it('GET /jobs/{id}/tasks: 40 tasks with 30 KB results (≈1.2 MB) come back in shorter pages', async () => {
    const { body: job } = await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() });
    await api.database.db.query({
      text: `INSERT INTO tasks (job_id, status, result, created_at)
             SELECT $1::uuid, 'completed', repeat('r', 30000), now() - (n || ' seconds')::interval FROM generate_series(1, 40) n`,
      values: [job.id],
    });
    const { pages, ids } = await walk(`/jobs/${job.id}/tasks`, 100);
    expect(pages.length).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(40);
  });
});
