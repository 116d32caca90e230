import { afterAll, beforeAll } from 'vitest';
import type { JobView } from '../../lambdas/shapes/job.js';
import type { TaskView } from '../../lambdas/shapes/task.js';
import { type ApiResponse, echoJob, startApi, type TestApi, type TestUser } from './api.js';

/**
 * One local stack per suite file, with a first user: the setup the API suites share. Bodies are typed by the
 * service's own representations (shapes/), and every response is held to docs/openapi.json by test/support/api.ts;
 * the index signature lets a suite read a problem's members from the same answer when the status says it is one.
 */
export type Job = JobView & Record<string, unknown>;
export type Task = TaskView & Record<string, unknown>;

export interface ApiSuite {
  /** The running stack (valid inside tests and hooks). */
  readonly api: TestApi;
  /** The suite's first user. */
  readonly alice: TestUser;
  /** POST /jobs as alice; the body defaults to an echo job. */
  createJob(body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<Job>>;
}

/** Starts the stack before the suite's tests and stops it after them. */
export function apiSuite(): ApiSuite {
  let api: TestApi | undefined;
  let alice: TestUser | undefined;
  beforeAll(async () => {
    api = await startApi();
    alice = await api.user();
  });
  afterAll(() => api?.stop());
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the API suite is used outside its tests');
    return value;
  };
  return {
    get api() {
      return started(api);
    },
    get alice() {
      return started(alice);
    },
    createJob: (body = echoJob(), headers = {}) =>
      started(alice).call<Job>('POST', '/jobs', { body, headers }),
  };
}
