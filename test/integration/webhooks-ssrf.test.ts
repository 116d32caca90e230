import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi, type TestUser } from '../support/api.js';

/** The SSRF rules at the API, as deployed (WEBHOOK_ALLOW_PRIVATE_TARGETS unset): 400 naming body.webhook.url. */
let api: TestApi;
let user: TestUser;
beforeAll(async () => {
  delete process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS;
  api = await startApi('pg');
  user = await api.user();
});
afterAll(() => api.stop());

const job = (url: string) => ({ job_type: 'echo', payload: { prompt: 'x' }, webhook: { url } });

describe('webhook URLs the service refuses', () => {
  it.each([
    'http://93.184.216.34/hook',
    'https://localhost/hook',
    'https://127.0.0.1/hook',
    'https://[::1]/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://10.0.0.7/hook',
    'https://192.168.0.1/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[::ffff:a9fe:a9fe]/hook',
    'https://[fd00:ec2::254]/hook',
    'https://user:secret@93.184.216.34/hook',
    'not a url',
  ])('POST /jobs with %s is 400 naming webhook.url, and nothing is created', async (url) => {
    const response = await user.call<{ errors: { field: string; message: string }[] }>('POST', '/jobs', {
      body: job(url),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((e) => e.field)).toEqual(['body.webhook.url']);
    const list = await user.call<{ items: unknown[] }>('GET', '/jobs');
    expect(list.body.items).toEqual([]);
  });

  it('PATCH with a loopback URL is 400 and leaves the job as it was', async () => {
    const created = await user.call<{ id: string; version: number; webhook: unknown }>('POST', '/jobs', {
      body: { job_type: 'echo', payload: { prompt: 'x' } },
    });
    const response = await user.call<{ errors: { field: string }[] }>('PATCH', `/jobs/${created.body.id}`, {
      body: { webhook: { url: 'https://localhost:8443/hook' } },
      headers: { 'if-match': `"${created.body.version}"` },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e) => e.field)).toEqual(['body.webhook.url']);
    const read = await user.call<{ version: number; webhook: unknown }>('GET', `/jobs/${created.body.id}`);
    expect(read.body).toMatchObject({ version: created.body.version, webhook: null });
    await user.call('DELETE', `/jobs/${created.body.id}`);
  });

  it('a public https literal is accepted (no DNS needed) and its secret returned', async () => {
    const created = await user.call<{ webhook: { url: string; secret: string } }>('POST', '/jobs', {
      body: job('https://93.184.216.34/hook'),
    });
    expect(created.status).toBe(201);
    expect(created.body.webhook.secret).toMatch(/^whsec_/);
  });
});
