import { activity } from '../domain/stats.js';
import { authenticated } from '../http/handler.js';
import { queryParameters } from '../http/request.js';
import { json } from '../http/response.js';
import { StatsQuery } from '../shapes/stats-query.js';

/** GET /stats?window= — the caller's tasks that ended per bucket of the window, and their open tasks now. */
export const handler = authenticated(async ({ event, userId, db }) => {
  const { window } = queryParameters(event, StatsQuery);
  return json(200, await activity(db, userId, window));
});
