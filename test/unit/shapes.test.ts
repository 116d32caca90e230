import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Job, JobList, Task, TaskList } from '../../lambdas/http/schemas.js';
import { DELIVERY } from '../../lambdas/shapes/delivery.js';
import { JOB, JOB_SETTABLE } from '../../lambdas/shapes/job.js';
import { TASK } from '../../lambdas/shapes/task.js';
import { deliveryColumns, jobColumns, taskColumns } from '../../lambdas/sql/columns.js';
import { ROOT_DIR } from '../../local/paths.js';

/**
 * Each shape has one definition (lambdas/shapes/): the view, the column list and the published schema all come
 * from it, and the published document is closed, so a field added or dropped anywhere but there cannot pass.
 */
const document = JSON.parse(readFileSync(path.join(ROOT_DIR, 'docs/openapi.json'), 'utf8'));
type Schema = Record<string, unknown> & { properties?: Record<string, Schema> };
const published = (name: string) => document.components.schemas[name] as Schema;

const jobRow = {
  id: '6f1d8e2a-0000-4000-8000-000000000001',
  user_id: '6f1d8e2a-0000-4000-8000-000000000002',
  status: 'created',
  job_type: 'echo',
  payload: { prompt: 'p', extra: [1] },
  schedule_interval: { type: 'cron', expression: '* * * * *', timezone: 'UTC' },
  max_retries: 3,
  priority: 50,
  timeout_seconds: 300,
  next_run_at: new Date('2030-01-01T00:00:00Z'),
  schedule_error: null,
  skipped_occurrence_at: null,
  skipped_occurrence_reason: null,
  webhook: { url: 'https://hooks.example/jobs' },
  created_at: new Date('2029-01-01T00:00:00Z'),
  updated_at: new Date('2029-01-01T00:00:00Z'),
  version: '7',
  created_us: '1861920000000000',
};
const taskRow = {
  id: '6f1d8e2a-0000-4000-8000-000000000003',
  job_id: jobRow.id,
  status: 'completed',
  payload: { prompt: 'p' },
  result: 'done',
  created_at: '2029-01-01 00:00:00+00',
  updated_at: new Date('2029-01-01T00:00:01Z'),
  version: '2',
  attempt: 1,
  last_error: null,
  run_at: new Date('2029-01-01T00:00:00Z'),
  started_at: new Date('2029-01-01T00:00:00Z'),
  finished_at: null,
  created_us: '1861920000000000',
};

describe('one definition per shape', () => {
  it.each([
    ['Job', JOB],
    ['Task', TASK],
  ] as const)(
    'the published %s schema names exactly the definition’s fields, all required, no others',
    (name, shape) => {
      const schema = published(name);
      expect(Object.keys(schema.properties ?? {})).toEqual(shape.names);
      expect(schema.required).toEqual(shape.names);
      expect(schema.additionalProperties).toBe(false);
    },
  );

  it('the view of a row has the definition’s fields, in order, and parses with the published schema', () => {
    const job = JOB.view(jobRow);
    expect(Object.keys(job)).toEqual(JOB.names);
    expect(job).toMatchObject({ version: 7, next_run_at: '2030-01-01T00:00:00.000Z', schedule_error: null });
    expect(Job.safeParse(job).success).toBe(true);
    const task = TASK.view(taskRow);
    expect(Object.keys(task)).toEqual(TASK.names);
    expect(task).toMatchObject({ version: 2, created_at: '2029-01-01T00:00:00.000Z', finished_at: null });
    expect(Task.safeParse(task).success).toBe(true);
    expect(JobList.safeParse({ items: [job], next_cursor: null }).success).toBe(true);
    expect(TaskList.safeParse({ items: [task, { ...task, surprise: 1 }], next_cursor: 'x' }).success).toBe(
      true,
    );
  });

  it('the column lists are the definition’s names plus the keyset position', () => {
    expect(jobColumns('j')).toBe(`${JOB.names.map((n) => `j.${n}`).join(', ')}, ${createdUs('j')}`);
    expect(taskColumns('t')).toBe(`${TASK.names.map((n) => `t.${n}`).join(', ')}, ${createdUs('t')}`);
    // A delivery's task_id is its own id: the one field read under another column's name.
    const delivery = DELIVERY.names.map((n) => (n === 'task_id' ? 'd.id AS task_id' : `d.${n}`));
    expect(deliveryColumns('d')).toBe(`${delivery.join(', ')}, ${createdUs('d')}`);
  });

  it('the published delivery schema names exactly the definition’s fields, all required, no others', () => {
    const item = published('DeliveryList').properties?.items?.items as Schema;
    expect(Object.keys(item.properties ?? {})).toEqual(DELIVERY.names);
    expect(item.required).toEqual(DELIVERY.names);
    expect(item.additionalProperties).toBe(false);
  });

  it('the settable fields (and the webhook, set with its own secret) are the job fields the create and update bodies take', () => {
    const update = document.paths['/jobs/{id}'].patch.requestBody.content['application/json'];
    const create = document.paths['/jobs'].post.requestBody.content['application/json'];
    expect(Object.keys(update.schema.properties)).toEqual([...JOB_SETTABLE, 'webhook']);
    expect(Object.keys(create.schema.properties)).toEqual(['job_type', ...JOB_SETTABLE, 'webhook']);
    expect(JOB.names).toContain('webhook');
    for (const field of JOB_SETTABLE) expect(JOB.names).toContain(field);
  });
});

const createdUs = (alias: string) =>
  `(extract(epoch FROM ${alias}.created_at) * 1000000)::bigint AS created_us`;

/** Every object a response may hold, with the path to it; open ones must be declared open on purpose. */
function objects(schema: unknown, at: string): [string, Schema][] {
  if (!schema || typeof schema !== 'object') return [];
  const node = schema as Schema;
  const own: [string, Schema][] = node.type === 'object' ? [[at, node]] : [];
  const children = Object.entries(node).flatMap(([key, value]) =>
    key === 'properties'
      ? Object.entries(value as Record<string, unknown>).flatMap(([name, inner]) =>
          objects(inner, `${at}.${name}`),
        )
      : Array.isArray(value)
        ? value.flatMap((inner, index) => objects(inner, `${at}[${index}]`))
        : typeof value === 'object'
          ? objects(value, at)
          : [],
  );
  return [...own, ...children];
}

describe('the published responses are closed', () => {
  /** Open by design: a payload keeps the keys a caller gave (docs/semantics.md). */
  const OPEN = ['Job.payload', 'JobList.items.payload', 'Task.payload', 'TaskList.items.payload'];

  it('every response object forbids members the document does not name, but the payloads', () => {
    const open = Object.entries(document.components.schemas).flatMap(([name, schema]) =>
      objects(schema, name)
        .filter(([, node]) => node.additionalProperties !== false)
        .map(([where]) => where),
    );
    expect([...new Set(open)].sort()).toEqual(OPEN);
  });
});
