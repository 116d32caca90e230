import { listJobDeliveries } from '../domain/delivery-list.js';
import { authenticated } from '../http/handler.js';
import { decodeCursor, encodeCursor } from '../http/pagination.js';
import { pathId, queryParameters } from '../http/request.js';
import { json } from '../http/response.js';
import { ListDeliveriesQuery } from '../shapes/list-queries.js';

/** GET /jobs/{id}/deliveries?limit=&cursor= — a job's webhook deliveries, newest first. */
export const handler = authenticated(async ({ event, userId, db }) => {
  const jobId = pathId(event, 'id', 'job');
  const query = queryParameters(event, ListDeliveriesQuery);
  const page = await listJobDeliveries(db, userId, jobId, { ...query, after: decodeCursor(query.cursor) });
  return json(200, { items: page.items, next_cursor: encodeCursor(page.next) });
});
