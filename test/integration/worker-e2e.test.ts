import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi, type TestUser } from '../support/api.js';
import { eventually, sleep } from '../support/tasks.js';

/** The whole service as `npm start` runs it: HTTP API, in-process scheduler and workers, real PostgreSQL. */
let api: TestApi;
let user: TestUser;
beforeAll(async () => {
  api = await startApi('pg', {
    WORKER_CONCURRENCY: 4,
    HEARTBEAT_MS: 200,
    POLL_MS: 50,
    SCHEDULER_INTERVAL_MS: 200,
    RETRY_BASE_DELAY_MS: 100,
  });
  user = await api.user();
});
afterAll(() => api.stop());

type Task = {
  id: string;
  status: string;
  result: string | null;
  started_at: string | null;
  finished_at: string | null;
  attempt: number;
};
type Job = { id: string; status: string; next_run_at: string | null };
const tasksOf = async (jobId: string) =>
  (await user.call<{ items: Task[] }>('GET', `/jobs/${jobId}/tasks?limit=100`)).body.items;
const job = async (body: Record<string, unknown>) => (await user.call<Job>('POST', '/jobs', { body })).body;

describe('background execution through npm start', () => {
  it('a manual job runs once per POST /run, starting within about a second; the job follows its task', async () => {
    const payload = { prompt: 'Echo me', resource_type: 'doc', resource_id: '1' };
    const manual = await job({ job_type: 'echo', payload });
    expect(manual.next_run_at).toBeNull();
    const { body: first } = await user.call<Task>('POST', `/jobs/${manual.id}/run`);
    expect(
      await eventually(async () => (await tasksOf(manual.id)).every((t) => t.status === 'completed'), 3000),
    ).toBe(true);
    const [done] = await tasksOf(manual.id);
    expect(done).toMatchObject({ id: first.id, attempt: 1 });
    expect(JSON.parse(done?.result ?? '')).toEqual(payload);
    expect(
      Date.parse(done?.started_at ?? '') -
        Date.parse((await user.call<Task & { run_at: string }>('GET', `/tasks/${first.id}`)).body.run_at),
    ).toBeLessThan(1500);
    expect((await user.call<Job>('GET', `/jobs/${manual.id}`)).body.status).toBe('completed');

    await user.call('POST', `/jobs/${manual.id}/run`);
    expect(
      await eventually(
        async () => (await tasksOf(manual.id)).filter((t) => t.status === 'completed').length === 2,
        3000,
      ),
    ).toBe(true);
    await sleep(500);
    expect(await tasksOf(manual.id)).toHaveLength(2);
  });

  it('a 2-second timedelta echo job accumulates completed tasks holding the payload', async () => {
    const payload = { prompt: 'Every two seconds' };
    const every = await job({
      job_type: 'echo',
      payload,
      schedule_interval: { type: 'timedelta', seconds: 2 },
    });
    expect(every.next_run_at).not.toBeNull();
    expect(
      await eventually(
        async () => (await tasksOf(every.id)).filter((t) => t.status === 'completed').length >= 2,
        7000,
        200,
      ),
    ).toBe(true);
    for (const task of (await tasksOf(every.id)).filter((t) => t.status === 'completed')) {
      expect(JSON.parse(task.result ?? '')).toEqual(payload);
    }
    await user.call('POST', `/jobs/${every.id}/cancel`);
  });

  it('cancelling a running sleep task ends it cancelled within 5 s, and the worker does not overwrite that', async () => {
    const sleeper = await job({ job_type: 'sleep', payload: { prompt: 'zz', seconds: 60 } });
    const { body: task } = await user.call<Task>('POST', `/jobs/${sleeper.id}/run`);
    expect(
      await eventually(
        async () => (await user.call<Task>('GET', `/tasks/${task.id}`)).body.status === 'processing',
        3000,
      ),
    ).toBe(true);
    const cancelledBefore = api.stack.workers?.outcomes.cancelled ?? 0;
    const started = Date.now();
    expect((await user.call<Task>('POST', `/tasks/${task.id}/cancel`)).body.status).toBe('cancelled');
    expect(
      await eventually(async () => (api.stack.workers?.outcomes.cancelled ?? 0) > cancelledBefore, 5000),
    ).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    await sleep(300);
    expect((await user.call<Task>('GET', `/tasks/${task.id}`)).body).toMatchObject({
      status: 'cancelled',
      result: null,
    });
    // Its only task was cancelled and none ever finished: the job is back to created, ready to run again.
    const jobNow = async () => (await user.call<Job>('GET', `/jobs/${sleeper.id}`)).body.status;
    expect(await eventually(async () => (await jobNow()) === 'created', 3000)).toBe(true);
  });

  it('cancelling a job stops its running task and its schedule: no new tasks afterwards', async () => {
    const periodic = await job({
      job_type: 'sleep',
      payload: { prompt: 'zz', seconds: 60 },
      schedule_interval: { type: 'timedelta', seconds: 1 },
    });
    expect(
      await eventually(async () => (await tasksOf(periodic.id)).some((t) => t.status === 'processing'), 4000),
    ).toBe(true);
    const cancelled = await user.call<Job>('POST', `/jobs/${periodic.id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', next_run_at: null });
    expect(
      await eventually(async () => (await tasksOf(periodic.id)).every((t) => t.status === 'cancelled'), 5000),
    ).toBe(true);
    const count = (await tasksOf(periodic.id)).length;
    await sleep(2500);
    expect(await tasksOf(periodic.id)).toHaveLength(count);
    expect((await user.call<Job>('GET', `/jobs/${periodic.id}`)).body.status).toBe('cancelled');
  });

  it('a failing job is retried and ends failed, with the attempts and the error on the task', async () => {
    const broken = await job({ job_type: 'sleep', payload: { prompt: 'x', seconds: -1 }, max_retries: 1 });
    const { body: task } = await user.call<Task>('POST', `/jobs/${broken.id}/run`);
    expect(
      await eventually(
        async () => (await user.call<Task>('GET', `/tasks/${task.id}`)).body.status === 'failed',
        5000,
      ),
    ).toBe(true);
    expect((await user.call<Task & { last_error: string }>('GET', `/tasks/${task.id}`)).body).toMatchObject({
      attempt: 2,
      last_error: 'payload.seconds must be a non-negative number',
    });
    // The job's status is derived by a statement after the task's own: it follows within moments.
    expect(
      await eventually(
        async () => (await user.call<Job>('GET', `/jobs/${broken.id}`)).body.status === 'failed',
        5_000,
      ),
    ).toBe(true);
  });
});
