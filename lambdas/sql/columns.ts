/** Column lists shared by the job and task statements, with the keyset column pagination needs. */

/** created_at in whole microseconds: a JS Date would drop PostgreSQL's microseconds and break keyset order. */
const createdMicros = (alias: string) =>
  `(extract(epoch FROM ${alias}.created_at) * 1000000)::bigint AS created_us`;

export function jobColumns(alias: string): string {
  const names = [
    'id',
    'user_id',
    'status',
    'payload',
    'job_type',
    'schedule_interval',
    'max_retries',
    'priority',
  ];
  return [...names, 'created_at', 'updated_at', 'version']
    .map((name) => `${alias}.${name}`)
    .join(', ')
    .concat(`, ${createdMicros(alias)}`);
}

export function taskColumns(alias: string): string {
  const names = ['id', 'job_id', 'status', 'payload', 'result', 'created_at', 'updated_at', 'version'];
  return names
    .map((name) => `${alias}.${name}`)
    .join(', ')
    .concat(`, ${createdMicros(alias)}`);
}

/** The keyset condition "older than the cursor" for newest-first lists. */
export function olderThan(alias: string, microsParam: number, idParam: number): string {
  return `(${alias}.created_at, ${alias}.id) < (timestamptz 'epoch' + $${microsParam}::bigint * interval '1 microsecond', $${idParam}::uuid)`;
}

/** The statuses in which a task still waits or runs, and can be cancelled. */
export const OPEN_TASK_STATUSES = `('created', 'processing')`;
