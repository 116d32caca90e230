import { describe, expect, it } from 'vitest';
import { apiSuite, type Job, type Task } from '../support/api-suite.js';

const suite = apiSuite();
const create = suite.createJob;

describe('PATCH priority', () => {
  it("moves the job's waiting tasks to the new priority, not its finished ones", async () => {
    const { body: job } = await create();
    const { body: waiting } = await suite.alice.call<Task>('POST', `/jobs/${job.id}/run`);
    const { body: done } = await suite.alice.call<Task>('POST', `/jobs/${job.id}/run`);
    await suite.api.database.db.query({
      text: `UPDATE tasks SET status = 'completed' WHERE id = $1::uuid`,
      values: [done.id],
    });
    const patched = await suite.alice.call('PATCH', `/jobs/${job.id}`, {
      body: { priority: 95 },
      headers: { 'if-match': '"1"' },
    });
    expect(patched.status).toBe(200);
    const { rows } = await suite.api.database.db.query<{ id: string; priority: number }>({
      text: 'SELECT id, priority FROM tasks WHERE job_id = $1::uuid',
      values: [job.id],
    });
    const priorities = Object.fromEntries(rows.map((row) => [row.id, row.priority]));
    expect(priorities).toEqual({ [waiting.id]: 95, [done.id]: 50 });
  });
});

describe('DELETE /jobs/{id} and POST /jobs/{id}/cancel', () => {
  it('soft-deletes: 204, then 404 everywhere, its open tasks cancelled', async () => {
    const { body: job } = await create();
    const { body: task } = await suite.alice.call<Task>('POST', `/jobs/${job.id}/run`);
    expect((await suite.alice.call('DELETE', `/jobs/${job.id}`)).status).toBe(204);
    expect((await suite.alice.call('GET', `/jobs/${job.id}`)).status).toBe(404);
    expect((await suite.alice.call('GET', `/tasks/${task.id}`)).status).toBe(404);
    expect((await suite.alice.call('DELETE', `/jobs/${job.id}`)).status).toBe(404);
    const { rows } = await suite.api.database.db.query({
      text: 'SELECT status, is_deleted FROM tasks WHERE id = $1::uuid',
      values: [task.id],
    });
    expect(rows[0]).toEqual({ status: 'cancelled', is_deleted: false });
  });

  it('cancels for good: 200 cancelled, tasks cancelled, repeat changes nothing, no new runs (409)', async () => {
    const { body: job } = await create();
    const { body: task } = await suite.alice.call<Task>('POST', `/jobs/${job.id}/run`);
    const cancelled = await suite.alice.call<Job>('POST', `/jobs/${job.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', version: 2 });
    expect((await suite.alice.call<Task>('GET', `/tasks/${task.id}`)).body.status).toBe('cancelled');
    const again = await suite.alice.call<Job>('POST', `/jobs/${job.id}/cancel`);
    expect(again.body).toMatchObject({ status: 'cancelled', version: 2 });
    const run = await suite.alice.call('POST', `/jobs/${job.id}/run`);
    expect(run.status).toBe(409);
    expect(run.body.type).toBe('/problems/invalid-state');
  });
});

describe('routing', () => {
  it('answers unknown routes with 404 and wrong methods with 405 + Allow, as problem+json', async () => {
    const missing = await suite.alice.call('GET', '/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const wrong = await suite.alice.call('PUT', '/jobs');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, GET');
  });
});
