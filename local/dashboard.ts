import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import { DASHBOARD_BUILD_OPTIONS } from '../dashboard/build-options.js';
import type { DashboardConfig } from '../dashboard/src/config.js';
import { DASHBOARD_CONTENT_TYPES, dashboardContentSecurityPolicy } from '../lambdas/http/dashboard-policy.js';
import { ROOT_DIR } from './paths.js';

/**
 * The dashboard (dashboard/): bundled by esbuild from its sources the first time it is asked for, in memory, so
 * `npm start` serves it with no build step and parallel test stacks never race on an output folder.
 */
export const DASHBOARD_DIR = path.join(ROOT_DIR, 'dashboard');

export interface DashboardAsset {
  contentType: string;
  body: Buffer;
}

/** URL path → asset: `/` is the page, everything it loads lives under `/dashboard/`. */
export interface DashboardAssets {
  files: ReadonlyMap<string, DashboardAsset>;
  /** The page may talk to itself, the API and the sign-in service its config names, and nothing else. */
  contentSecurityPolicy: string;
}

export type { DashboardConfig };

/** Bundles the page; `config` becomes /dashboard/config.json, which tells the page how to sign in. */
export async function buildDashboardAssets(config: DashboardConfig): Promise<DashboardAssets> {
  const result = await build({
    entryPoints: { app: path.join(DASHBOARD_DIR, 'src', 'main.tsx') },
    ...DASHBOARD_BUILD_OPTIONS,
    outdir: '/dashboard',
    write: false,
    logLevel: 'silent',
  });
  const assets = new Map<string, DashboardAsset>();
  for (const file of result.outputFiles) {
    const contentType = DASHBOARD_CONTENT_TYPES[path.extname(file.path)] ?? 'application/octet-stream';
    assets.set(file.path, { contentType, body: Buffer.from(file.contents) });
  }
  const html = await readFile(path.join(DASHBOARD_DIR, 'index.html'));
  assets.set('/', { contentType: DASHBOARD_CONTENT_TYPES['.html'] as string, body: html });
  assets.set('/dashboard/index.html', {
    contentType: DASHBOARD_CONTENT_TYPES['.html'] as string,
    body: html,
  });
  const configBody = Buffer.from(JSON.stringify(config));
  assets.set('/dashboard/config.json', { contentType: 'application/json', body: configBody });
  return { files: assets, contentSecurityPolicy: dashboardContentSecurityPolicy(config) };
}

const built = new Map<string, Promise<DashboardAssets>>();

/** Built once per process and config: every local server of a test run shares the bundle. */
export function dashboardAssets(config: DashboardConfig = { mode: 'local' }): Promise<DashboardAssets> {
  const key = JSON.stringify(config);
  let assets = built.get(key);
  if (!assets) {
    assets = buildDashboardAssets(config);
    built.set(key, assets);
  }
  return assets;
}

/** Whether a path belongs to the dashboard rather than to the API. */
export const isDashboardPath = (pathname: string) => pathname === '/' || pathname.startsWith('/dashboard/');

/**
 * Answers a GET or HEAD of a dashboard path; false when no such asset exists (the caller answers 404). The page
 * holds no secret and the bundle's name never changes, so it is revalidated on every load (`no-cache`).
 */
export function serveDashboardAsset(
  assets: DashboardAssets,
  method: string,
  pathname: string,
  response: ServerResponse,
): boolean {
  const asset = assets.files.get(pathname);
  if (!asset || (method !== 'GET' && method !== 'HEAD')) return false;
  response.writeHead(200, {
    'content-type': asset.contentType,
    'content-length': String(asset.body.length),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'content-security-policy': assets.contentSecurityPolicy,
  });
  response.end(method === 'HEAD' ? undefined : asset.body);
  return true;
}
