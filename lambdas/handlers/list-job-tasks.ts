import { listJobTasks } from '../domain/tasks.js';
import { authenticated } from '../http/handler.js';
import { decodeCursor, pageBody } from '../http/pagination.js';
import { pathId, queryParameters } from '../http/request.js';
import { json } from '../http/response.js';
import { ListTasksQuery } from '../shapes/list-queries.js';

/** GET /jobs/{id}/tasks?status=&limit=&cursor= — a job's tasks, newest first. */
export const handler = authenticated(async ({ event, userId, db }) => {
  const jobId = pathId(event, 'id', 'job');
  const query = queryParameters(event, ListTasksQuery);
  const page = await listJobTasks(db, userId, jobId, { ...query, after: decodeCursor(query.cursor) });
  return json(200, pageBody(page));
});
