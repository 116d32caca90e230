/** What the dashboard's files are served with, locally (local/dashboard.ts) and in AWS (dashboard-files.ts). */

export const DASHBOARD_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The page may load from itself and talk to itself, the API and the sign-in service its config names, nothing else. */
export function dashboardContentSecurityPolicy(config: { apiUrl?: unknown; authority?: unknown }): string {
  const origins = [config.apiUrl, config.authority]
    .filter((url): url is string => typeof url === 'string')
    .map((url) => new URL(url).origin);
  const connect = ["'self'", ...new Set(origins)].join(' ');
  return `default-src 'self'; connect-src ${connect}; img-src 'self' data:; style-src 'self'; base-uri 'none'; frame-ancestors 'none'`;
}
