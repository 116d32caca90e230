import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimNoticedTask, impliedNotices, takeNoticedOccurrence } from '../../lambdas/domain/dispatch.js';
import type { WorkNotice } from '../../lambdas/domain/notices.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob, insertTasks, jobStatus, taskRow } from '../support/tasks.js';

/** The event-driven path's rules against a real PostgreSQL: what a notice does, and what repeating it does. */
let test: TestDatabase;
const USER = '0b1c2d3e-4f50-4a61-8b72-c3d4e5f60718';
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

async function oneTask(fields: { maxRetries?: number } = {}): Promise<{ jobId: string; taskId: string }> {
  const jobId = await insertJob(test.db, { userId: USER, ...fields });
  await insertTasks(test.db, jobId, 1);
  const { rows } = await test.db.query<{ id: string }>({
    text: 'SELECT id FROM tasks WHERE job_id = $1::uuid',
    values: [jobId],
  });
  return { jobId, taskId: rows[0]?.id ?? '' };
}

const holder = (messageId: string, receiveCount = 1) => ({ messageId, receiveCount });

describe('claiming the task a notice names', () => {
  it('claims a due task once; the same statement sent again returns the same claim without a second attempt', async () => {
    const { jobId, taskId } = await oneTask();
    const message = randomUUID();
    const first = await claimNoticedTask(test.db, taskId, holder(message), 30);
    const again = await claimNoticedTask(test.db, taskId, holder(message), 30);
    expect(first.kind).toBe('run');
    expect(again).toEqual(first);
    expect((await taskRow(test.db, taskId)).attempt).toBe(1);
    expect(await jobStatus(test.db, jobId)).toBe('processing');
  });

  it('drops a duplicate notice while a live worker holds the task', async () => {
    const { taskId } = await oneTask();
    await claimNoticedTask(test.db, taskId, holder(randomUUID()), 30);
    expect((await claimNoticedTask(test.db, taskId, holder(randomUUID()), 30)).kind).toBe('settled');
    expect((await taskRow(test.db, taskId)).attempt).toBe(1);
  });

  it('takes the task back at once when its own message comes again (its worker died), counting the attempt', async () => {
    const { taskId } = await oneTask();
    const message = randomUUID();
    await claimNoticedTask(test.db, taskId, holder(message, 1), 300);
    const retaken = await claimNoticedTask(test.db, taskId, holder(message, 2), 300);
    expect(retaken.kind).toBe('run');
    const row = await taskRow(test.db, taskId);
    expect(row.attempt).toBe(2);
    expect(row.lease_owner).toBe(`sqs:${message}#2`);
    expect(String(row.last_error)).toMatch(/stopped renewing its lease/);
  });

  it('takes back a task whose lease expired under another message; fails it when that was the last attempt', async () => {
    const { jobId, taskId } = await oneTask({ maxRetries: 0 });
    await claimNoticedTask(test.db, taskId, holder(randomUUID()), 30);
    await test.db.query({
      text: `UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = $1::uuid`,
      values: [taskId],
    });
    expect((await claimNoticedTask(test.db, taskId, holder(randomUUID()), 30)).kind).toBe('settled');
    const row = await taskRow(test.db, taskId);
    expect(row.status).toBe('failed');
    expect(row.finished_at).not.toBeNull();
    expect(await jobStatus(test.db, jobId)).toBe('failed');
  });

  it('hands a task waiting for its retry back with its due time, and cancels one stranded under a cancelled job', async () => {
    const waiting = await oneTask();
    await test.db.query({
      text: `UPDATE tasks SET run_at = now() + interval '1 hour' WHERE id = $1::uuid`,
      values: [waiting.taskId],
    });
    const wait = await claimNoticedTask(test.db, waiting.taskId, holder(randomUUID()), 30);
    expect(wait.kind).toBe('wait');
    if (wait.kind === 'wait' && wait.notice.kind === 'task')
      expect((wait.notice.due?.getTime() ?? 0) - Date.now()).toBeGreaterThan(3_500_000);

    const stranded = await oneTask();
    await test.db.query({
      text: `UPDATE jobs SET status = 'cancelled' WHERE id = $1::uuid`,
      values: [stranded.jobId],
    });
    expect((await claimNoticedTask(test.db, stranded.taskId, holder(randomUUID()), 30)).kind).toBe('settled');
    expect((await taskRow(test.db, stranded.taskId)).status).toBe('cancelled');
  });

  it('reports a task that does not exist (yet) as missing', async () => {
    expect((await claimNoticedTask(test.db, randomUUID(), holder(randomUUID()), 30)).kind).toBe('missing');
  });
});

describe('taking a job occurrence a notice names', () => {
  const timedelta = { type: 'timedelta', seconds: 60 };

  async function scheduledJob(at: Date): Promise<string> {
    return insertJob(test.db, { userId: USER, schedule: timedelta, nextRunAt: at });
  }

  it('of four notices for the same occurrence at once, exactly one makes the task (to run) and sends the next occurrence', async () => {
    const at = new Date(Date.now() - 1000);
    at.setMilliseconds(0);
    const jobId = await scheduledJob(at);
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => takeNoticedOccurrence(test.db, jobId, at, randomUUID())),
    );
    const sent = results.flatMap((result) => (result.kind === 'done' ? result.send : []));
    expect(sent.map((notice) => notice.kind)).toEqual(['occurrence']);
    const next = sent[0] as Extract<WorkNotice, { kind: 'occurrence' }>;
    const toRun = results.flatMap((result) =>
      result.kind === 'done' && result.taskId ? [result.taskId] : [],
    );
    expect(next.at.getTime()).toBe(at.getTime() + 60_000);
    const { rows } = await test.db.query({
      text: 'SELECT id FROM tasks WHERE job_id = $1::uuid',
      values: [jobId],
    });
    expect(rows).toHaveLength(1);
    expect(new Set(toRun)).toEqual(new Set([rows[0]?.id]));
    // Every notice may name the task; of their claims exactly one runs it.
    const claims = await Promise.all(
      toRun.map((taskId) => claimNoticedTask(test.db, taskId, holder(randomUUID()), 30)),
    );
    expect(claims.filter((claim) => claim.kind === 'run')).toHaveLength(1);
  });

  it('the notice that took it, delivered again, sends the same notices; a stale or duplicate one sends none', async () => {
    const at = new Date(Date.now() - 500);
    at.setMilliseconds(0);
    const jobId = await scheduledJob(at);
    const message = randomUUID();
    const first = await takeNoticedOccurrence(test.db, jobId, at, message);
    const redelivered = await takeNoticedOccurrence(test.db, jobId, at, message);
    expect(redelivered).toEqual(first);
    // A duplicate sends nothing; it is told the occurrence's task, which its claim finds held (or dead, or done).
    expect(await takeNoticedOccurrence(test.db, jobId, at, randomUUID())).toEqual({
      kind: 'done',
      send: [],
      taskId: first.kind === 'done' ? first.taskId : undefined,
    });
  });

  it('drops a notice for an occurrence the job no longer has (rescheduled or cancelled), and reports an unknown job', async () => {
    const at = new Date(Date.now() - 500);
    at.setMilliseconds(0);
    const jobId = await scheduledJob(at);
    await test.db.query({
      text: `UPDATE jobs SET next_run_at = now() + interval '1 day' WHERE id = $1::uuid`,
      values: [jobId],
    });
    expect(await takeNoticedOccurrence(test.db, jobId, at, randomUUID())).toEqual({ kind: 'done', send: [] });
    await test.db.query({
      text: `UPDATE jobs SET status = 'cancelled', next_run_at = NULL WHERE id = $1::uuid`,
      values: [jobId],
    });
    expect(await takeNoticedOccurrence(test.db, jobId, at, randomUUID())).toEqual({ kind: 'done', send: [] });
    expect((await takeNoticedOccurrence(test.db, randomUUID(), at, randomUUID())).kind).toBe('missing');
  });
});

describe('an occurrence whose next one cannot be computed', () => {
  it('records schedule_error and a retry time on that job only; at the retry it computes again and makes no task', async () => {
    const at = new Date(Date.now() - 500);
    at.setMilliseconds(0);
    const jobId = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'cron', expression: '0 0 * * *', timezone: 'Not/AZone' },
      nextRunAt: at,
    });
    const first = await takeNoticedOccurrence(test.db, jobId, at, randomUUID());
    expect(first.kind === 'done' && first.taskId).toBeTruthy();
    const retry =
      first.kind === 'done' ? (first.send[0] as Extract<WorkNotice, { kind: 'occurrence' }>) : undefined;
    expect(retry?.kind).toBe('occurrence');
    const { rows } = await test.db.query<{ schedule_error: string | null; next_run_at: Date }>({
      text: 'SELECT schedule_error, next_run_at FROM jobs WHERE id = $1::uuid',
      values: [jobId],
    });
    expect(rows[0]?.schedule_error).toBeTruthy();
    expect(rows[0]?.next_run_at.getTime()).toBe(retry?.at.getTime());

    // The zone is fixed (as an operator would, by PATCH); the retry notice then computes again, with no task.
    await test.db.query({
      text: `UPDATE jobs SET schedule_interval = '{"type":"cron","expression":"0 0 * * *","timezone":"UTC"}' WHERE id = $1::uuid`,
      values: [jobId],
    });
    const second = await takeNoticedOccurrence(test.db, jobId, retry?.at ?? new Date(), randomUUID());
    expect(second.kind === 'done' && second.taskId).toBeFalsy();
    expect(second.kind === 'done' && second.send.map((n) => n.kind)).toEqual(['occurrence']);
    const after = await test.db.query<{ schedule_error: string | null; n: string }>({
      text: 'SELECT schedule_error, (SELECT count(*) FROM tasks WHERE job_id = $1::uuid) AS n FROM jobs WHERE id = $1::uuid',
      values: [jobId],
    });
    expect(after.rows[0]).toEqual({ schedule_error: null, n: '1' });
  });
});

describe('the notices a deploy sends again', () => {
  it('names every live scheduled job and every open task, across pages', async () => {
    const fresh = await freshDatabase();
    try {
      const at = new Date(Date.now() + 3_600_000);
      const jobs = await Promise.all(
        [1, 2, 3].map(() => insertJob(fresh.db, { userId: USER, nextRunAt: at })),
      );
      const cancelled = await insertJob(fresh.db, { userId: USER, nextRunAt: at });
      await fresh.db.query({
        text: `UPDATE jobs SET status = 'cancelled' WHERE id = $1::uuid`,
        values: [cancelled],
      });
      await insertTasks(fresh.db, jobs[0] ?? '', 3);
      const notices: WorkNotice[] = [];
      for await (const page of impliedNotices(fresh.db, 2)) notices.push(...page);
      expect(
        notices
          .filter((n) => n.kind === 'occurrence')
          .map((n) => n.jobId)
          .sort(),
      ).toEqual([...jobs].sort());
      expect(notices.filter((n) => n.kind === 'task')).toHaveLength(3);
    } finally {
      await fresh.drop();
    }
  });
});
