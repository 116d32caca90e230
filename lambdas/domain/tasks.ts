import type { Database } from '../db/port.js';
import { cancelTask as cancelTaskSql, insertManualTask, selectJobTasks, selectTask } from '../sql/tasks.js';
import { InvalidStateError, NotFoundError } from './errors.js';
import { type Page, type PagePosition, type TaskView, toPage, toTaskView } from './views.js';

/** A task for the job now, whatever its schedule. A cancelled job takes no new tasks. */
export async function runJobNow(db: Database, userId: string, jobId: string): Promise<TaskView> {
  const row = (await db.query(insertManualTask(userId, jobId))).rows[0];
  if (!row) throw new NotFoundError('job');
  if (row.id === null)
    throw new InvalidStateError(`the job is ${String(row.job_status)} and takes no new tasks`);
  return toTaskView(row);
}

export async function getTask(db: Database, userId: string, taskId: string): Promise<TaskView> {
  const row = (await db.query(selectTask(userId, taskId))).rows[0];
  if (!row) throw new NotFoundError('task');
  return toTaskView(row);
}

export interface TaskListQuery {
  status?: string;
  limit: number;
  after?: PagePosition;
}

export async function listJobTasks(
  db: Database,
  userId: string,
  jobId: string,
  query: TaskListQuery,
): Promise<Page<TaskView>> {
  const statement = selectJobTasks({
    userId,
    jobId,
    status: query.status,
    after: query.after,
    limit: query.limit + 1,
  });
  const { rows } = await db.query(statement);
  if (rows.length === 0) throw new NotFoundError('job');
  return toPage(
    rows.filter((row) => row.id !== null),
    query.limit,
    toTaskView,
  );
}

/** Cancels a waiting or running task; cancelling a cancelled task changes nothing; a finished one cannot be. */
export async function cancelTask(db: Database, userId: string, taskId: string): Promise<TaskView> {
  const row = (await db.query(cancelTaskSql(userId, taskId))).rows[0];
  if (!row) throw new NotFoundError('task');
  if (!row.changed && row.status !== 'cancelled') {
    throw new InvalidStateError(`the task already ended as ${String(row.status)}`);
  }
  return toTaskView(row);
}
