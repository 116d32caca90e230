import { getTask } from '../domain/tasks.js';
import { authenticated } from '../http/handler.js';
import { pathId } from '../http/request.js';
import { etagOf, json } from '../http/response.js';

/** GET /tasks/{id} */
export const handler = authenticated(async ({ event, userId, db }) => {
  const task = await getTask(db, userId, pathId(event, 'id', 'task'));
  return json(200, task, { etag: etagOf(task.version) });
});
