import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as notFound } from '../../lambdas/handlers/not-found.js';
import { LIMITS } from '../../lambdas/shapes/limits.js';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../local/auth.js';
import { echoJob, startApi, type TestApi, type TestUser } from '../support/api.js';
import { assertResultContract, fetchChecked } from '../support/contract.js';
import { sampleEvent } from '../support/events.js';

/** Hostile input at the HTTP edge: each case was a 500 (or a wrong answer) before the edge learnt to refuse it. */
let api: TestApi;
let user: TestUser;
beforeAll(async () => {
  api = await startApi();
  user = await api.user();
});
afterAll(() => api.stop());

interface Problem {
  type: string;
  status: number;
  errors?: { field: string; message: string }[];
}

/** POSTs raw JSON text, so escapes like `\u0000` reach the server exactly as written. */
const postRaw = (text: string, headers: Record<string, string> = {}) =>
  user.call<Problem & { id: string }>('POST', '/jobs', { body: text, headers });

describe('strings PostgreSQL cannot store are a 400 naming the field', () => {
  it.each([
    ['U+0000 in a nested value', '{"prompt":"x","a":{"b":"nul\\u0000here"}}', 'body.payload.a.b'],
    ['U+0000 in a key', '{"prompt":"x","k\\u0000":1}', 'body.payload.k\\u0000'],
    ['a lone high surrogate', '{"prompt":"\\ud800"}', 'body.payload.prompt'],
    ['a lone low surrogate in an array', '{"prompt":"x","list":["ok","\\udc00"]}', 'body.payload.list.1'],
  ])('%s', async (_name, payload, field) => {
    const response = await postRaw(`{"job_type":"echo","payload":${payload}}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body.type).toBe('/problems/validation');
    expect(response.body.errors).toContainEqual({ field, message: expect.stringContaining('U+0000') });
  });

  it('a surrogate pair (an emoji) is fine', async () => {
    const response = await postRaw('{"job_type":"echo","payload":{"prompt":"\\ud83d\\ude00"}}');
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ payload: { prompt: '😀' } });
  });

  it('PATCH is checked the same way', async () => {
    const job = await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() });
    const response = await user.call<Problem>('PATCH', `/jobs/${job.body.id}`, {
      body: '{"payload":{"prompt":"a\\u0000b"}}',
      headers: { 'if-match': '"1"' },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.field).toBe('body.payload.prompt');
  });

  it('U+0000 in a query value', async () => {
    const response = await user.call<Problem>('GET', '/jobs?job_type=echo%00');
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual({ field: 'query.job_type', message: expect.any(String) });
  });
});

describe('nesting', () => {
  const nested = (levels: number) =>
    `{"job_type":"echo","payload":{"prompt":"x","a":${'['.repeat(levels)}${']'.repeat(levels)}}}`;

  it('a payload nested 5,000 levels deep (well under the size limit) is a 400 naming the field', async () => {
    const body = nested(5_000);
    expect(body.length).toBeLessThan(LIMITS.payloadBytes);
    const response = await postRaw(body);
    expect(response.status).toBe(400);
    const [error] = response.body.errors ?? [];
    expect(error?.field).toMatch(/^body\.payload\.a(\.0)+$/);
    expect(error?.message).toBe(`must not be nested more than ${LIMITS.jsonDepth} levels deep`);
  });

  it(`${LIMITS.jsonDepth} levels counting from the body are accepted`, async () => {
    // body (1) → payload (2) → a (3) → arrays: the deepest array is level jsonDepth.
    expect((await postRaw(nested(LIMITS.jsonDepth - 2))).status).toBe(201);
    expect((await postRaw(nested(LIMITS.jsonDepth - 1))).status).toBe(400);
  });
});

describe('forged cursors', () => {
  const cursor = (text: string) => Buffer.from(text).toString('base64url');

  it.each([
    ['a 19-digit time', `9999999999999999999.${randomUUID()}`],
    ['an 18-digit time past year 9999', `999999999999999999.${randomUUID()}`],
    ['a negative time', `-9223372036854775808.${randomUUID()}`],
  ])('%s is a 400 on both list routes', async (_name, text) => {
    const job = await user.call<{ id: string }>('POST', '/jobs', { body: echoJob() });
    for (const route of ['/jobs', `/jobs/${job.body.id}/tasks`]) {
      const response = await user.call<Problem>('GET', `${route}?cursor=${cursor(text)}`);
      expect(response.status, route).toBe(400);
      expect(response.body.errors).toEqual([
        { field: 'query.cursor', message: 'not a cursor this API issued' },
      ]);
    }
  });

  it('a cursor at the edge of the range is still a valid (empty or full) page', async () => {
    const response = await user.call('GET', `/jobs?cursor=${cursor(`253402300799999999.${randomUUID()}`)}`);
    expect(response.status).toBe(200);
  });
});

describe('malformed percent-escapes in the path', () => {
  it('GET /jobs/%ZZ is a 404, with or without a token', async () => {
    for (const headers of [{}, { authorization: `Bearer ${user.token}` }] as Record<string, string>[]) {
      const response = await fetchChecked(`${api.url}/jobs/%ZZ`, { headers });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it("API Gateway's $default Lambda answers 404 too", async () => {
    for (const rawPath of ['/jobs/%ZZ', '/jobs/%E0%A4%A/tasks', '/tasks/%']) {
      const result = await notFound(sampleEvent({ routeKey: '$default', rawPath }));
      expect(result.statusCode, rawPath).toBe(404);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      await assertResultContract('GET', rawPath, result);
    }
  });

  it('the local server answers unmatched requests through that same $default handler: 404, 405 with Allow', async () => {
    for (const [method, rawPath] of [
      ['GET', '/nowhere'],
      ['PUT', '/jobs'],
      ['DELETE', '/tasks/6f1d8e2a-0000-4000-8000-000000000000'],
    ] as const) {
      const deployed = await notFound(sampleEvent({ routeKey: '$default', rawPath, method }));
      const local = await fetchChecked(`${api.url}${rawPath}`, { method });
      expect(local.status, `${method} ${rawPath}`).toBe(deployed.statusCode);
      expect(local.headers.get('allow') ?? undefined).toBe(deployed.headers?.allow);
      expect(await local.json()).toEqual(JSON.parse(deployed.body ?? ''));
    }
  });
});

describe('Idempotency-Key after DELETE', () => {
  it('is a 409 naming the header, not a replay of the deleted job', async () => {
    const key = `delete-then-replay-${randomUUID()}`;
    const headers = { 'idempotency-key': key };
    const created = await user.call<{ id: string }>('POST', '/jobs', { body: echoJob(), headers });
    expect(created.status).toBe(201);
    expect((await user.call('DELETE', `/jobs/${created.body.id}`)).status).toBe(204);
    expect((await user.call('GET', `/jobs/${created.body.id}`)).status).toBe(404);

    const replay = await user.call<Problem>('POST', '/jobs', { body: echoJob(), headers });
    expect(replay.status).toBe(409);
    expect(replay.headers.get('idempotent-replayed')).toBeNull();
    expect(replay.body.type).toBe('/problems/idempotency-key-job-deleted');
    expect(replay.body.errors).toEqual([{ field: 'header.idempotency-key', message: 'names a deleted job' }]);

    // Another body under the same key is still the key's misuse, as before the delete.
    const other = await user.call<Problem>('POST', '/jobs', { body: echoJob({ priority: 7 }), headers });
    expect(other.status).toBe(422);
  });
});

describe('local tokens', () => {
  it('a correctly signed token without exp is refused', async () => {
    const keys = JSON.parse(await readFile(path.join(api.dataDir, 'jwt-signing-key.json'), 'utf8')) as {
      privateJwk: JWK;
    };
    const token = await new SignJWT({ scope: 'jobs' })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .sign(await importJWK(keys.privateJwk, 'ES256'));
    const response = await fetchChecked(`${api.url}/jobs`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    // The same claims with exp are accepted: only the missing exp made the difference.
    const withExp = await api.auth.mint(user.id);
    expect(
      (await fetchChecked(`${api.url}/jobs`, { headers: { authorization: `Bearer ${withExp}` } })).status,
    ).toBe(200);
  });
});
