import { config } from '../config.js';
import { runJobNow } from '../domain/tasks.js';
import { authenticated } from '../http/handler.js';
import { pathId } from '../http/request.js';
import { json } from '../http/response.js';
import { enqueueTasks } from '../queue/task-queue.js';

/** POST /jobs/{id}/run — a new task for the job now, whatever its schedule; in AWS it is queued at once. */
export const handler = authenticated(async ({ event, userId, db, log }) => {
  const task = await runJobNow(db, userId, pathId(event, 'id', 'job'));
  const queueUrl = config().QUEUE_URL;
  if (queueUrl) {
    // If the queue refuses, the scheduler's next tick sends the task: the run is never lost.
    await enqueueTasks(queueUrl, [task.id]).catch((error: Error) =>
      log.warn('enqueue failed', { error: error.name }),
    );
  }
  return json(202, task, { location: `/tasks/${task.id}` });
});
