import { getJob } from '../domain/jobs.js';
import { authenticated } from '../http/handler.js';
import { pathId } from '../http/request.js';
import { etagOf, json } from '../http/response.js';

/** GET /jobs/{id} */
export const handler = authenticated(async ({ event, userId, db }) => {
  const job = await getJob(db, userId, pathId(event, 'id', 'job'));
  return json(200, job, { etag: etagOf(job.version) });
});
