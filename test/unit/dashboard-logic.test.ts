import { describe, expect, it } from 'vitest';
import { problemMessage } from '../../dashboard/src/api.js';
import { formatDuration, formatSchedule, span } from '../../dashboard/src/format.js';
import { parsePayload } from '../../dashboard/src/payload.js';
import { codeChallenge } from '../../dashboard/src/pkce.js';

/** The dashboard's pure pieces; the page as a whole is tested in Chromium (test/browser/). */
describe('dashboard logic', () => {
  it('derives the S256 code challenge of RFC 7636 appendix B', async () => {
    expect(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('turns problem+json, API Gateway messages and anything else into a sentence, never raw JSON', () => {
    expect(
      problemMessage(400, {
        type: '/problems/validation',
        title: 'Invalid request',
        detail: 'One or more fields are invalid.',
      }),
    ).toBe('Invalid request: One or more fields are invalid.');
    expect(problemMessage(404, { type: 'about:blank', title: 'Not Found', status: 404 })).toBe('Not Found');
    expect(problemMessage(401, { message: 'Unauthorized' })).toBe('Unauthorized');
    expect(problemMessage(502, undefined)).toBe('The API answered HTTP 502.');
    expect(problemMessage(500, ['odd'])).toBe('The API answered HTTP 500.');
  });

  it('accepts only a JSON object as the payload', () => {
    expect(parsePayload('{"prompt": "hi"}')).toEqual({ value: { prompt: 'hi' } });
    expect(parsePayload('{"prompt": ')).toMatchObject({ error: expect.stringMatching(/^Not valid JSON/) });
    for (const notObject of ['[]', '"text"', '42', 'null'])
      expect(parsePayload(notObject)).toEqual({
        error: 'The payload must be a JSON object, such as {"prompt": "…"}.',
      });
  });

  it("names the chart's buckets and windows in words", () => {
    expect([60, 300, 900, 3600, 21600, 86400].map(span)).toEqual([
      'minute',
      '5 minutes',
      '15 minutes',
      'hour',
      '6 hours',
      '24 hours',
    ]);
  });

  it('formats schedules and durations', () => {
    expect(formatSchedule({ type: 'manual' })).toBe('manual');
    expect(formatSchedule({ type: 'timedelta', seconds: 90 })).toBe('every 90 s');
    expect(formatSchedule({ type: 'cron', expression: '0 9 * * 1', timezone: 'Europe/Berlin' })).toBe(
      'cron 0 9 * * 1 (Europe/Berlin)',
    );
    expect(formatDuration(null, null)).toBe('—');
    expect(formatDuration('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.250Z')).toBe('250 ms');
    expect(formatDuration('2026-01-01T00:00:00Z', '2026-01-01T00:00:12.5Z')).toBe('12.5 s');
    expect(formatDuration('2026-01-01T00:00:00Z', '2026-01-01T00:02:05Z')).toBe('2 min 5 s');
    expect(formatDuration('2026-01-01T00:00:00Z', null, Date.parse('2026-01-01T00:00:03Z'))).toBe('3.0 s');
  });
});
