import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cronProblem, nextOccurrence } from '../../lambdas/domain/occurrences.js';

/**
 * cron-parser accepts `H` ("hashed": a value it picks) and, without a seed, picks it at random on every parse. Every
 * process (every Lambda container, or one whose parse cache was emptied) computing a job's next occurrence must
 * pick the same value, or one job runs at a different minute each time — twice a day for `H 0 * * *`.
 */
const SCHEDULE = { type: 'cron' as const, expression: 'H H * * *', timezone: 'UTC' };
const FROM = '2026-06-01T00:00:00.000Z';
const MODULE = path.resolve('lambdas/domain/occurrences.ts');

/** The next occurrence as a fresh process computes it. */
function inFreshProcess(): string {
  const code = `import(${JSON.stringify(MODULE)}).then((m) => console.log(m.nextOccurrence(${JSON.stringify(SCHEDULE)}, new Date(${JSON.stringify(FROM)})).toISOString()))`;
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8' }).trim();
}

describe('hashed (H) cron fields', () => {
  it('are accepted', () => {
    expect(cronProblem(SCHEDULE.expression)).toBeUndefined();
  });

  it('evaluate to the same occurrence in every process', () => {
    const here = nextOccurrence(SCHEDULE, new Date(FROM))?.toISOString();
    const elsewhere = [inFreshProcess(), inFreshProcess(), inFreshProcess()];
    expect(elsewhere).toEqual([here, here, here]);
  });
});
