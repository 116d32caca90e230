import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracerPackageCommands } from '../../infra/bundling.js';
import { ROOT_DIR } from '../../local/paths.js';
import { bundleHandler } from '../../scripts/lambda-bundles.js';
import { createRuntimeSandbox, invokeAsset } from './asset-sandbox.js';

/**
 * The tracer is not in the function bundles (infra/bundling.ts): each asset carries it as its own
 * node_modules/@aws-lambda-powertools/tracer, written by the commands the CDK runs after bundling. Here those very
 * commands build it beside a bundled function, which a plain node (resolving only the AWS SDK) then loads with
 * tracing on, as Lambda would with `-c tracing=true`.
 */
const LAMBDA = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'TestStack-GetJobFunction',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  DB_DRIVER: 'data-api',
  CLUSTER_ARN: 'arn:aws:rds:eu-central-1:123456789012:cluster:test',
  SECRET_ARN: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:test',
  AWS_REGION: 'eu-central-1',
};
let sandbox: string;
const asset = (name: string) => path.join(sandbox, name, 'index.mjs');

beforeAll(async () => {
  sandbox = await mkdtemp(path.join(tmpdir(), 'bgjobs-tracer-'));
  await createRuntimeSandbox(sandbox);
  const bundle = await bundleHandler('get-job');
  for (const name of ['with-tracer', 'without-tracer']) {
    await mkdir(path.join(sandbox, name));
    await writeFile(asset(name), bundle.code);
  }
  for (const command of tracerPackageCommands(ROOT_DIR, path.join(sandbox, 'with-tracer')))
    execFileSync('bash', ['-ec', command], { stdio: 'pipe' });
}, 120_000);
afterAll(() => rm(sandbox, { recursive: true, force: true }));

describe('the tracer package beside each bundle', () => {
  it('a function loads with tracing on: the dynamic import finds the asset’s own tracer', async () => {
    const outcome = await invokeAsset(asset('with-tracer'), [], { ...LAMBDA, TRACING: 'true' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.imported).toBe(true);
  });

  it('without the package, tracing on fails to load (so the check above can fail), and tracing off needs none', async () => {
    const traced = await invokeAsset(asset('without-tracer'), [], { ...LAMBDA, TRACING: 'true' });
    expect(traced.imported).toBe(false);
    expect(traced.error).toContain('@aws-lambda-powertools/tracer');
    const untraced = await invokeAsset(asset('without-tracer'), [], LAMBDA);
    expect(untraced.error).toBeUndefined();
    expect(untraced.imported).toBe(true);
  });
});
