import { createJob } from '../domain/job-writes.js';
import { HttpError } from '../http/errors.js';
import { authenticated } from '../http/handler.js';
import { header, jsonBody } from '../http/request.js';
import { etagOf, json } from '../http/response.js';
import { noticeSender } from '../queue/task-queue.js';
import { CreateJobRequest } from '../shapes/job-requests.js';
import { LIMITS } from '../shapes/limits.js';

const IDEMPOTENCY_KEY = new RegExp(`^[\\x21-\\x7e]{1,${LIMITS.idempotencyKeyChars}}$`);

/** POST /jobs — create a job; with Idempotency-Key, a repeat returns the first job instead of a second. */
export const handler = authenticated(async ({ event, userId, db }) => {
  const spec = jsonBody(event, CreateJobRequest);
  const key = header(event, 'idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new HttpError(400, 'Invalid request', 'Idempotency-Key must be 1–255 visible ASCII characters.', {
      type: 'validation',
      errors: [{ field: 'header.idempotency-key', message: 'must be 1–255 visible ASCII characters' }],
    });
  }
  const { job, replayed } = await createJob(db, userId, spec, key, { announce: noticeSender() });
  return json(201, job, {
    location: `/jobs/${job.id}`,
    etag: etagOf(job.version),
    ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
  });
});
