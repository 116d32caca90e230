import { described, field, type RowOf, representation, type ViewOf } from './fields.js';
import { JobStatus } from './job.js';
import * as z from './zod.js';

/** The one definition of a task as the API shows it: its view, its columns and its published schema derive from it. */
export const TASK = representation({
  id: field.uuid(),
  job_id: field.uuid(),
  status: field.text(JobStatus),
  payload: field.json(z.record(z.string(), z.unknown())),
  result: field.nullable(field.text()),
  created_at: field.timestamp(),
  updated_at: field.timestamp(),
  version: field.int(),
  attempt: described(field.int(), 'Attempts made so far.'),
  last_error: field.nullable(field.text()),
  /** When it is (or was) due. */
  run_at: field.timestamp(),
  started_at: field.nullable(field.timestamp()),
  finished_at: described(
    field.nullable(field.timestamp()),
    'When the task ended: completed, failed or cancelled. Null while it waits or runs.',
  ),
});

export type TaskView = ViewOf<typeof TASK.fields>;
/** A task's row as the task statements return it: its columns and its keyset position (sql/columns.ts). */
export type TaskRow = RowOf<typeof TASK.fields> & { created_us: string };
