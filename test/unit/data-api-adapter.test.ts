import { describe, expect, it } from 'vitest';
import { toNamedParameters } from '../../lambdas/db/data-api/placeholders.js';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  failureMeaning,
  isRetryable,
  withRetry,
} from '../../lambdas/db/data-api/retry.js';
import {
  fromField,
  fromRecords,
  toDataApiTimestamp,
  toSqlParameter,
} from '../../lambdas/db/data-api/values.js';
import { sqlStateFromMessage } from '../../lambdas/db/errors.js';
import { toPositional } from '../../local/data-api/parameters.js';

describe('toNamedParameters', () => {
  it('rewrites $n to :pn and keeps casts', () => {
    expect(toNamedParameters('SELECT * FROM jobs WHERE id = $1::uuid AND n > $2').sql).toBe(
      'SELECT * FROM jobs WHERE id = :p1::uuid AND n > :p2',
    );
  });

  it('never touches strings, quoted identifiers, dollar quotes or comments', () => {
    const text = `SELECT '$1', E'\\'$2', "$3", $$ $4 $$, $x$ $5 $x$ /* $6 */, $7 -- $8`;
    expect(toNamedParameters(text).sql).toBe(
      `SELECT '$1', E'\\'$2', "$3", $$ $4 $$, $x$ $5 $x$ /* $6 */, :p7 -- $8`,
    );
  });

  it('reads the typeHint from the cast after the placeholder', () => {
    const { hints } = toNamedParameters(
      'SELECT $1::uuid, $2::jsonb, $3 :: timestamptz, $4::numeric, $5::text, $6',
    );
    expect(Object.fromEntries(hints)).toEqual({ 1: 'UUID', 2: 'JSON', 3: 'TIMESTAMP', 4: 'DECIMAL' });
  });

  it('maps a repeated placeholder to the same name', () => {
    expect(toNamedParameters('SELECT $1, $1::int').sql).toBe('SELECT :p1, :p1::int');
  });

  it('does not read $10 as $1 followed by 0', () => {
    expect(toNamedParameters('SELECT $10, $1').sql).toBe('SELECT :p10, :p1');
  });
});

describe('the local endpoint rewrite (named → positional)', () => {
  it('leaves ::casts alone and binds each name once', () => {
    const { text, values } = toPositional("SELECT :a::jsonb, ':b', :a, x::int FROM t -- :c", [
      { name: 'a', value: { stringValue: '{}' }, typeHint: 'JSON' },
    ]);
    expect(text).toBe("SELECT $1::json::jsonb, ':b', $1::json, x::int FROM t -- :c");
    expect(values).toEqual(['{}']);
  });

  it('binds an unhinted string as text and refuses array parameters', () => {
    expect(toPositional('SELECT :s', [{ name: 's', value: { stringValue: 'x' } }]).text).toBe(
      'SELECT $1::text',
    );
    expect(() =>
      toPositional('SELECT :s', [{ name: 's', value: { arrayValue: { stringValues: ['a'] } } }]),
    ).toThrow('Array parameters are not supported.');
  });
});

describe('value mapping', () => {
  it('maps JS values to typed SqlParameters', () => {
    const at = new Date('2026-07-01T10:20:30.456Z');
    expect(toSqlParameter('p1', null, undefined)).toEqual({ name: 'p1', value: { isNull: true } });
    expect(toSqlParameter('p1', true, undefined)).toEqual({ name: 'p1', value: { booleanValue: true } });
    expect(toSqlParameter('p1', 42, undefined)).toEqual({ name: 'p1', value: { longValue: 42 } });
    expect(toSqlParameter('p1', 0.5, undefined)).toEqual({ name: 'p1', value: { doubleValue: 0.5 } });
    expect(toSqlParameter('p1', 2n ** 60n, undefined)).toEqual({
      name: 'p1',
      value: { stringValue: '1152921504606846976' },
    });
    expect(toSqlParameter('p1', at, undefined)).toEqual({
      name: 'p1',
      value: { stringValue: '2026-07-01 10:20:30.456' },
      typeHint: 'TIMESTAMP',
    });
    expect(toSqlParameter('p1', 'abc', 'UUID')).toEqual({
      name: 'p1',
      value: { stringValue: 'abc' },
      typeHint: 'UUID',
    });
    expect(toSqlParameter('p1', at.toISOString(), 'TIMESTAMP').value).toEqual({
      stringValue: '2026-07-01 10:20:30.456',
    });
    expect(toSqlParameter('p1', new Uint8Array([1, 2]), undefined).value).toEqual({
      blobValue: new Uint8Array([1, 2]),
    });
  });

  it('decodes fields the way pg decodes the same column types', () => {
    expect(fromField({ stringValue: '{"a":[1]}' }, { typeName: 'jsonb' })).toEqual({ a: [1] });
    expect(fromField({ stringValue: '2026-07-01 10:20:30.456' }, { typeName: 'timestamptz' })).toEqual(
      new Date('2026-07-01T10:20:30.456Z'),
    );
    expect(fromField({ stringValue: '9007199254740993' }, { typeName: 'int8' })).toBe('9007199254740993');
    expect(fromField({ longValue: 12 }, { typeName: 'int8' })).toBe('12');
    expect(fromField({ longValue: 12 }, { typeName: 'int4' })).toBe(12);
    expect(fromField({ isNull: true }, { typeName: 'text' })).toBeNull();
    expect(fromField({ arrayValue: { longValues: [1, 2] } }, { typeName: '_int4' })).toEqual([1, 2]);
    expect(
      fromRecords(
        [[{ longValue: 1 }, { stringValue: 'x' }]],
        [{ label: 'n', typeName: 'int4' }, { name: 's' }],
      ),
    ).toEqual([{ n: 1, s: 'x' }]);
  });

  it('formats timestamps as the Data API wants them', () => {
    expect(toDataApiTimestamp(new Date('2026-01-02T03:04:05.006Z'))).toBe('2026-01-02 03:04:05.006');
  });
});

describe('sqlStateFromMessage', () => {
  it('parses the SQLSTATE at the end of a Data API message', () => {
    expect(
      sqlStateFromMessage(
        'ERROR: duplicate key value violates unique constraint "jobs_pkey"; SQLState: 23505',
      ),
    ).toBe('23505');
    expect(sqlStateFromMessage('ERROR: x\n  Detail: y; SQLState: 22P02')).toBe('22P02');
    expect(sqlStateFromMessage('Transaction is still running a query')).toBeUndefined();
  });
});

describe('retry', () => {
  const named = (name: string) => Object.assign(new Error(name), { name });

  it('retries a resuming database with growing, capped, jittered delays, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls <= 4) throw named('DatabaseResumingException');
        return 'ok';
      },
      DEFAULT_RETRY_POLICY,
      { sleep: async (ms) => void delays.push(ms) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(5);
    expect(delays).toHaveLength(4);
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(
        Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (i + 1)),
      );
    });
  });

  it('computes full-jitter bounds from the attempt number', () => {
    expect(backoffDelay(1, DEFAULT_RETRY_POLICY, () => 0.999)).toBe(499);
    expect(backoffDelay(10, DEFAULT_RETRY_POLICY, () => 0.999)).toBe(7992);
    expect(backoffDelay(3, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
  });

  it('does not retry SQL errors, and gives up after maxAttempts', async () => {
    let calls = 0;
    const sqlError = withRetry(
      async () => {
        calls += 1;
        throw named('DatabaseErrorException');
      },
      DEFAULT_RETRY_POLICY,
      { sleep: async () => {} },
    );
    await expect(sqlError).rejects.toThrow('DatabaseErrorException');
    expect(calls).toBe(1);
    calls = 0;
    const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 };
    const never = withRetry(
      async () => {
        calls += 1;
        throw named('DatabaseResumingException');
      },
      policy,
      { sleep: async () => {} },
    );
    await expect(never).rejects.toThrow('DatabaseResumingException');
    expect(calls).toBe(3);
  });

  it('stops when the time budget would be exceeded', async () => {
    let now = 0;
    let calls = 0;
    const attempt = withRetry(
      async () => {
        calls += 1;
        throw named('DatabaseResumingException');
      },
      { maxAttempts: 100, baseDelayMs: 1000, maxDelayMs: 1000, budgetMs: 3000 },
      {
        sleep: async (ms) => {
          now += ms;
        },
        now: () => now,
      },
    );
    await expect(attempt).rejects.toThrow();
    expect(now).toBeLessThanOrEqual(3000);
    expect(calls).toBeLessThan(100);
  });

  it('tells a call that never ran from one whose answer was lost', () => {
    const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
    const status = (httpStatusCode: number) =>
      Object.assign(named('UnknownError'), { $metadata: { httpStatusCode } });
    for (const error of [
      named('DatabaseResumingException'),
      named('ThrottlingException'),
      coded('ECONNREFUSED'),
    ])
      expect(failureMeaning(error)).toBe('not-executed');
    for (const error of [
      named('InternalServerErrorException'),
      named('StatementTimeoutException'),
      named('DatabaseUnavailableException'),
      named('ServiceUnavailableError'),
      coded('ECONNRESET'),
      coded('EPIPE'),
      new Error('socket hang up'),
      status(502),
    ])
      expect(failureMeaning(error)).toBe('unknown');
    for (const error of [named('DatabaseErrorException'), named('BadRequestException'), status(400)])
      expect(failureMeaning(error)).toBe('failed');
  });

  it('resends a call whose outcome is unknown only when it is safe to repeat', async () => {
    const lost = named('InternalServerErrorException');
    expect(isRetryable(lost)).toBe(false);
    expect(isRetryable(lost, true)).toBe(true);
    expect(isRetryable(named('DatabaseResumingException'))).toBe(true);
    let calls = 0;
    const once = withRetry(
      async () => {
        calls += 1;
        throw named('StatementTimeoutException');
      },
      DEFAULT_RETRY_POLICY,
      { sleep: async () => {} },
    );
    await expect(once).rejects.toThrow('StatementTimeoutException');
    expect(calls).toBe(1);
    calls = 0;
    const repeated = await withRetry(
      async () => {
        calls += 1;
        if (calls === 1) throw lost;
        return 'ok';
      },
      DEFAULT_RETRY_POLICY,
      { idempotent: true, sleep: async () => {} },
    );
    expect([repeated, calls]).toEqual(['ok', 2]);
  });
});
