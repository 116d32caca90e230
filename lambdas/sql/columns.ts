/** Column lists shared by the job and task statements, with the keyset column pagination needs. */

/** created_at in whole microseconds: a JS Date would drop PostgreSQL's microseconds and break keyset order. */
const createdMicros = (alias: string) =>
  `(extract(epoch FROM ${alias}.created_at) * 1000000)::bigint AS created_us`;

const JOB =
  'id user_id status payload job_type schedule_interval max_retries priority timeout_seconds next_run_at schedule_error skipped_occurrence_at skipped_occurrence_reason created_at updated_at version';
const TASK =
  'id job_id status payload result created_at updated_at version attempt last_error run_at started_at finished_at';

const list = (names: string, alias: string) =>
  names
    .split(' ')
    .map((name) => `${alias}.${name}`)
    .join(', ');

export const jobColumns = (alias: string) => `${list(JOB, alias)}, ${createdMicros(alias)}`;
export const taskColumns = (alias: string) => `${list(TASK, alias)}, ${createdMicros(alias)}`;

/** The keyset condition "older than the cursor" for newest-first lists. */
export function olderThan(alias: string, microsParam: number, idParam: number): string {
  return `(${alias}.created_at, ${alias}.id) < (timestamptz 'epoch' + $${microsParam}::bigint * interval '1 microsecond', $${idParam}::uuid)`;
}

/** The statuses in which a task still waits or runs, and can be cancelled. */
export const OPEN_TASK_STATUSES = `('created', 'processing')`;
