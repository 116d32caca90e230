import { deliverNamed, deliveryLeaseSeconds, deliverySettings } from '../domain/deliveries.js';
import { unattemptedDeliveryNotices } from '../domain/delivery-notices.js';
import { deliveryNotice, type WorkNotice } from '../domain/notices.js';
import type { Disposition, NoticeDeps, ReceivedNotice } from './notice-worker.js';

/**
 * A webhook delivery's notice (AWS), due now: attempts the delivery, held by this message at this receive, and
 * sends the next attempt's notice when it is to be retried. A delivery leased to a live worker, or already ended,
 * is left alone; a dead holder's lease expires before its message comes back, and that message attempts again.
 */
export async function handleDeliveryNotice(
  notice: Extract<WorkNotice, { kind: 'delivery' | 'deliveries' }>,
  received: ReceivedNotice,
  deps: NoticeDeps,
): Promise<Disposition> {
  if (notice.kind === 'deliveries') {
    const notices = await unattemptedDeliveryNotices(deps.db, notice.jobId);
    await deps.send(notices);
    return { kind: 'done', outcome: notices.length ? 'handed-on' : 'dropped' };
  }
  const owner = `sqs:${received.messageId}#${received.receiveCount}`;
  const settings = deps.deliveries ?? deliverySettings();
  const result = await deliverNamed(deps.db, notice.deliveryId, owner, settings);
  if (result.kind === 'attempted') {
    deps.log.info('webhook attempted', { delivery_id: notice.deliveryId, outcome: result.outcome });
    if (result.outcome === 'pending' && result.retryAt)
      await deps.send([deliveryNotice(notice.deliveryId, result.retryAt)]);
    return { kind: 'done', outcome: 'handed-on' };
  }
  // Leased: its holder may be alive (then this is a duplicate) or dead (an earlier receive of this very message, or
  // another worker, that stopped mid-attempt): look again once the lease has surely run out, and attempt then if
  // nobody recorded an outcome. Due by this worker's clock, not yet by the database's: look again shortly.
  // Otherwise the next attempt's own notice (sent by whoever recorded the last attempt) is on its way.
  const now = deps.now ?? Date.now;
  if (result.kind === 'waiting' && result.leased)
    return { kind: 'later', afterSeconds: deliveryLeaseSeconds(settings), reason: 'delivery leased' };
  if (result.kind === 'waiting' && result.due && result.due.getTime() - now() <= 1_000)
    return { kind: 'later', afterSeconds: 1, reason: 'not due yet by the database clock' };
  return { kind: 'done', outcome: 'dropped' };
}
