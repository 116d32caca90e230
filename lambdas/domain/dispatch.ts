import { randomUUID } from 'node:crypto';
import type { Database } from '../db/port.js';
import { USER_MAX_QUEUED_DEFAULT } from '../limits.js';
import {
  claimNamedTask,
  selectOccurrence,
  selectOpenTasks,
  selectScheduledJobs,
  selectWaitingTask,
  takeOccurrence,
} from '../sql/dispatch.js';
import { pendingDeliveryNotices } from './delivery-notices.js';
import { type ClaimedTask, refreshJobs, toClaimedTask } from './execution.js';
import { deliveryNotice, occurrenceNotice, taskNotice, type WorkNotice } from './notices.js';
import { followingOccurrence, type Schedule } from './occurrences.js';
import { occurrenceOrRetry } from './scheduler-pass.js';

/**
 * The event-driven path's rules: what a notice does to the database. The caller (the SQS worker) acknowledges a
 * notice only once everything this returns to send has been sent, so a worker that dies half-way leaves the notice
 * to be delivered again, and every step here is safe to repeat.
 */

/** Who holds a task claimed for a notice: the message, at this receive. An earlier receive's holder is dead. */
export interface NoticeHolder {
  messageId: string;
  receiveCount: number;
}

const ownerOf = (holder: NoticeHolder) => `sqs:${holder.messageId}#${holder.receiveCount}`;
const earlierReceivesOf = (holder: NoticeHolder) =>
  `sqs:${holder.messageId.replace(/[\\%_]/g, (c) => `\\${c}`)}#%`;

export type NoticedTask =
  /** Leased to this notice: run it, with `owner` as the lease holder. */
  | { kind: 'run'; task: ClaimedTask; owner: string }
  /** Waiting for a retry: notice it again then. */
  | { kind: 'wait'; notice: WorkNotice }
  /** No such task: the notice may have outrun the commit that creates it. */
  | { kind: 'missing' }
  /**
   * Nothing to do: it finished, was cancelled, or a live worker holds it. `send`: the notice of its end's webhook
   * delivery when that was never attempted (this notice ended it, or the worker that did died before sending).
   */
  | { kind: 'settled'; send: WorkNotice[] }
  /** Due, but its user is at USER_MAX_RUNNING: notice it again later; no attempt was used. */
  | { kind: 'busy'; userId: string };

/** Derives a job's status after a claim or an end; a failure here loses nothing (the task's own end derives it). */
async function refreshQuietly(db: Database, jobId: string): Promise<void> {
  await refreshJobs(db, [jobId]).catch(() => {});
}

/** Claims the task a notice names, taking it back from a worker that died; see `claimNamedTask`. */
export async function claimNoticedTask(
  db: Database,
  taskId: string,
  holder: NoticeHolder,
  leaseSeconds: number,
  userMaxRunning = 0,
): Promise<NoticedTask> {
  const owner = ownerOf(holder);
  const row = (
    await db.query(claimNamedTask(taskId, owner, earlierReceivesOf(holder), leaseSeconds, userMaxRunning))
  ).rows[0];
  if (!row) return { kind: 'missing' };
  const action = String(row.action);
  if (action === 'busy') return { kind: 'busy', userId: String(row.user_id) };
  const jobId = String(row.job_id);
  if (action === 'claim' || action === 'retake' || action === 'mine') {
    if (row.job_status !== 'processing') await refreshQuietly(db, jobId);
    return {
      kind: 'run',
      owner,
      task: toClaimedTask(row),
    };
  }
  if (row.status === 'created')
    return { kind: 'wait', notice: taskNotice(taskId, row.run_at as Date, String(row.user_id)) };
  // An end this notice caused (abandon, cancel), or one whose worker died before deriving the job's status. Not
  // quietly: no scheduler settles jobs in AWS, so a failure keeps the message, which comes back to try again.
  if (action !== 'none' || row.job_status === 'processing') await refreshJobs(db, [jobId]);
  return { kind: 'settled', send: row.delivery_pending ? [deliveryNotice(taskId)] : [] };
}

/** After a failed attempt: the notice that runs the task again when its retry is due (none if it is not waiting). */
export async function retryNotice(db: Database, taskId: string): Promise<WorkNotice[]> {
  const row = (await db.query(selectWaitingTask(taskId))).rows[0];
  return row ? [taskNotice(taskId, row.run_at, row.user_id)] : [];
}

/** `send`: the next occurrence's notice; `taskId`: the occurrence's task, for this notice's worker to run. */
export type NoticedOccurrence = { kind: 'missing' } | { kind: 'done'; send: WorkNotice[]; taskId?: string };

/**
 * A job's occurrence at `at` has come: make its task, move the job to its next occurrence, and return the next
 * occurrence's notice and the task (which the same worker runs at once, saving a queue hop). Of duplicate notices
 * for one occurrence exactly one does this; a notice for an occurrence the job no longer has (rescheduled,
 * cancelled) does nothing. The notice that did it, delivered again because its worker died before sending or while
 * running the task, recognises itself by its message id and returns the same again. Every notice for an occurrence
 * whose task exists is told the task: the claim decides whether it runs (see `claimNoticedTask`). An occurrence
 * whose user is at `userMaxQueued` open tasks gets no task: it is skipped, recorded on the job, and the chain goes on.
 */
export async function takeNoticedOccurrence(
  db: Database,
  jobId: string,
  at: Date,
  messageId: string,
  now: () => Date = () => new Date(),
  userMaxQueued = USER_MAX_QUEUED_DEFAULT,
): Promise<NoticedOccurrence> {
  const job = (await db.query(selectOccurrence(jobId, at))).rows[0];
  if (!job) return { kind: 'missing' };
  if (job.status === 'cancelled') return { kind: 'done', send: [] };
  if (job.is_next) {
    // A job with a schedule_error waits for a retry time, not an occurrence: it only computes again (no task).
    const makeTask = job.schedule_error === null;
    const current = now();
    const { next, error } = occurrenceOrRetry(
      () => followingOccurrence(job.schedule_interval as Schedule, at, current),
      current,
    );
    const taken = (
      await db.query(
        takeOccurrence({
          jobId,
          at,
          next,
          messageId,
          taskId: randomUUID(),
          makeTask,
          scheduleError: error,
          userMaxQueued,
        }),
      )
    ).rows[0];
    if (!taken?.advanced) return { kind: 'done', send: [] };
    return {
      kind: 'done',
      send: next ? [occurrenceNotice(jobId, next, { userId: job.user_id })] : [],
      ...(taken.task_id ? { taskId: String(taken.task_id) } : {}),
    };
  }
  // The occurrence's task is named to any notice for it, not only to the one that made it: the maker, back after
  // its worker died, may no longer be recognisable (a later occurrence's message took the chain meanwhile), and no
  // other message names the task. The claim's fencing decides (a live holder keeps it; a dead one loses it).
  const task = job.task_id ? { taskId: String(job.task_id) } : {};
  if (job.occurrence_message_id !== messageId) return { kind: 'done', send: [], ...task };
  const nextRunAt = job.next_run_at;
  const userId = job.user_id;
  return { kind: 'done', send: nextRunAt ? [occurrenceNotice(jobId, nextRunAt, { userId })] : [], ...task };
}

/** Whether the job (still) has its next occurrence at `at`: the one check an unconfirmed notice makes. */
export async function occurrenceIsNext(db: Database, jobId: string, at: Date): Promise<boolean> {
  const job = (await db.query(selectOccurrence(jobId, at))).rows[0];
  return Boolean(job?.is_next) && job?.status !== 'cancelled';
}

/**
 * Every notice the database implies: each live scheduled job's next occurrence, each open task and each pending
 * webhook delivery. Sent on every
 * deploy, it starts the chains of jobs created before this design and restarts any chain a lost message broke;
 * a notice whose work already has one is dropped on arrival, so sending it twice is harmless.
 */
export async function* impliedNotices(db: Database, pageSize = 500): AsyncGenerator<WorkNotice[]> {
  for (let after: string | null = null; ; ) {
    // Annotated (checked against the statement's row) because `after` is read from the page it selects.
    const rows: { id: string; user_id: string; next_run_at: Date }[] = (
      await db.query(selectScheduledJobs(after, pageSize))
    ).rows;
    if (rows.length > 0)
      yield rows.map((row) => occurrenceNotice(row.id, row.next_run_at, { userId: row.user_id }));
    if (rows.length < pageSize) break;
    after = rows.at(-1)?.id ?? null;
  }
  for (let after: string | null = null; ; ) {
    const rows: { id: string; run_at: Date; user_id: string | null }[] = (
      await db.query(selectOpenTasks(after, pageSize))
    ).rows;
    if (rows.length > 0) yield rows.map((row) => taskNotice(row.id, row.run_at, row.user_id));
    if (rows.length < pageSize) break;
    after = rows.at(-1)?.id ?? null;
  }
  yield* pendingDeliveryNotices(db, pageSize);
}
