import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

/**
 * docs/openapi.json under Redocly's `recommended` ruleset (redocly.yaml): no errors. Warnings left on purpose: no
 * licence (the service is private), and the 405 response component no operation can reference (it answers methods
 * the document does not have).
 */
it('redocly lint finds no errors in docs/openapi.json', async () => {
  const { stdout } = await promisify(execFile)(
    'node_modules/.bin/redocly',
    ['lint', 'docs/openapi.json', '--format=json'],
    {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const report = JSON.parse(stdout) as {
    totals: { errors: number; warnings: number };
    problems: { ruleId: string; severity: string; message: string }[];
  };
  expect(report.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
  expect(report.totals.errors).toBe(0);
  expect(report.problems.map((problem) => problem.ruleId).sort()).toEqual([
    'info-license',
    'no-unused-components',
  ]);
}, 60_000);
