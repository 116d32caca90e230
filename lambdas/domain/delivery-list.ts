import type { Database } from '../db/port.js';
import { DELIVERY, type DeliveryView } from '../shapes/delivery.js';
import type { Page, PagePosition } from '../shapes/page.js';
import { selectJobDeliveries } from '../sql/deliveries.js';
import { settlePage } from '../sql/outcome.js';
import { NotFoundError } from './errors.js';
import { toPage } from './pages.js';

/** A job's webhook deliveries, newest first (keyset on created_at, id); someone else's job is not found. */
export async function listJobDeliveries(
  db: Database,
  userId: string,
  jobId: string,
  query: { limit: number; after?: PagePosition },
): Promise<Page<DeliveryView>> {
  const page = settlePage(
    (await db.query(selectJobDeliveries({ userId, jobId, after: query.after, limit: query.limit + 1 }))).rows,
  );
  if (!page.found) throw new NotFoundError('job');
  return toPage(page.rows, query.limit, (row) => DELIVERY.view(row));
}
