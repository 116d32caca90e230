import type { SqlValue } from '../db/port.js';
import { DELIVERY } from '../shapes/delivery.js';
import { JOB } from '../shapes/job.js';
import type { PagePosition } from '../shapes/page.js';
import { TASK } from '../shapes/task.js';

/**
 * Column lists of the job and task statements, derived from the one definition of each representation
 * (shapes/job.ts, shapes/task.ts), with the keyset column pagination needs.
 */

/** created_at in whole microseconds: a JS Date would drop PostgreSQL's microseconds and break keyset order. */
const createdMicros = (alias: string) =>
  `(extract(epoch FROM ${alias}.created_at) * 1000000)::bigint AS created_us`;

const list = (names: readonly string[], alias: string) => names.map((name) => `${alias}.${name}`).join(', ');

export const jobColumns = (alias: string) => `${list(JOB.names, alias)}, ${createdMicros(alias)}`;
export const taskColumns = (alias: string) => `${list(TASK.names, alias)}, ${createdMicros(alias)}`;

/** A delivery's id is its task's id: `task_id` is the one field that is not a column of its own. */
const DELIVERY_EXPRESSIONS: Partial<Record<(typeof DELIVERY.names)[number], (alias: string) => string>> = {
  task_id: (alias) => `${alias}.id AS task_id`,
};
export const deliveryColumns = (alias: string) =>
  `${DELIVERY.names
    .map((name) => DELIVERY_EXPRESSIONS[name]?.(alias) ?? `${alias}.${name}`)
    .join(', ')}, ${createdMicros(alias)}`;

/**
 * Newest first, keyset-paginated on (created_at, id): the condition "older than the cursor" (when there is one)
 * and the ORDER BY … LIMIT that go with it, their parameters appended to `values` in that order.
 */
export function newestFirst(
  alias: string,
  values: SqlValue[],
  after: PagePosition | undefined,
  limit: number,
): { conditions: string[]; orderAndLimit: string } {
  const conditions = after
    ? [
        `(${alias}.created_at, ${alias}.id) < (timestamptz 'epoch' + $${values.push(after.createdMicros)}::bigint * interval '1 microsecond', $${values.push(after.id)}::uuid)`,
      ]
    : [];
  return {
    conditions,
    orderAndLimit: `ORDER BY ${alias}.created_at DESC, ${alias}.id DESC LIMIT $${values.push(limit)}`,
  };
}

/** The statuses in which a task still waits or runs, and can be cancelled. */
export const OPEN_TASK_STATUSES = `('created', 'processing')`;
