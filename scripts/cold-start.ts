/**
 * Module-init time of every Lambda bundle, against an empty handler that imports only the SDK client: each bundle
 * is built as the stack builds it (infra/bundling.ts), written beside a node_modules that holds only the AWS SDK
 * (as the Lambda runtime), and imported by a fresh `node` RUNS times; the median CPU time of the import is printed
 * as a Markdown table.
 *
 *   npx tsx scripts/cold-start.ts [RUNS]      (docs/benchmarks.md, "Lambda bundles and module init")
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUNDLE } from '../infra/bundling.js';
import { ROUTES, UNMATCHED_ROUTE } from '../lambdas/http/routes.js';
import { createRuntimeSandbox } from '../test/infra/asset-sandbox.js';
import { bundleHandler } from './lambda-bundles.js';

const RUNS = Number(process.argv[2] ?? 7);
const HANDLERS = [
  ...new Set([...[...ROUTES, UNMATCHED_ROUTE].map((route) => route.handler), 'worker', 'resync', 'migrate']),
];
const ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'eu-central-1',
  AWS_LAMBDA_FUNCTION_NAME: 'ColdStart',
  DB_DRIVER: 'data-api',
  CLUSTER_ARN: 'arn:aws:rds:eu-central-1:123456789012:cluster:c',
  SECRET_ARN: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:s',
};
/**
 * CPU time (user + system) the import takes, not wall time: on a shared machine wall time mostly measures the
 * neighbours. Both include parsing and running the module's top level, which is what a cold start adds.
 */
const IMPORT =
  'const c = process.cpuUsage(); await import(process.argv[1]); const d = process.cpuUsage(c); console.log((d.user + d.system) / 1000);';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

function initMs(file: string): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', IMPORT, file], {
      env: ENV,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    times.push(Number(out.toString().trim()));
  }
  return median(times);
}

const sandbox = await mkdtemp(path.join(tmpdir(), 'bgjobs-cold-'));
try {
  await createRuntimeSandbox(sandbox);
  const baseline = await build({
    stdin: {
      contents: `import { RDSDataClient } from '@aws-sdk/client-rds-data';\nexport const handler = async () => new RDSDataClient({}) && {};`,
      resolveDir: sandbox,
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: LAMBDA_BUNDLE.format,
    platform: LAMBDA_BUNDLE.platform,
    target: LAMBDA_BUNDLE.target,
    minify: LAMBDA_BUNDLE.minify,
    external: [...LAMBDA_BUNDLE.external],
    banner: { js: LAMBDA_BUNDLE.banner },
  });
  const baselineFile = path.join(sandbox, 'baseline.mjs');
  await writeFile(baselineFile, baseline.outputFiles[0]?.contents ?? '');
  const base = initMs(baselineFile);
  const rows = [
    `| empty handler + RDS Data client | ${((baseline.outputFiles[0]?.contents.byteLength ?? 0) / 1024).toFixed(1)} | ${base.toFixed(1)} | — |`,
  ];
  for (const handler of HANDLERS) {
    const bundle = await bundleHandler(handler);
    const dir = path.join(sandbox, handler);
    await mkdir(dir);
    const file = path.join(dir, 'index.mjs');
    await writeFile(file, bundle.code);
    const ms = initMs(file);
    rows.push(
      `| ${handler} | ${(bundle.bytes / 1024).toFixed(1)} | ${ms.toFixed(1)} | +${(ms - base).toFixed(1)} |`,
    );
  }
  console.log(`Node ${process.version}, ${RUNS} fresh processes per row, median.\n`);
  console.log('| bundle | KB (minified) | module init, CPU ms | over the empty handler, CPU ms |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await rm(sandbox, { recursive: true, force: true });
}
