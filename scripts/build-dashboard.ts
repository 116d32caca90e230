import { buildDashboard } from '../infra/dashboard-build.js';

/** `tsx scripts/build-dashboard.ts <outDir>`: the dashboard's static files, as the stack bundles them. */
const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: tsx scripts/build-dashboard.ts <outDir>');
  process.exit(2);
}
console.log(`dashboard: ${buildDashboard(outDir).join(', ')}`);
