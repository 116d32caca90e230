import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, SqlStatement } from '../../lambdas/db/port.js';
import { claimNoticedTask, takeNoticedOccurrence } from '../../lambdas/domain/dispatch.js';
import type { WorkNotice } from '../../lambdas/domain/notices.js';
import { createLogger } from '../../lambdas/logger.js';
import { handleNotice } from '../../lambdas/worker/notice-worker.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob, insertTasks, jobStatus, taskRow } from '../support/tasks.js';

/** The worker's handling of one notice, on a real PostgreSQL, with the statements it sends counted. */
let test: TestDatabase;
const USER = '1c2d3e4f-5061-4a72-8b83-d4e5f6071829';
const log = createLogger({}, 'error');
const settings = { LEASE_SECONDS: 30, HEARTBEAT_MS: 1000, RETRY_BASE_DELAY_MS: 60_000 };
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

/** The real database, counting the statements that reach it. */
function counted(db: Database): { db: Database; statements: () => number } {
  let statements = 0;
  return {
    db: {
      ...db,
      query: (statement: SqlStatement) => {
        statements += 1;
        return db.query(statement);
      },
    } as Database,
    statements: () => statements,
  };
}

/** A `send` that keeps what it was given, as the queue would. */
function collected(): { sent: WorkNotice[]; send: (notices: WorkNotice[]) => Promise<void> } {
  const sent: WorkNotice[] = [];
  return {
    sent,
    send: async (notices) => {
      sent.push(...notices);
    },
  };
}

const received = (notice: WorkNotice, sentAt = new Date()) => ({
  messageId: randomUUID(),
  notice,
  receiveCount: 1,
  sentAt,
});

describe('handling a notice', () => {
  it('hands a notice due in more than a second back to the queue without touching the database', async () => {
    const { db, statements } = counted(test.db);
    const { sent, send } = collected();
    const notice: WorkNotice = {
      kind: 'occurrence',
      jobId: randomUUID(),
      at: new Date(Date.now() + 3_600_000),
    };
    const disposition = await handleNotice(received(notice), {
      db,
      send,
      settings,
      log,
    });
    expect(disposition).toEqual({ kind: 'done', outcome: 'handed-on' });
    expect(sent).toEqual([notice]);
    expect(statements()).toBe(0);
  });

  it('at its wake-up time, wakes the database with one statement and sends the occurrence on to its due time', async () => {
    const { db, statements } = counted(test.db);
    const { sent, send } = collected();
    const at = new Date(Date.now() + 30_000);
    const disposition = await handleNotice(
      received({ kind: 'occurrence', jobId: randomUUID(), at, wakeAt: new Date(Date.now() - 10) }),
      {
        db,
        send,
        settings,
        log,
      },
    );
    expect(disposition).toEqual({ kind: 'done', outcome: 'woke' });
    expect(statements()).toBe(1);
    expect(sent).toEqual([{ kind: 'occurrence', jobId: expect.any(String), at }]);
  });

  it('confirms an unconfirmed far occurrence with one read, then sends it on unconfirmed', async () => {
    const at = new Date(Date.now() + 3_600_000);
    const jobId = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'timedelta', seconds: 3600 },
      nextRunAt: at,
    });
    const { db, statements } = counted(test.db);
    const { sent, send } = collected();
    const disposition = await handleNotice(received({ kind: 'occurrence', jobId, at, confirm: true }), {
      db,
      send,
      settings,
      log,
    });
    expect(disposition).toEqual({ kind: 'done', outcome: 'handed-on' });
    expect(statements()).toBe(1);
    expect(sent).toEqual([{ kind: 'occurrence', jobId, at }]);
  });

  it('keeps a notice whose retry is due by its clock but not yet by the database, instead of re-sending it at once', async () => {
    const jobId = await insertJob(test.db, { userId: USER });
    await insertTasks(test.db, jobId, 1);
    const { rows } = await test.db.query<{ id: string }>({
      text: `UPDATE tasks SET run_at = now() + interval '600 milliseconds' WHERE job_id = $1::uuid RETURNING id`,
      values: [jobId],
    });
    const { sent, send } = collected();
    const disposition = await handleNotice(received({ kind: 'task', taskId: rows[0]?.id ?? '' }), {
      db: test.db,
      send,
      settings,
      log,
    });
    expect(disposition).toMatchObject({ kind: 'later', afterSeconds: 1 });
    expect(sent).toEqual([]);
  });

  it('waits out the last second before a notice is due, then runs its task', async () => {
    const jobId = await insertJob(test.db, { userId: USER });
    await insertTasks(test.db, jobId, 1);
    const { rows } = await test.db.query<{ id: string }>({
      text: 'SELECT id FROM tasks WHERE job_id = $1::uuid',
      values: [jobId],
    });
    const taskId = rows[0]?.id ?? '';
    const due = new Date(Date.now() + 600);
    const slept: number[] = [];
    const disposition = await handleNotice(received({ kind: 'task', taskId, due }), {
      db: test.db,
      send: async () => {},
      settings,
      log,
      sleep: async (ms) => {
        slept.push(ms);
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    expect(disposition).toEqual({ kind: 'done', outcome: 'completed' });
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(0);
    expect(slept[0]).toBeLessThanOrEqual(600);
    const row = await taskRow(test.db, taskId);
    expect(row.status).toBe('completed');
    expect((row.started_at as Date).getTime()).toBeGreaterThanOrEqual(due.getTime() - 5);
  });

  it('sends the retry notice of a failed attempt, due at the retry time, before letting the message go', async () => {
    const jobId = await insertJob(test.db, { userId: USER, jobType: 'no-such-type' });
    await insertTasks(test.db, jobId, 1);
    const { rows } = await test.db.query<{ id: string }>({
      text: 'SELECT id FROM tasks WHERE job_id = $1::uuid',
      values: [jobId],
    });
    const taskId = rows[0]?.id ?? '';
    const { sent, send } = collected();
    const disposition = await handleNotice(received({ kind: 'task', taskId }), {
      db: test.db,
      send,
      settings,
      log,
    });
    expect(disposition).toEqual({ kind: 'done', outcome: 'retrying' });
    const row = await taskRow(test.db, taskId);
    expect(sent).toEqual([{ kind: 'task', taskId, due: row.run_at, userId: USER }]);
  });

  it('keeps a notice whose task does not exist yet for later, and drops it once the sender surely gave up', async () => {
    const sleep = async () => {};
    const young = await handleNotice(
      received({ kind: 'task', taskId: randomUUID() }, new Date(Date.now() - 5_000)),
      {
        db: test.db,
        send: async () => {},
        settings,
        log,
        sleep,
      },
    );
    expect(young.kind).toBe('later');
    const old = await handleNotice(
      received({ kind: 'task', taskId: randomUUID() }, new Date(Date.now() - 60_000)),
      {
        db: test.db,
        send: async () => {},
        settings,
        log,
        sleep,
      },
    );
    expect(old).toEqual({ kind: 'done', outcome: 'dropped' });
  });
});

describe('an occurrence whose worker died after the chain moved on', () => {
  it('takes its task back when its message comes again, although a later occurrence already took the chain', async () => {
    // Review finding: the occurrence's message M made task T and ran it leased to M#1; its worker died. Before M
    // came back (one lease later), the next occurrence's message advanced the chain. M#2 must still take T back:
    // no other message names T, and in AWS there is no reaper.
    const at = new Date(Date.now() - 2_000);
    at.setMilliseconds(0);
    const jobId = await insertJob(test.db, {
      userId: USER,
      schedule: { type: 'timedelta', seconds: 1 },
      nextRunAt: at,
    });
    const message = randomUUID();
    const taken = await takeNoticedOccurrence(test.db, jobId, at, message);
    const taskId = taken.kind === 'done' ? (taken.taskId ?? '') : '';
    expect((await claimNoticedTask(test.db, taskId, { messageId: message, receiveCount: 1 }, 30)).kind).toBe(
      'run',
    );
    const next = taken.kind === 'done' ? taken.send[0] : undefined;
    if (next?.kind !== 'occurrence') throw new Error('no next occurrence was sent');
    await takeNoticedOccurrence(test.db, jobId, next.at, randomUUID());

    const disposition = await handleNotice(
      { messageId: message, notice: { kind: 'occurrence', jobId, at }, receiveCount: 2, sentAt: at },
      { db: test.db, send: async () => {}, settings, log },
    );
    expect(disposition).toEqual({ kind: 'done', outcome: 'completed' });
    expect((await taskRow(test.db, taskId)).status).toBe('completed');
  });
});

describe("a job's status when deriving it fails after its task ended", () => {
  it('is derived again before the message is let go (in AWS no scheduler settles jobs left processing)', async () => {
    // Review finding: complete() records the outcome, then derives the job's status and swallows a failure of that
    // (the local scheduler's settleJobs derives it again). In AWS nothing does: the message is deleted and the job
    // reads `processing` for ever although its only task completed.
    const jobId = await insertJob(test.db, { userId: USER });
    await insertTasks(test.db, jobId, 1);
    const { rows } = await test.db.query<{ id: string }>({
      text: 'SELECT id FROM tasks WHERE job_id = $1::uuid',
      values: [jobId],
    });
    const taskId = rows[0]?.id ?? '';
    let derivations = 0;
    const flaky = {
      ...test.db,
      query: (statement: SqlStatement) => {
        // The derivation after the outcome (the second one: the first follows the claim) does not get through.
        if (statement.text.includes('derived AS') && ++derivations === 2)
          return Promise.reject(new Error('the Data API did not answer'));
        return test.db.query(statement);
      },
    } as Database;
    const disposition = await handleNotice(received({ kind: 'task', taskId }), {
      db: flaky,
      send: async () => {},
      settings,
      log,
    });
    expect((await taskRow(test.db, taskId)).status).toBe('completed');
    // Either the message is kept (it comes back and derives the status) or the status is right already.
    if (disposition.kind === 'done') expect(await jobStatus(test.db, jobId)).toBe('completed');
  });
});
