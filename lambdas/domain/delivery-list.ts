import type { Database } from '../db/port.js';
import { selectJobDeliveries } from '../sql/deliveries.js';
import { NotFoundError } from './errors.js';
import { type DeliveryView, type Page, type PagePosition, toDeliveryView, toPage } from './views.js';

/** A job's webhook deliveries, newest first (keyset on created_at, id); someone else's job is not found. */
export async function listJobDeliveries(
  db: Database,
  userId: string,
  jobId: string,
  query: { limit: number; after?: PagePosition },
): Promise<Page<DeliveryView>> {
  const rows = (
    await db.query(selectJobDeliveries({ userId, jobId, after: query.after, limit: query.limit + 1 }))
  ).rows;
  if (rows.length === 0) throw new NotFoundError('job');
  return toPage(
    rows.filter((row) => row.id !== null),
    query.limit,
    toDeliveryView,
  );
}
