import { describe, expect, it } from 'vitest';
import { limitEnvironment } from '../../infra/constructs/function-environment.js';
import type { StackSettings } from '../../infra/settings.js';
import { PASSED_TO_WORKER, workerEnvironmentFrom } from '../../local/worker-environment.js';

/**
 * `npm run start:aws` runs the API in its own process (which reads its environment) and the worker in containers
 * (which get only what is passed). A per-user limit both apply must reach both, as the stack sets it on both
 * functions: a worker left at its default USER_MAX_QUEUED (10,000) made scheduled occurrences past a lower cap the
 * API enforced, and with USER_MAX_QUEUED=0 its limited occurrences raced the API's unlimited runs.
 */
describe('start:aws worker environment', () => {
  it('passes the per-user limits the stack gives the worker function', () => {
    const stackLimits = Object.keys(limitEnvironment({ userMaxQueued: 5 } as StackSettings));
    expect(stackLimits).toContain('USER_MAX_QUEUED');
    for (const name of [...stackLimits, 'USER_MAX_RUNNING']) expect(PASSED_TO_WORKER).toContain(name);
    expect(workerEnvironmentFrom({ USER_MAX_QUEUED: '0', USER_MAX_RUNNING: '2', PATH: '/bin' })).toEqual({
      USER_MAX_QUEUED: '0',
      USER_MAX_RUNNING: '2',
    });
  });
});
