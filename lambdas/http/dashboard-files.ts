import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_CONTENT_TYPES, dashboardContentSecurityPolicy } from './dashboard-policy.js';
import { HttpError } from './errors.js';
import type { HttpResult } from './response.js';

/**
 * The dashboard's static files in AWS: built into the function's own asset (infra/dashboard-build.ts) beside the
 * handler's bundle, read once per container. The page is `/`; everything it loads lives under `/dashboard/`. Only
 * the files the build wrote are served: a path is looked up in a map of them, never joined onto the disk.
 */

const TEXT = /^(text\/|application\/json|image\/svg)/;

interface DashboardFile {
  contentType: string;
  body: Buffer;
}

/** `{"mode":"cognito", authority, clientId, redirectUri, apiUrl}`, as the stack wrote it into DASHBOARD_CONFIG. */
export function dashboardConfig(): Record<string, unknown> {
  const raw = process.env.DASHBOARD_CONFIG;
  if (!raw) throw new Error('DASHBOARD_CONFIG is not set');
  return JSON.parse(raw) as Record<string, unknown>;
}

let loaded: { files: Map<string, DashboardFile>; csp: string } | undefined;

function load(dir: string) {
  const config = dashboardConfig();
  const files = new Map<string, DashboardFile>();
  for (const name of readdirSync(dir)) {
    const contentType = DASHBOARD_CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream';
    files.set(`/dashboard/${name}`, { contentType, body: readFileSync(path.join(dir, name)) });
  }
  const page = files.get('/dashboard/index.html');
  if (!page) throw new Error(`the dashboard build in ${dir} has no index.html`);
  files.set('/', page);
  files.set('/dashboard/config.json', {
    contentType: DASHBOARD_CONTENT_TYPES['.json'] as string,
    body: Buffer.from(JSON.stringify(config)),
  });
  return { files, csp: dashboardContentSecurityPolicy(config) };
}

/** Beside the bundled handler (index.mjs) in the function's asset. */
const DEFAULT_DIR = () => path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard');

/**
 * The file a GET names, revalidated on every load (`no-cache`: the bundle's names never change, and the page
 * holds no secret); a path the build did not write is a problem+json 404.
 */
export function dashboardFile(pathname: string, dir = DEFAULT_DIR()): HttpResult {
  loaded ??= load(dir);
  const file = loaded.files.get(pathname);
  if (!file) throw new HttpError(404, 'Not Found', `No dashboard file at ${pathname}.`);
  const text = TEXT.test(file.contentType);
  return {
    statusCode: 200,
    headers: {
      'content-type': file.contentType,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': loaded.csp,
    },
    body: file.body.toString(text ? 'utf8' : 'base64'),
    isBase64Encoded: !text,
  };
}
