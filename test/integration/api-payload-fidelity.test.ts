import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi, type TestUser } from '../support/api.js';

/**
 * A payload is kept as given, or refused: never silently changed. JSON.parse turns 1e400 into Infinity (stored as
 * null) and makes `__proto__` an own key that copying into a new object turns into a prototype (the key vanishes).
 */
let api: TestApi;
let user: TestUser;
beforeAll(async () => {
  api = await startApi();
  user = await api.user();
});
afterAll(() => api.stop());

interface Answer {
  status: number;
  errors?: { field: string; message: string }[];
  payload?: Record<string, unknown>;
}

const postRaw = (text: string) => user.call<Answer>('POST', '/jobs', { body: text });

describe('payload values the service could not keep as given are a 400 naming the field', () => {
  it.each([
    ['a number too large for a double', '{"prompt":"x","n":1e400}', 'body.payload.n'],
    ['a negative one in an array', '{"prompt":"x","list":[1,-1e999]}', 'body.payload.list.1'],
    ['a __proto__ key', '{"prompt":"x","__proto__":{"admin":true}}', 'body.payload.__proto__'],
    ['a nested __proto__ key', '{"prompt":"x","a":{"__proto__":1}}', 'body.payload.a.__proto__'],
  ])('%s', async (_name, payload, field) => {
    const response = await postRaw(`{"job_type":"echo","payload":${payload}}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body.errors?.map((error) => error.field)).toContain(field);
  });

  it('what is accepted is what is stored', async () => {
    const created = await postRaw(
      '{"job_type":"echo","payload":{"prompt":"x","z":-0,"small":1e-400,"ok":1e300}}',
    );
    expect(created.status).toBe(201);
    expect(created.body.payload).toEqual({ prompt: 'x', z: 0, small: 0, ok: 1e300 });
  });
});
