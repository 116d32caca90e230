import { updateJob } from '../domain/job-writes.js';
import { requiredVersion } from '../http/etag.js';
import { authenticated } from '../http/handler.js';
import { header, jsonBody, pathId } from '../http/request.js';
import { etagOf, json } from '../http/response.js';
import { noticeSender } from '../queue/task-queue.js';
import { UpdateJobRequest } from '../shapes/job-requests.js';

/** PATCH /jobs/{id} with If-Match — optimistic locking on the job's version. */
export const handler = authenticated(async ({ event, userId, db }) => {
  const jobId = pathId(event, 'id', 'job');
  const expectedVersion = requiredVersion(header(event, 'if-match'));
  const body = jsonBody(event, UpdateJobRequest);
  const job = await updateJob(db, userId, jobId, expectedVersion, body, noticeSender());
  return json(200, job, { etag: etagOf(job.version) });
});
