import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeNoticedOccurrence } from '../../lambdas/domain/dispatch.js';
import { getJob } from '../../lambdas/domain/jobs.js';
import { materializeSchedules } from '../../lambdas/domain/scheduler-pass.js';
import { runJobNow } from '../../lambdas/domain/tasks.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob } from '../support/tasks.js';

/**
 * USER_MAX_QUEUED on the two paths that turn a schedule's occurrences into tasks — the local scheduler's pass and
 * the AWS occurrence notice: an occurrence past the limit makes no task, the job records it, and the schedule
 * goes on.
 */
let test: TestDatabase;
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

const HOURLY = { type: 'timedelta', seconds: 3600 };
const taskCount = async (jobId: string) =>
  Number(
    (
      await test.db.query<{ n: string }>({
        text: 'SELECT count(*) AS n FROM tasks WHERE job_id = $1::uuid',
        values: [jobId],
      })
    ).rows[0]?.n,
  );

describe('the local scheduler at USER_MAX_QUEUED', () => {
  it("makes tasks for a user's earliest due occurrences while there is room, skips the rest and records why", async () => {
    const [user, other] = [randomUUID(), randomUUID()];
    const manual = await insertJob(test.db, { userId: user });
    await runJobNow(test.db, user, manual, { userMaxQueued: 3 });
    const base = Date.now() - 60_000;
    const due = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        insertJob(test.db, { userId: user, schedule: HOURLY, nextRunAt: new Date(base + i * 1000) }),
      ),
    );
    const othersJob = await insertJob(test.db, {
      userId: other,
      schedule: HOURLY,
      nextRunAt: new Date(base),
    });

    expect(await materializeSchedules(test.db, undefined, 500, 3)).toBe(3); // two of the user's, one of the other's
    expect(await Promise.all(due.map(taskCount))).toEqual([1, 1, 0, 0]);
    expect(await taskCount(othersJob)).toBe(1);
    for (const [i, jobId] of due.entries()) {
      const job = await getJob(test.db, user, jobId);
      // Every job moved on to its next occurrence, skipped or not.
      expect(new Date(job.next_run_at ?? 0).getTime()).toBeGreaterThan(Date.now());
      if (i < 2) expect([job.skipped_occurrence_at, job.skipped_occurrence_reason]).toEqual([null, null]);
      else {
        expect([job.skipped_occurrence_at, job.skipped_occurrence_reason]).toEqual([
          new Date(base + i * 1000).toISOString(),
          'the user had 3 open tasks, the most USER_MAX_QUEUED (3) allows',
        ]);
      }
    }
    expect(await materializeSchedules(test.db, undefined, 500, 3)).toBe(0);
  });

  it('with no limit (0) skips nothing', async () => {
    const user = randomUUID();
    const due = new Date(Date.now() - 1000);
    const jobs = await Promise.all(
      [0, 1, 2].map(() => insertJob(test.db, { userId: user, schedule: HOURLY, nextRunAt: due })),
    );
    expect(await materializeSchedules(test.db, undefined, 500, 0)).toBe(3);
    expect(await Promise.all(jobs.map(taskCount))).toEqual([1, 1, 1]);
  });
});

describe('an occurrence notice at USER_MAX_QUEUED', () => {
  it('skips the occurrence: no task, the job records it, and the next occurrence is still announced', async () => {
    const user = randomUUID();
    const manual = await insertJob(test.db, { userId: user });
    const running = await runJobNow(test.db, user, manual, { userMaxQueued: 1 });
    const at = new Date(Date.now() - 500);
    at.setMilliseconds(0);
    const jobId = await insertJob(test.db, { userId: user, schedule: HOURLY, nextRunAt: at });
    const messageId = randomUUID();

    const taken = await takeNoticedOccurrence(test.db, jobId, at, messageId, undefined, 1);
    expect(taken.kind === 'done' && taken.taskId).toBeFalsy();
    expect(taken.kind === 'done' && taken.send.map((notice) => notice.kind)).toEqual(['occurrence']);
    expect(await taskCount(jobId)).toBe(0);
    const job = await getJob(test.db, user, jobId);
    expect([job.skipped_occurrence_at, job.skipped_occurrence_reason]).toEqual([
      at.toISOString(),
      'the user had 1 open tasks, the most USER_MAX_QUEUED (1) allows',
    ]);
    expect(new Date(job.next_run_at ?? 0).getTime()).toBe(at.getTime() + 3600_000);
    // Delivered again, the same message hands on the same next occurrence and still makes no task.
    const again = await takeNoticedOccurrence(test.db, jobId, at, messageId, undefined, 1);
    expect(again).toEqual(taken);
    expect(await taskCount(jobId)).toBe(0);

    // Once the user has room, the next occurrence makes its task; the job still shows the skipped one.
    await test.db.query({
      text: `UPDATE tasks SET status = 'completed', finished_at = now() WHERE id = $1::uuid`,
      values: [running.id],
    });
    const next = new Date(at.getTime() + 3600_000);
    await test.db.query({
      text: 'UPDATE jobs SET next_run_at = $2::timestamptz WHERE id = $1::uuid',
      values: [jobId, next],
    });
    const made = await takeNoticedOccurrence(test.db, jobId, next, randomUUID(), () => next, 1);
    expect(made.kind === 'done' && made.taskId).toBeTruthy();
    expect((await getJob(test.db, user, jobId)).skipped_occurrence_at).toBe(at.toISOString());
  });
});
