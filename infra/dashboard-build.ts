import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { DASHBOARD_BUILD_OPTIONS } from '../dashboard/build-options.js';
import { ROOT_DIR } from './constructs/lambda-function.js';

/** The dashboard's sources: index.html and src/main.tsx (Preact), the page `npm start` serves at `/`. */
export const DASHBOARD_SOURCE_DIR = path.join(ROOT_DIR, 'dashboard');

/**
 * Writes the dashboard's static files into `outDir` (index.html, app.js, app.css), as the function that serves
 * them in AWS expects: esbuild, synchronously and offline, with the options the local server bundles it with. The
 * stack runs it while bundling that function (scripts/build-dashboard.ts), so the files are part of its asset.
 * Returns the names written.
 */
export function buildDashboard(outDir: string, sourceDir = DASHBOARD_SOURCE_DIR): string[] {
  mkdirSync(outDir, { recursive: true });
  const entry = path.join(sourceDir, 'src', 'main.tsx');
  // A stack without its page would deploy a DashboardUrl that serves nothing: refuse to synthesize instead.
  if (!existsSync(entry)) throw new Error(`no dashboard sources at ${entry}`);
  buildSync({
    entryPoints: { app: entry },
    ...DASHBOARD_BUILD_OPTIONS,
    outdir: outDir,
    logLevel: 'error',
  });
  copyFileSync(path.join(sourceDir, 'index.html'), path.join(outDir, 'index.html'));
  return readdirSync(outDir).sort();
}
