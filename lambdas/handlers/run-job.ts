import { config } from '../config.js';
import { runJobNow } from '../domain/tasks.js';
import { authenticated } from '../http/handler.js';
import { pathId } from '../http/request.js';
import { json } from '../http/response.js';
import { noticeSender } from '../queue/task-queue.js';

/** POST /jobs/{id}/run — a new task for the job now, whatever its schedule; in AWS its notice is queued first. */
export const handler = authenticated(async ({ event, userId, db }) => {
  const task = await runJobNow(db, userId, pathId(event, 'id', 'job'), {
    announce: noticeSender(),
    userMaxQueued: config().USER_MAX_QUEUED,
  });
  return json(202, task, { location: `/tasks/${task.id}` });
});
