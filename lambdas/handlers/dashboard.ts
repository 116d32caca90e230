import { dashboardFile } from '../http/dashboard-files.js';
import { publicRoute } from '../http/handler.js';

/**
 * GET / and GET /dashboard/{proxy+} in AWS — the dashboard's static page, its script and style, and its sign-in
 * settings (config.json). Public like any web page: it holds no user data, and every API call it makes carries
 * the signed-in user's access token. It never queries the database.
 */
export const handler = publicRoute(async ({ event }) => dashboardFile(event.rawPath));
