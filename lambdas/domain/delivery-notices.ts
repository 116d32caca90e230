import type { Database } from '../db/port.js';
import { selectPendingDeliveries, selectUnattemptedDeliveries } from '../sql/deliveries.js';
import { deliveryNotice, type WorkNotice } from './notices.js';

/** The notices of a job's deliveries never attempted (made by an API cancel); duplicates are dropped on arrival. */
export async function unattemptedDeliveryNotices(
  db: Database,
  jobId: string,
  pageSize = 500,
): Promise<WorkNotice[]> {
  const notices: WorkNotice[] = [];
  for (let after: string | null = null; ; ) {
    const rows: { id: string }[] = (await db.query(selectUnattemptedDeliveries(jobId, after, pageSize))).rows;
    notices.push(...rows.map((row) => deliveryNotice(row.id)));
    if (rows.length < pageSize) return notices;
    after = rows.at(-1)?.id ?? null;
  }
}

/** Every pending delivery's notice, at its next attempt (resync after a deploy), page by page. */
export async function* pendingDeliveryNotices(db: Database, pageSize = 500): AsyncGenerator<WorkNotice[]> {
  for (let after: string | null = null; ; ) {
    const rows: { id: string; next_attempt_at: Date | null }[] = (
      await db.query(selectPendingDeliveries(after, pageSize))
    ).rows;
    if (rows.length > 0) yield rows.map((row) => deliveryNotice(row.id, row.next_attempt_at));
    if (rows.length < pageSize) return;
    after = rows.at(-1)?.id ?? null;
  }
}
