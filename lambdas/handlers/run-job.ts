import { config } from '../config.js';
import { taskNotice } from '../domain/notices.js';
import { runJobNow } from '../domain/tasks.js';
import { authenticated } from '../http/handler.js';
import { pathId } from '../http/request.js';
import { json } from '../http/response.js';
import { sendNotices } from '../queue/task-queue.js';

/** POST /jobs/{id}/run — a new task for the job now, whatever its schedule; in AWS it is queued at once. */
export const handler = authenticated(async ({ event, userId, db }) => {
  const task = await runJobNow(db, userId, pathId(event, 'id', 'job'));
  const queueUrl = config().QUEUE_URL;
  if (queueUrl) await sendNotices(queueUrl, [taskNotice(task.id)]);
  return json(202, task, { location: `/tasks/${task.id}` });
});
