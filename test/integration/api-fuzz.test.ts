import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoJob, startApi, type TestApi, type TestUser } from '../support/api.js';

/** Whatever a client sends: never a 5xx, and every error is problem+json with a matching status. */
let api: TestApi;
let user: TestUser;
let jobId: string;
beforeAll(async () => {
  api = await startApi();
  user = await api.user();
  jobId = (await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() })).body.id;
});
afterAll(() => api.stop());

async function send(
  method: string,
  route: string,
  body: string | undefined,
  headers: Record<string, string>,
) {
  const response = await fetch(`${api.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, ...headers },
    body,
  });
  const text = await response.text();
  expect(response.status, `${method} ${route} ${body?.slice(0, 200)}`).toBeLessThan(500);
  if (response.status >= 400) {
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = JSON.parse(text) as { status: number; title: string; type: string };
    expect(problem.status).toBe(response.status);
    expect(typeof problem.title).toBe('string');
    expect(typeof problem.type).toBe('string');
  }
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });
/** Bodies near the valid shape find more paths than random JSON alone. */
const jobLike = fc.record(
  {
    job_type: fc.oneof(fc.constantFrom('echo', 'sleep', ''), fc.string()),
    payload: fc.oneof(
      fc.record({ prompt: fc.oneof(fc.string(), jsonValue) }, { requiredKeys: [] }),
      jsonValue,
    ),
    schedule_interval: fc.oneof(
      fc.record(
        {
          type: fc.constantFrom('manual', 'cron', 'timedelta', 'x'),
          expression: fc.string(),
          timezone: fc.string(),
          seconds: jsonValue,
        },
        { requiredKeys: [] },
      ),
      jsonValue,
    ),
    max_retries: jsonValue,
    priority: fc.oneof(fc.integer({ min: -5, max: 105 }), jsonValue),
  },
  { requiredKeys: [] },
);
const anyBody = fc.oneof(
  jobLike.map((v) => JSON.stringify(v)),
  jsonValue.map((v) => JSON.stringify(v)),
  fc.string(),
);
const headerValue = fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
const contentType = fc.oneof(
  fc.constant('application/json'),
  fc.constantFrom('text/plain', 'application/problem+json', 'application/json; charset=utf-8', ''),
  headerValue,
);

describe('fuzzing the API', () => {
  it('POST /jobs with arbitrary bodies, content types and Idempotency-Keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyBody,
        contentType,
        fc.option(headerValue, { nil: undefined }),
        async (body, type, key) => {
          await send('POST', '/jobs', body, {
            'content-type': type,
            ...(key !== undefined ? { 'idempotency-key': key } : {}),
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('PATCH /jobs/{id} with arbitrary bodies and If-Match values', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyBody,
        fc.oneof(
          headerValue,
          fc.constant('"1"'),
          fc.nat().map((n) => `"${n}"`),
        ),
        async (body, ifMatch) => {
          await send('PATCH', `/jobs/${jobId}`, body, {
            'content-type': 'application/json',
            'if-match': ifMatch,
          });
        },
      ),
      { numRuns: 120 },
    );
  });

  it('GET list routes with arbitrary query strings', async () => {
    const key = fc.constantFrom('limit', 'cursor', 'status', 'job_type', 'x', '');
    const query = fc.array(fc.tuple(key, fc.string({ maxLength: 30 })), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(query, fc.constantFrom('/jobs', `/jobs/${jobId}/tasks`), async (pairs, route) => {
        await send('GET', `${route}?${new URLSearchParams(pairs).toString()}`, undefined, {});
      }),
      { numRuns: 150 },
    );
  });

  it('arbitrary path ids on every id route', async () => {
    const id = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent));
    const route = fc.constantFrom(
      'GET /jobs/:id',
      'DELETE /jobs/:id',
      'POST /jobs/:id/run',
      'POST /jobs/:id/cancel',
      'GET /tasks/:id',
      'POST /tasks/:id/cancel',
      'GET /jobs/:id/tasks',
    );
    await fc.assert(
      fc.asyncProperty(route, id, async (template, value) => {
        const [method = 'GET', pathTemplate = '/'] = template.split(' ');
        await send(method, pathTemplate.replace(':id', value), undefined, {});
      }),
      { numRuns: 150 },
    );
  });
});
