import { listJobs } from '../domain/jobs.js';
import { authenticated } from '../http/handler.js';
import { decodeCursor, pageBody } from '../http/pagination.js';
import { queryParameters } from '../http/request.js';
import { json } from '../http/response.js';
import { ListJobsQuery } from '../shapes/list-queries.js';

/** GET /jobs?status=&job_type=&limit=&cursor= — the caller's jobs, newest first. */
export const handler = authenticated(async ({ event, userId, db }) => {
  const query = queryParameters(event, ListJobsQuery);
  const page = await listJobs(db, userId, { ...query, after: decodeCursor(query.cursor) });
  return json(200, pageBody(page));
});
