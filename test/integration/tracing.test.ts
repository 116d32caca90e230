import { describe, expect, it } from 'vitest';
import { runScript } from '../support/processes.js';

/**
 * lambdas/tracing.ts: with TRACING=true (what `-c tracing=true` sets) the Powertools Tracer captures SDK clients,
 * so each call is an X-Ray subsegment; without it clients are left as they are and the tracer is never loaded.
 * Lambda's own variables are set as Lambda sets them, since the tracer switches itself off outside Lambda.
 */
const LAMBDA = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'TestStack-WorkerFunction',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
};
const xrayMiddleware = async (env: Record<string, string>) => {
  const run = await runScript('test/support/traced-client.ts', [], { ...LAMBDA, ...env });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim()) as string[];
};

describe('SDK client tracing', () => {
  it('captures the client when TRACING=true', async () => {
    expect((await xrayMiddleware({ TRACING: 'true' })).length).toBeGreaterThan(0);
  });

  it('leaves the client alone by default', async () => {
    expect(await xrayMiddleware({})).toEqual([]);
  });
});
