import { randomUUID } from 'node:crypto';
import { OutcomeUnknownError, ResponseTooLargeError } from '../db/errors.js';
import type { Database } from '../db/port.js';
import { USER_MAX_QUEUED_DEFAULT } from '../limits.js';
import type { Page, PagePosition } from '../shapes/page.js';
import { TASK, type TaskView } from '../shapes/task.js';
import { settle, settlePage } from '../sql/outcome.js';
import { cancelTask as cancelTaskSql, insertManualTask, selectJobTasks, selectTask } from '../sql/tasks.js';
import { InvalidStateError, NotFoundError, QueueFullError } from './errors.js';
import { type Announce, afterAnyWrite, announceAfter, announceFirst } from './jobs.js';
import { deliveryNotice, taskNotice } from './notices.js';
import { fetchPage } from './pages.js';

/**
 * A task for the job now, whatever its schedule. A cancelled job takes no new tasks, nor does a user who has
 * `userMaxQueued` open tasks (USER_MAX_QUEUED; 0: no limit; sql/tasks.ts says how it holds). The task's id is the
 * one given in `options` or a new one, chosen before anything is sent: the insert is safe to send again after a
 * lost answer.
 */
export async function runJobNow(
  db: Database,
  userId: string,
  jobId: string,
  options: { taskId?: string; announce?: Announce; userMaxQueued?: number } = {},
): Promise<TaskView> {
  const taskId = options.taskId ?? randomUUID();
  const limit = options.userMaxQueued ?? USER_MAX_QUEUED_DEFAULT;
  await announceFirst(options.announce, [taskNotice(taskId, null, userId)]);
  // The fast path first: runs of one user commit together. It is undecided only near the limit while other
  // statements of the user hold or wait for the user's lock; then the exact path waits its turn behind them.
  let outcome = settle((await db.query(insertManualTask(userId, jobId, taskId, limit, false))).rows);
  if (outcome.found && outcome.refused?.undecided)
    outcome = settle((await db.query(insertManualTask(userId, jobId, taskId, limit, true))).rows);
  if (!outcome.found) throw new NotFoundError('job');
  if (outcome.refused?.job_status === 'cancelled')
    throw new InvalidStateError(`the job is ${outcome.refused.job_status} and takes no new tasks`);
  if (outcome.refused) {
    const openTasks = Number(outcome.refused.open_tasks);
    if (limit > 0 && openTasks >= limit) throw new QueueFullError(openTasks, limit);
    // Room, yet no task: the id's insert conflicted with a send of this same request still in flight when this
    // one started (after a lost answer), which made the task after this statement's snapshot.
    throw new OutcomeUnknownError('a concurrent send of this request made the task', undefined);
  }
  return TASK.view(outcome.row);
}

export async function getTask(db: Database, userId: string, taskId: string): Promise<TaskView> {
  const row = (await db.query(selectTask(userId, taskId))).rows[0];
  if (!row) throw new NotFoundError('task');
  return TASK.view(row);
}

export interface TaskListQuery {
  status?: string;
  limit: number;
  after?: PagePosition;
}

/** A job's tasks, newest first; a page may hold fewer than `limit` when its rows are large. */
export async function listJobTasks(
  db: Database,
  userId: string,
  jobId: string,
  query: TaskListQuery,
): Promise<Page<TaskView>> {
  let jobExists = true;
  const fetch = async (rows: number) => {
    const statement = selectJobTasks({
      userId,
      jobId,
      status: query.status,
      after: query.after,
      limit: rows,
    });
    const page = settlePage((await db.query(statement)).rows);
    jobExists = page.found;
    return page.found ? page.rows : [];
  };
  const page = await fetchPage(
    query.limit,
    fetch,
    TASK.view,
    (error) => error instanceof ResponseTooLargeError,
  );
  if (!jobExists) throw new NotFoundError('job');
  return page;
}

/**
 * Cancels a waiting or running task; cancelling a cancelled task changes nothing; a finished one cannot be. With a
 * queue (AWS), the end's webhook delivery is announced twice: a notice delayed past any write's end goes out
 * before the write (should this process die after committing), and one right after it when it made a delivery.
 */
export async function cancelTask(
  db: Database,
  userId: string,
  taskId: string,
  announce?: Announce,
): Promise<TaskView> {
  await announceFirst(announce, [deliveryNotice(taskId, afterAnyWrite())]);
  const row = (await db.query(cancelTaskSql(userId, taskId))).rows[0];
  if (!row) throw new NotFoundError('task');
  if (row.delivery_made) await announceAfter(announce, [deliveryNotice(taskId)]);
  if (!row.changed && row.status !== 'cancelled') {
    throw new InvalidStateError(`the task already ended as ${String(row.status)}`);
  }
  return TASK.view(row);
}
