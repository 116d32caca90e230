import { checkHealth } from '../domain/health.js';
import { authenticated } from '../http/handler.js';
import { json } from '../http/response.js';

/**
 * GET /health/deep — authenticated: does the database answer, which migrations are applied. One Data API call,
 * which wakes a paused cluster: that is why it is not the public health check.
 */
export const handler = authenticated(async ({ db }) => {
  const report = await checkHealth(db);
  return json(report.status === 'ok' ? 200 : 503, report, { 'cache-control': 'no-store' });
});
