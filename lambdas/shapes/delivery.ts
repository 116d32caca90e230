import { described, field, type RowOf, representation, type ViewOf } from './fields.js';
import * as z from './zod.js';

/** A webhook delivery as GET /jobs/{id}/deliveries shows it: one per task end of a job with a webhook. */
export const DELIVERY = representation({
  id: described(field.uuid(), "The delivery's id, which is its task's id; webhook-id is msg_<id>."),
  job_id: field.uuid(),
  task_id: field.uuid(),
  event_type: field.text(z.enum(['task.completed', 'task.failed', 'task.cancelled'])),
  status: described(
    field.text(z.enum(['pending', 'delivered', 'failed'])),
    'pending: waiting for its first or next attempt; delivered: a 2xx answer; failed: no 2xx within 24 hours of retries.',
  ),
  attempts: field.int(),
  last_response_code: described(
    field.nullable(field.int()),
    "The last attempt's HTTP status, if it got one.",
  ),
  last_error: described(field.nullable(field.text()), 'Why the last attempt got no answer (timeout, …).'),
  next_attempt_at: field.nullable(field.timestamp()),
  created_at: field.timestamp(),
  updated_at: field.timestamp(),
  finished_at: field.nullable(field.timestamp()),
});

export type DeliveryView = ViewOf<typeof DELIVERY.fields>;
export type DeliveryRow = RowOf<typeof DELIVERY.fields> & { created_us: string };
