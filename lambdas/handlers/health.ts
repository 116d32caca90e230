import manifest from '../../package.json' with { type: 'json' };
import { publicRoute } from '../http/handler.js';
import { json } from '../http/response.js';

/**
 * GET /health — public: "the API is up", and nothing more. It never queries the database: a load balancer or uptime
 * probe calling it every minute must not keep Aurora from auto-pausing. The database state is GET /health/deep.
 */
export const handler = publicRoute(async () =>
  json(
    200,
    { status: 'ok', service: manifest.name, version: manifest.version, time: new Date().toISOString() },
    { 'cache-control': 'no-store' },
  ),
);
