import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchRoute } from '../../lambdas/http/routes.js';
import { echoJob, startApi, type TestApi } from '../support/api.js';
import { contractViolations } from '../support/contract.js';
import { DRIVERS } from '../support/drivers.js';
import { type FuzzRequest, type FuzzTargets, fuzzRequest } from '../support/fuzz-requests.js';

/**
 * Whatever a client sends: never a 5xx, every error is problem+json with a status the OpenAPI document lists for
 * that operation, and every answer is one docs/openapi.json describes (test/support/contract.ts). 10,000 requests per driver over real HTTP, 8 in flight at once, across every route.
 */
const REQUESTS = 10_000;
const IN_FLIGHT = 8;
/** Fixed per driver so a failure can be replayed; change it to explore further. */
const SEEDS = { pg: 20261125, 'data-api': 20261126 } as const;

const OPENAPI = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
};

/** The statuses a request to this path may answer with: the operation's documented ones, else 404/405. */
function documentedStatuses(method: string, pathname: string): Set<number> {
  const match = matchRoute(method, pathname);
  if ('allowed' in match) return new Set([404, 405]);
  const operation = OPENAPI.paths[match.route.path]?.[method.toLowerCase()];
  return new Set(Object.keys(operation?.responses ?? {}).map(Number));
}

interface Outcome {
  request: FuzzRequest;
  status: number;
  problem: string | undefined;
}

/** What is wrong with one answer, or undefined if nothing. */
async function check(base: string, request: FuzzRequest): Promise<Outcome> {
  const response = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  const text = await response.text();
  const outcome = (problem?: string): Outcome => ({ request, status: response.status, problem });
  if (response.status >= 500) return outcome(`status ${response.status}: ${text.slice(0, 200)}`);
  const violations = await contractViolations({
    method: request.method,
    path: new URL(request.path, base).pathname,
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  });
  if (violations.length > 0) return outcome(`breaks docs/openapi.json: ${violations.join('; ')}`);
  if (response.status < 400) return outcome();
  if (response.headers.get('content-type') !== 'application/problem+json') return outcome('not problem+json');
  const problem = JSON.parse(text) as { status?: unknown; title?: unknown; type?: unknown };
  if (
    problem.status !== response.status ||
    typeof problem.title !== 'string' ||
    typeof problem.type !== 'string'
  )
    return outcome(`malformed problem ${text.slice(0, 200)}`);
  const pathname = new URL(request.path, base).pathname;
  if (!documentedStatuses(request.method, pathname).has(response.status))
    return outcome(`${response.status} is not documented for ${request.method} ${pathname}`);
  return outcome();
}

describe.each(DRIVERS)('fuzzing the API over real HTTP (%s)', (driver) => {
  let api: TestApi;
  let targets: FuzzTargets;
  const logLevel = process.env.LOG_LEVEL;
  beforeAll(async () => {
    // Ten thousand "request" info lines would only slow the run; errors are still logged.
    process.env.LOG_LEVEL = 'warn';
    api = await startApi(driver);
    const user = await api.user();
    const job = await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() });
    const task = await user.call<{ id: string }>('POST', `/jobs/${job.body.id}/run`);
    const deleted = await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() });
    await user.call('DELETE', `/jobs/${deleted.body.id}`);
    targets = { jobId: job.body.id, taskId: task.body.id, deletedJobId: deleted.body.id, token: user.token };
  });
  afterAll(async () => {
    if (logLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = logLevel;
    await api.stop();
  });

  it(`${REQUESTS} requests, ${IN_FLIGHT} at a time: no 5xx, every 4xx a documented problem+json`, async () => {
    const requests = fc.sample(fuzzRequest(targets), { numRuns: REQUESTS, seed: SEEDS[driver] });
    const outcomes: Outcome[] = [];
    let next = 0;
    const client = async () => {
      for (let index = next++; index < requests.length; index = next++) {
        const request = requests[index] as FuzzRequest;
        outcomes.push(
          await check(api.url, request).catch((error: Error) => ({
            request,
            status: 0,
            problem: `client error ${error.message} ${String((error.cause as Error | undefined)?.message)}`,
          })),
        );
      }
    };
    const started = performance.now();
    // fetch keeps a pool of keep-alive connections per origin: 8 clients in flight use up to 8 sockets.
    await Promise.all(Array.from({ length: IN_FLIGHT }, client));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const byStatus = new Map<number, number>();
    for (const { status } of outcomes) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    console.info(`${driver}: ${outcomes.length} requests in ${seconds} s`, Object.fromEntries(byStatus));
    const failures = outcomes.filter((outcome) => outcome.problem);
    expect(
      failures.slice(0, 5).map(({ request, problem }) => ({
        problem,
        ...request,
        headers: { ...request.headers, authorization: request.headers.authorization?.slice(0, 12) },
        body: request.body?.slice(0, 300),
      })),
      `${failures.length} of ${outcomes.length} answers were wrong`,
    ).toEqual([]);
    expect(outcomes).toHaveLength(REQUESTS);
    // The mix must reach past validation, or the run proves little.
    expect(byStatus.get(201) ?? 0).toBeGreaterThan(100);
    expect(byStatus.get(200) ?? 0).toBeGreaterThan(100);
  }, 240_000); // about 15–45 s alone; the full suite runs other files beside it on two cores
});
