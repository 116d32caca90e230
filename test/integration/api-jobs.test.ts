import { describe, expect, it } from 'vitest';
import { echoJob } from '../support/api.js';
import { apiSuite, type Job } from '../support/api-suite.js';

const suite = apiSuite();
const create = suite.createJob;

describe('POST /jobs', () => {
  it('creates a job: 201, Location, ETag, defaults', async () => {
    // Which fields it has, and their types, the contract check of every response holds to the published Job schema
    // (generated from shapes/job.ts, additionalProperties false); here, the values.
    const { status, headers, body } = await create();
    expect(status).toBe(201);
    expect(headers.get('location')).toBe(`/jobs/${body.id}`);
    expect(headers.get('etag')).toBe('"1"');
    expect(body).toMatchObject({
      user_id: suite.alice.id,
      status: 'created',
      job_type: 'echo',
      schedule_interval: { type: 'manual' },
      max_retries: 3,
      priority: 50,
      timeout_seconds: 300,
      next_run_at: null,
      schedule_error: null,
      skipped_occurrence_at: null,
      skipped_occurrence_reason: null,
      version: 1,
    });
    expect(body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('cron in 30-minute-change and 45-minute-offset zones: 201, next run strictly ahead, no schedule error', async () => {
    for (const [expression, timezone] of [
      ['0 12 * * *', 'Australia/Lord_Howe'],
      ['0 * * * *', 'Pacific/Chatham'],
    ]) {
      const before = Date.now();
      const { status, body } = await create(
        echoJob({ schedule_interval: { type: 'cron', expression, timezone } }),
      );
      expect(status).toBe(201);
      expect(body.schedule_error).toBeNull();
      expect(Date.parse(String(body.next_run_at))).toBeGreaterThan(before);
    }
  });

  it('accepts cron (with timezone) and timedelta schedules, keeping extra payload keys', async () => {
    const cron = await create(
      echoJob({
        schedule_interval: { type: 'cron', expression: '*/5 * * * *', timezone: 'Europe/Berlin' },
        priority: 90,
      }),
    );
    expect(cron.status).toBe(201);
    expect(cron.body.schedule_interval).toEqual({
      type: 'cron',
      expression: '*/5 * * * *',
      timezone: 'Europe/Berlin',
    });
    const every = await create(
      echoJob({
        schedule_interval: { type: 'timedelta', seconds: 3600 },
        payload: { prompt: 'x', extra: [1] },
      }),
    );
    expect(every.status).toBe(201);
    expect(every.body.payload).toEqual({ prompt: 'x', extra: [1] });
  });

  it('replays an Idempotency-Key: same job, no second row; another body under the key is 422', async () => {
    const first = await create(echoJob(), { 'idempotency-key': 'order-7' });
    const again = await create(echoJob(), { 'idempotency-key': 'order-7' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body).toEqual(first.body);
    const other = await create(echoJob({ priority: 7 }), { 'idempotency-key': 'order-7' });
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('/problems/idempotency-key-reused');
  });

  it.each([
    ['an unknown field', { ...echoJob(), colour: 'red' }, 'body.colour'],
    ['a missing prompt', { job_type: 'echo', payload: {} }, 'body.payload.prompt'],
    ['priority 101', echoJob({ priority: 101 }), 'body.priority'],
    ['negative max_retries', echoJob({ max_retries: -1 }), 'body.max_retries'],
    [
      'a six-field cron',
      echoJob({ schedule_interval: { type: 'cron', expression: '0 */5 * * * *' } }),
      'body.schedule_interval.expression',
    ],
    [
      'an impossible cron',
      echoJob({ schedule_interval: { type: 'cron', expression: '61 * * * *' } }),
      'body.schedule_interval.expression',
    ],
    [
      'an unknown timezone',
      echoJob({ schedule_interval: { type: 'cron', expression: '* * * * *', timezone: 'Mars/Olympus' } }),
      'body.schedule_interval.timezone',
    ],
    [
      'a zero timedelta',
      echoJob({ schedule_interval: { type: 'timedelta', seconds: 0 } }),
      'body.schedule_interval.seconds',
    ],
    [
      'an unknown schedule type',
      echoJob({ schedule_interval: { type: 'hourly' } }),
      'body.schedule_interval.type',
    ],
    ['a bad job_type', echoJob({ job_type: 'Echo Now' }), 'body.job_type'],
    ['an unknown job_type', echoJob({ job_type: 'transcode' }), 'body.job_type'],
    ['a timeout over 840 s', echoJob({ timeout_seconds: 841 }), 'body.timeout_seconds'],
    ['an over-long prompt', echoJob({ payload: { prompt: 'x'.repeat(8001) } }), 'body.payload.prompt'],
    [
      'an over-large payload',
      echoJob({ payload: { prompt: 'x', blob: 'y'.repeat(17_000) } }),
      'body.payload',
    ],
  ])('rejects %s with 400 naming the field', async (_, body, field) => {
    const { status, headers, body: problem } = await create(body as never);
    expect(status).toBe(400);
    expect(headers.get('content-type')).toBe('application/problem+json');
    expect(problem).toMatchObject({ type: '/problems/validation', status: 400 });
    expect((problem.errors as { field: string }[]).map((e) => e.field)).toContain(field);
  });

  it('answers 400 for malformed JSON, 415 for another media type, 413 past 256 KiB', async () => {
    expect(
      (
        await suite.alice.call('POST', '/jobs', {
          body: '{"job_type":',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await suite.alice.call('POST', '/jobs', {
          body: 'job_type=echo',
          headers: { 'content-type': 'text/plain' },
        })
      ).status,
    ).toBe(415);
    const huge = JSON.stringify(echoJob({ payload: { prompt: 'x', pad: 'y'.repeat(270_000) } }));
    const tooLarge = await suite.alice.call('POST', '/jobs', { body: huge });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toBe('application/problem+json');
  });

  it('rejects a malformed Idempotency-Key', async () => {
    const { status, body } = await create(echoJob(), { 'idempotency-key': 'has space' });
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      { field: 'header.idempotency-key', message: 'must be 1–255 visible ASCII characters' },
    ]);
  });
});

describe('GET /jobs/{id}', () => {
  it('returns the job with its ETag; unknown and malformed ids are 404', async () => {
    const { body: job } = await create();
    const got = await suite.alice.call<Job>('GET', `/jobs/${job.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(got.body).toEqual(job);
    expect((await suite.alice.call('GET', '/jobs/6f1d8e2a-0000-4000-8000-000000000000')).status).toBe(404);
    const malformed = await suite.alice.call('GET', '/jobs/not-a-uuid');
    expect(malformed.status).toBe(404);
    expect(malformed.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('GET /jobs', () => {
  it('pages newest first with an opaque cursor, without gaps or repeats', async () => {
    const user = await suite.api.user();
    const ids: string[] = [];
    for (let i = 0; i < 25; i += 1)
      ids.push((await user.call<Job>('POST', '/jobs', { body: echoJob() })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=10&cursor=${cursor}` : '?limit=10';
      const page = await user.call<{ items: Job[]; next_cursor: string | null }>('GET', `/jobs${query}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((job) => job.id));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids.reverse());
  });

  it('filters by status and job_type, default limit 20', async () => {
    const user = await suite.api.user();
    const { body: kept } = await user.call<Job>('POST', '/jobs', {
      body: echoJob({ job_type: 'sleep', payload: { prompt: 'z', seconds: 1 } }),
    });
    const { body: gone } = await user.call<Job>('POST', '/jobs', { body: echoJob() });
    await user.call('POST', `/jobs/${gone.id}/cancel`);
    const sleepers = await user.call<{ items: Job[] }>('GET', '/jobs?job_type=sleep');
    expect(sleepers.body.items.map((j) => j.id)).toEqual([kept.id]);
    const cancelled = await user.call<{ items: Job[] }>('GET', '/jobs?status=cancelled');
    expect(cancelled.body.items.map((j) => j.id)).toEqual([gone.id]);
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['limit=ten', 'query.limit'],
    ['cursor=bm90LWEtY3Vyc29y', 'query.cursor'],
    ['status=running', 'query.status'],
    ['sort=asc', 'query.sort'],
    ['limit=5&limit=6', 'query.limit'],
  ])('rejects ?%s with 400', async (query, field) => {
    const { status, body } = await suite.alice.call('GET', `/jobs?${query}`);
    expect(status).toBe(400);
    expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
  });
});

describe('PATCH /jobs/{id}', () => {
  it('updates with a matching If-Match and returns the new ETag', async () => {
    const { body: job } = await create();
    const patched = await suite.alice.call<Job>('PATCH', `/jobs/${job.id}`, {
      body: { priority: 80, schedule_interval: { type: 'timedelta', seconds: 60 }, timeout_seconds: 30 },
      headers: { 'if-match': '"1"' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ timeout_seconds: 30 });
    // A new schedule starts counting now: the next occurrence is about a minute away.
    const next = Date.parse(String(patched.body.next_run_at));
    expect(next - Date.now()).toBeGreaterThan(50_000);
    expect(next - Date.now()).toBeLessThanOrEqual(60_000);
    expect(patched.headers.get('etag')).toBe('"2"');
    expect(patched.body).toMatchObject({
      priority: 80,
      version: 2,
      schedule_interval: { type: 'timedelta', seconds: 60 },
    });
  });

  it('answers 412 with the current version for a stale ETag, 428 without If-Match', async () => {
    const { body: job } = await create();
    await suite.alice.call('PATCH', `/jobs/${job.id}`, {
      body: { priority: 1 },
      headers: { 'if-match': '"1"' },
    });
    const stale = await suite.alice.call('PATCH', `/jobs/${job.id}`, {
      body: { priority: 2 },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ type: '/problems/version-conflict', current_version: 2 });
    expect(stale.headers.get('etag')).toBe('"2"');
    const missing = await suite.alice.call('PATCH', `/jobs/${job.id}`, { body: { priority: 2 } });
    expect(missing.status).toBe(428);
  });

  it('validates the body (empty, unknown or read-only fields) and 404s unknown jobs', async () => {
    const { body: job } = await create();
    const ifMatch = { 'if-match': '"1"' };
    expect((await suite.alice.call('PATCH', `/jobs/${job.id}`, { body: {}, headers: ifMatch })).status).toBe(
      400,
    );
    expect(
      (
        await suite.alice.call('PATCH', `/jobs/${job.id}`, {
          body: { status: 'completed' },
          headers: ifMatch,
        })
      ).status,
    ).toBe(400);
    expect(
      (await suite.alice.call('PATCH', `/jobs/${job.id}`, { body: { job_type: 'sleep' }, headers: ifMatch }))
        .status,
    ).toBe(400);
    const unknown = '0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
    expect(
      (await suite.alice.call('PATCH', `/jobs/${unknown}`, { body: { priority: 3 }, headers: ifMatch }))
        .status,
    ).toBe(404);
  });
});
