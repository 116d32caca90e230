import type { BuildOptions } from 'esbuild';

/**
 * How the page is bundled, in one place: the local server bundles it in memory (local/dashboard.ts) and the stack
 * writes it into the dashboard function's asset (infra/dashboard-build.ts), so what `npm start` serves is what AWS
 * serves. Offline: everything comes from dashboard/src and node_modules.
 */
export const DASHBOARD_BUILD_OPTIONS = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
} as const satisfies BuildOptions;
