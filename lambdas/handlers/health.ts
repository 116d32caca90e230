import { database } from '../db/index.js';
import { checkHealth } from '../domain/health.js';
import { publicRoute } from '../http/handler.js';
import { json } from '../http/response.js';

/** GET /health — public: is the service up, does the database answer, which migrations are applied. */
export const handler = publicRoute(async () => {
  const report = await checkHealth(database());
  return json(report.status === 'ok' ? 200 : 503, report, { 'cache-control': 'no-store' });
});
