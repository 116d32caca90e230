import fc from 'fast-check';

/** One HTTP request the fuzzer sends; `path` may hold any bytes a client can put in a request line. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Ids the fuzzer aims at: a live job, one of its tasks, and a deleted job. */
export interface FuzzTargets {
  jobId: string;
  taskId: string;
  deletedJobId: string;
  token: string;
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });

/** Strings PostgreSQL or JSON handling might choke on, as raw JSON string literals (escapes included). */
const oddStringLiteral = fc.oneof(
  fc.constantFrom(
    '"\\u0000"',
    '"a\\u0000b"',
    '"\\ud800"',
    '"\\udfff"',
    '"\\udbff\\udfff"',
    '"\\ud83d\\ude00"',
    '"\\uffff\\ufffe"',
    '"\\u202e\\u200b\\u0085"',
    '"\\\\u0000"',
    '"\u00e9\u4e2d\ud83d\ude00"',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }).map((text) => JSON.stringify(text)),
);

/** Numbers as JSON text, including those that overflow a double, a bigint or an int. */
const oddNumberLiteral = fc.oneof(
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e-400',
    '9999999999999999999999',
    '-0',
    '1E308',
    '2147483648',
    '0.5',
    '1.0',
  ),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
);

const oddLiteral = fc.oneof(
  oddStringLiteral,
  oddNumberLiteral,
  jsonValue.map((value) => JSON.stringify(value)),
);

/** A payload nested `depth` levels, of arrays or objects. */
const deepLiteral = fc
  .tuple(fc.constantFrom(5, 30, 31, 32, 33, 64, 1_000, 5_000), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** Mostly `valid`, sometimes `odd`: each field alone can break a request that is otherwise fine. */
const mostly = <T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: odd });

/** Bodies near the valid shape, as text, so odd values land in every field. */
const jobText = fc
  .record({
    jobType: mostly(fc.constant('"echo"'), fc.oneof(fc.constantFrom('"sleep"', '""'), oddLiteral)),
    prompt: mostly(fc.constant('"hello"'), oddLiteral),
    extraKey: fc.oneof(fc.constantFrom('"k"', '"\\u0000"', '"\\ud800"', '"a.b"'), oddStringLiteral),
    extra: fc.oneof(oddLiteral, deepLiteral),
    schedule: mostly(
      fc.constantFrom(
        '{"type":"manual"}',
        '{"type":"cron","expression":"*/5 * * * *","timezone":"Australia/Lord_Howe"}',
        '{"type":"cron","expression":"0 12 * * *","timezone":"Pacific/Chatham"}',
        '{"type":"timedelta","seconds":60}',
      ),
      fc.oneof(
        oddLiteral.map((value) => `{"type":"timedelta","seconds":${value}}`),
        oddLiteral.map((value) => `{"type":"cron","expression":${value}}`),
        oddLiteral.map((value) => `{"type":"cron","expression":"* * * * *","timezone":${value}}`),
      ),
    ),
    number: mostly(fc.integer({ min: 1, max: 25 }).map(String), oddNumberLiteral),
    numberField: fc.constantFrom('priority', 'max_retries', 'timeout_seconds'),
  })
  .map(
    (r) =>
      `{"job_type":${r.jobType},"payload":{"prompt":${r.prompt},${r.extraKey}:${r.extra}},` +
      `"schedule_interval":${r.schedule},"${r.numberField}":${r.number}}`,
  );

/** Not JSON: cut short, trailing garbage, or any text at all. */
const malformedText = fc.oneof(
  fc.tuple(jobText, fc.nat()).map(([text, cut]) => text.slice(0, cut % Math.max(1, text.length))),
  jobText.map((text) => `${text}}`),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', 'null', '[]', '{', '{"a":1,}', '\u0000', '\ufeff{}', 'NaN', '{"__proto__":{"x":1}}'),
);

const anyBody = fc.oneof(
  { weight: 4, arbitrary: jobText },
  { weight: 2, arbitrary: malformedText },
  { weight: 1, arbitrary: jsonValue.map((value) => JSON.stringify(value)) },
);

const headerText = fc.string({ maxLength: 40 }).filter((text) => /^[\x20-\x7e]*$/.test(text));
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/problem+json',
      'application/json; charset=utf-8',
      '',
    ),
  },
  { weight: 1, arbitrary: headerText },
);

/** Cursors: real-looking ones pointing out of range, and garbage. */
const cursor = fc.oneof(
  fc
    .tuple(
      fc.oneof(
        fc.bigInt(-(2n ** 70n), 2n ** 70n),
        fc.constantFrom(9999999999999999999n, 253402300800000000n),
      ),
      fc.uuid(),
    )
    .map(([micros, id]) => Buffer.from(`${micros}.${id}`).toString('base64url')),
  fc.string({ unit: 'binary', maxLength: 40 }).map((text) => Buffer.from(text).toString('base64url')),
  fc.string({ maxLength: 40 }),
);

const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('\u0000', '\ud800', '1e400', '-1', '0', '100', '101', 'created', 'echo'),
);

/** encodeURIComponent throws on a lone surrogate: send its (invalid) UTF-8 bytes as escapes instead. */
function encodePathSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return `${encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
}

/** An id for a path segment, already encoded: real ids, malformed escapes, odd text. */
function pathId(targets: FuzzTargets) {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        targets.jobId,
        targets.taskId,
        targets.deletedJobId,
        targets.jobId.toUpperCase(),
      ),
    },
    fc.uuid(),
    fc.constantFrom('%ZZ', '%', '%E0%A4%A', '%00', '%ED%A0%80', '%C0%AF', '..%2F..', 'a%2Fb', '%25'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map(encodePathSegment),
  );
}

const ID_ROUTES = [
  'GET /jobs/:id',
  'PATCH /jobs/:id',
  'DELETE /jobs/:id',
  'POST /jobs/:id/run',
  'POST /jobs/:id/cancel',
  'GET /jobs/:id/tasks',
  'GET /tasks/:id',
  'POST /tasks/:id/cancel',
  'PUT /jobs/:id',
  'GET /jobs/:id/nothing',
];

/** Every kind of request, weighted toward the routes that read bodies and queries. */
export function fuzzRequest(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const auth = fc.oneof(
    { weight: 20, arbitrary: fc.constant(`Bearer ${targets.token}`) },
    { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer x.y.z', `Basic ${targets.token}`) },
  );
  const idempotencyKey = fc.option(
    fc.oneof(headerText, fc.constantFrom('same-key', 'same-key-2', 'x'.repeat(256))),
    { nil: undefined },
  );
  const createJob = fc.record({ body: anyBody, type: contentType, key: idempotencyKey, auth }).map(
    ({ body, type, key, auth: authorization }): FuzzRequest => ({
      method: 'POST',
      path: '/jobs',
      body,
      headers: {
        authorization,
        'content-type': type,
        ...(key !== undefined ? { 'idempotency-key': key } : {}),
      },
    }),
  );
  const updateJob = fc
    .record({
      body: anyBody,
      ifMatch: fc.oneof(headerText, fc.constantFrom('"1"', '*', 'W/"1"', '"99999999999999999999"')),
      id: fc.constantFrom(targets.jobId, targets.deletedJobId),
    })
    .map(
      ({ body, ifMatch, id }): FuzzRequest => ({
        method: 'PATCH',
        path: `/jobs/${id}`,
        body: body.replace(/"job_type":[^,]*,/, ''),
        headers: {
          authorization: `Bearer ${targets.token}`,
          'content-type': 'application/json',
          'if-match': ifMatch,
        },
      }),
    );
  const list = fc
    .record({
      route: fc.constantFrom('/jobs', `/jobs/${targets.jobId}/tasks`, `/jobs/${targets.deletedJobId}/tasks`),
      pairs: mostly(
        fc.constant([] as [string, string][]),
        fc.array(
          fc.tuple(fc.constantFrom('limit', 'cursor', 'status', 'job_type', 'x', '', '\u0000'), queryValue),
          { maxLength: 4 },
        ),
      ),
      cursor: fc.option(cursor, { nil: undefined, freq: 2 }),
    })
    .map(
      ({ route, pairs, cursor: at }): FuzzRequest => ({
        method: 'GET',
        path: `${route}?${new URLSearchParams([...pairs, ...(at !== undefined ? [['cursor', at] as [string, string]] : [])])}`,
        headers: { authorization: `Bearer ${targets.token}` },
      }),
    );
  const byId = fc
    .tuple(fc.constantFrom(...ID_ROUTES), pathId(targets), fc.option(anyBody, { nil: undefined }))
    .map(([template, id, body]): FuzzRequest => {
      const [method = 'GET', path = '/'] = template.split(' ');
      return {
        method,
        path: path.replace(':id', id),
        headers: {
          authorization: `Bearer ${targets.token}`,
          'content-type': 'application/json',
          'if-match': '"1"',
        },
        ...(method === 'GET' ? {} : { body }),
      };
    });
  return fc.oneof(
    { weight: 5, arbitrary: createJob },
    { weight: 2, arbitrary: updateJob },
    { weight: 3, arbitrary: list },
    { weight: 3, arbitrary: byId },
  );
}
