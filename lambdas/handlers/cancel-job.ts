import { cancelJob } from '../domain/jobs.js';
import { authenticated } from '../http/handler.js';
import { pathId } from '../http/request.js';
import { etagOf, json } from '../http/response.js';
import { noticeSender } from '../queue/task-queue.js';

/** POST /jobs/{id}/cancel — final: no new tasks; waiting and running ones are cancelled. */
export const handler = authenticated(async ({ event, userId, db }) => {
  const job = await cancelJob(db, userId, pathId(event, 'id', 'job'), noticeSender());
  return json(200, job, { etag: etagOf(job.version) });
});
