import { deleteJob } from '../domain/jobs.js';
import { authenticated } from '../http/handler.js';
import { pathId } from '../http/request.js';
import { noContent } from '../http/response.js';
import { noticeSender } from '../queue/task-queue.js';

/** DELETE /jobs/{id} — soft delete; its waiting and running tasks are cancelled. */
export const handler = authenticated(async ({ event, userId, db }) => {
  await deleteJob(db, userId, pathId(event, 'id', 'job'), noticeSender());
  return noContent();
});
