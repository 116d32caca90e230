import { cancelTask } from '../domain/tasks.js';
import { authenticated } from '../http/handler.js';
import { pathId } from '../http/request.js';
import { etagOf, json } from '../http/response.js';
import { noticeSender } from '../queue/task-queue.js';

/** POST /tasks/{id}/cancel — stops a waiting or running task. */
export const handler = authenticated(async ({ event, userId, db }) => {
  const task = await cancelTask(db, userId, pathId(event, 'id', 'task'), noticeSender());
  return json(200, task, { etag: etagOf(task.version) });
});
