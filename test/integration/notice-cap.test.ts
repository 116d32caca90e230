import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database } from '../../lambdas/db/port.js';
import { claimNoticedTask } from '../../lambdas/domain/dispatch.js';
import type { WorkNotice } from '../../lambdas/domain/notices.js';
import { createLogger } from '../../lambdas/logger.js';
import { decodeNotice, encodeNotice } from '../../lambdas/queue/task-queue.js';
import { handleNotice } from '../../lambdas/worker/notice-worker.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob, insertTasks } from '../support/tasks.js';

/** USER_MAX_RUNNING on the AWS path, where each notice names one task (docs/semantics.md, "Where it runs"). */
let test: TestDatabase;
let db: Database;
const USER = '2d3e4f50-6172-4a83-9b94-e5f607182930';
const log = createLogger({}, 'error');
beforeAll(async () => {
  test = await freshDatabase();
  db = createPgDatabase({ connectionString: test.url, maxConnections: 12 });
});
afterAll(async () => {
  await db.close();
  await test.drop();
});

const holder = () => ({ messageId: randomUUID(), receiveCount: 1 });
const waitingIds = async (jobId: string) =>
  (
    await db.query<{ id: string }>({
      text: `SELECT id FROM tasks WHERE job_id = $1::uuid AND status = 'created' ORDER BY id`,
      values: [jobId],
    })
  ).rows.map((row) => row.id);

describe('USER_MAX_RUNNING for notices', () => {
  it('10 notices of one user claimed at once with a cap of 3: exactly 3 run, 7 are busy with no attempt used', async () => {
    const jobId = await insertJob(db, { userId: USER });
    await insertTasks(db, jobId, 10);
    const ids = await waitingIds(jobId);
    const results = await Promise.all(ids.map((id) => claimNoticedTask(db, id, holder(), 30, 3)));
    expect(results.filter((r) => r.kind === 'run')).toHaveLength(3);
    expect(results.filter((r) => r.kind === 'busy')).toHaveLength(7);
    expect(
      results.filter((r) => r.kind === 'busy').every((r) => r.kind === 'busy' && r.userId === USER),
    ).toBe(true);
    const { rows } = await db.query<{ status: string; attempt: number; n: number }>({
      text: 'SELECT status, attempt, count(*)::int AS n FROM tasks WHERE job_id = $1::uuid GROUP BY 1, 2 ORDER BY 1',
      values: [jobId],
    });
    expect(rows).toEqual([
      { status: 'created', attempt: 0, n: 7 },
      { status: 'processing', attempt: 1, n: 3 },
    ]);
    // Without a cap the same notice claims at once.
    const [free] = await waitingIds(jobId);
    expect((await claimNoticedTask(db, free ?? '', holder(), 30, 0)).kind).toBe('run');
  });

  it('a busy notice is sent on as a new message, delayed and counted, with its owner; the message is done', async () => {
    const other = '3e4f5061-7283-4a94-8ba5-f60718293041';
    const jobId = await insertJob(db, { userId: other });
    await insertTasks(db, jobId, 2);
    const [running, waiting] = await waitingIds(jobId);
    expect((await claimNoticedTask(db, running ?? '', holder(), 30, 1)).kind).toBe('run');
    const sent: WorkNotice[] = [];
    const notice: WorkNotice = { kind: 'task', taskId: waiting ?? '', userId: other, deferrals: 2 };
    const disposition = await handleNotice(
      {
        messageId: randomUUID(),
        notice: decodeNotice(encodeNotice(notice)),
        receiveCount: 1,
        sentAt: new Date(),
      },
      {
        db,
        send: async (notices) => {
          sent.push(...notices);
        },
        settings: { LEASE_SECONDS: 30, HEARTBEAT_MS: 1000, RETRY_BASE_DELAY_MS: 1000, USER_MAX_RUNNING: 1 },
        log,
      },
    );
    expect(disposition).toEqual({ kind: 'done', outcome: 'deferred' });
    expect(sent).toHaveLength(1);
    const next = sent[0];
    if (next?.kind !== 'task') throw new Error('expected a task notice');
    expect(next).toMatchObject({ taskId: waiting, userId: other, deferrals: 3 });
    // The third deferral waits 2–4 s.
    const delay = (next.due?.getTime() ?? 0) - Date.now();
    expect(delay).toBeGreaterThan(1_000);
    expect(delay).toBeLessThanOrEqual(4_000);
    expect(decodeNotice(encodeNotice(next))).toEqual(next);
  });
});
