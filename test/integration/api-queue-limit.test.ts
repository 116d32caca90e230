import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoJob, startApi, type TestApi, type TestUser } from '../support/api.js';
import { assertContract } from '../support/contract.js';
import { DRIVERS } from '../support/drivers.js';
import { eventually } from '../support/tasks.js';

/**
 * USER_MAX_QUEUED through real HTTP: a run that would take a user past the limit of open tasks is refused with 429
 * problem+json and Retry-After, exactly at the boundary while 20 runs race, in one SQL statement per request.
 */
const LIMIT = 5;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

describe.each(DRIVERS)('USER_MAX_QUEUED over HTTP (%s)', (driver) => {
  let api: TestApi;
  let previous: string | undefined;
  beforeAll(async () => {
    previous = process.env.USER_MAX_QUEUED;
    process.env.USER_MAX_QUEUED = String(LIMIT);
    api = await startApi(driver);
  });
  afterAll(async () => {
    await api.stop();
    if (previous === undefined) delete process.env.USER_MAX_QUEUED;
    else process.env.USER_MAX_QUEUED = previous;
  });

  const number = async (text: string, values: string[]) =>
    Number((await api.database.db.query<{ n: string }>({ text, values })).rows[0]?.n);
  /** The user's open tasks, counted from the tasks themselves. */
  const openTasks = (user: TestUser) =>
    number(
      `SELECT count(*) AS n FROM tasks WHERE user_id = $1::uuid AND status IN ('created', 'processing') AND NOT is_deleted`,
      [user.id],
    );
  /** Statements of this database now waiting for a lock. */
  const waitingForLocks = () =>
    number(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      [],
    );
  /**
   * A request on a connection of its own, held to the OpenAPI document. No keep-alive reuse: a pooled socket that
   * the server closes for idleness just as it is reused resets the request, which a busy machine (a first contract
   * check compiling the document for seconds) makes likely.
   */
  const call = (user: TestUser, method: string, route: string, body?: unknown) =>
    new Promise<Answer>((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${user.token}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const sent = request(new URL(route, api.url), { method, agent: false, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('error', reject);
        response.on('end', () => {
          const received = new Headers();
          for (const [name, value] of Object.entries(response.headers))
            if (typeof value === 'string') received.set(name, value);
          const answer = {
            status: response.statusCode ?? 0,
            headers: received,
            body: text ? JSON.parse(text) : {},
          };
          const path = new URL(route, api.url).pathname;
          assertContract({ method, path, ...answer, body: text ? answer.body : undefined }).then(
            () => resolve(answer),
            reject,
          );
        });
      });
      sent.on('error', reject);
      sent.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const newJob = async (user: TestUser) => {
    const created = await call(user, 'POST', '/jobs', echoJob());
    expect(created.status).toBe(201);
    return String(created.body.id);
  };
  const expectQueueFull = (response: { status: number; headers: Headers; body: Record<string, unknown> }) => {
    expect(response.status).toBe(429);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('10');
    expect(response.body).toMatchObject({
      type: '/problems/too-many-open-tasks',
      status: 429,
      open_tasks: LIMIT,
      limit: LIMIT,
    });
  };

  it('20 runs racing at the boundary: exactly limit − open succeed, the rest are 429 with Retry-After', async () => {
    const user = await api.user();
    const jobId = await newJob(user);
    for (let i = 0; i < 3; i += 1) expect((await call(user, 'POST', `/jobs/${jobId}/run`)).status).toBe(202);
    // The runs are held at the user's queued-cap lock (migration 012's key) until they are all in flight together,
    // so their statements overlap (a check that counted in its statement's snapshot would let every one of them
    // through); then they go.
    const held = await api.database.db.transaction(async (tx) => {
      await tx.query({
        text: 'SELECT pg_advisory_xact_lock(1970500012, hashtext($1::uuid::text))',
        values: [user.id],
      });
      const racing = Promise.all(Array.from({ length: 20 }, () => call(user, 'POST', `/jobs/${jobId}/run`)));
      expect(await eventually(async () => (await waitingForLocks()) >= 8, 20_000)).toBe(true);
      return { racing };
    });
    const answers = await held.racing;
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(LIMIT - 3);
    const refused = answers.filter((answer) => answer.status !== 202);
    expect(refused).toHaveLength(20 - (LIMIT - 3));
    for (const answer of refused) expectQueueFull(answer);
    expect(await openTasks(user)).toBe(LIMIT);
  });

  it('counts open tasks per user, across jobs; ended and cancelled tasks make room; creating a job is never refused', async () => {
    const user = await api.user();
    const other = await api.user();
    const [first, second] = [await newJob(user), await newJob(user)];
    const tasks: string[] = [];
    for (let i = 0; i < LIMIT; i += 1) {
      const run = await call(user, 'POST', `/jobs/${i % 2 ? first : second}/run`);
      expect(run.status).toBe(202);
      tasks.push(String(run.body.id));
    }
    expectQueueFull(await call(user, 'POST', `/jobs/${first}/run`));
    // Another user's queue is their own.
    expect((await call(other, 'POST', `/jobs/${await newJob(other)}/run`)).status).toBe(202);
    // A job makes no task when it is created (its first occurrence comes later), so creating one is allowed.
    const third = await newJob(user);
    expectQueueFull(await call(user, 'POST', `/jobs/${third}/run`));

    expect((await call(user, 'POST', `/tasks/${tasks[0]}/cancel`)).status).toBe(200);
    expect((await call(user, 'POST', `/jobs/${third}/run`)).status).toBe(202);
    expectQueueFull(await call(user, 'POST', `/jobs/${third}/run`));
    // A task that ends (here: completed by hand, as a worker would) frees its slot too.
    await api.database.db.query({
      text: `UPDATE tasks SET status = 'completed', finished_at = now() WHERE id = $1::uuid`,
      values: [tasks[1] ?? ''],
    });
    expect(await openTasks(user)).toBe(LIMIT - 1);
    expect((await call(user, 'POST', `/jobs/${third}/run`)).status).toBe(202);

    // Cancelling and deleting jobs cancels their open tasks, and frees all their slots.
    expect((await call(user, 'POST', `/jobs/${first}/cancel`)).status).toBe(200);
    expect((await call(user, 'DELETE', `/jobs/${second}`)).status).toBe(204);
    expect(await openTasks(user)).toBe(2); // the two runs of the third job
    expect((await call(user, 'POST', `/jobs/${third}/run`)).status).toBe(202);
  });

  it.runIf(driver === 'data-api')('a refused run is one SQL statement, as every operation is', async () => {
    const engine = api.stack.dataApi?.engine;
    if (!engine) throw new Error('the data-api stack has no in-process endpoint');
    const user = await api.user();
    const jobId = await newJob(user);
    for (let i = 0; i < LIMIT; i += 1)
      expect((await call(user, 'POST', `/jobs/${jobId}/run`)).status).toBe(202);
    const before = { ...engine.calls };
    expectQueueFull(await call(user, 'POST', `/jobs/${jobId}/run`));
    expect(engine.calls.execute - before.execute + engine.calls.batchExecute - before.batchExecute).toBe(1);
    expect(engine.calls.begin - before.begin).toBe(0);
  });
});
