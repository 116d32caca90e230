import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseError, SqlState } from '../../lambdas/db/errors.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import {
  columns,
  constraints,
  indexDefinitions,
  indexNames,
  triggerNames,
} from '../support/introspection.js';

/** The seed's schema is a contract: every column, type, constraint, index and trigger, by name. */
let test: TestDatabase;
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

const USER = '00000000-0000-4000-8000-000000000001';

describe('seed schema', () => {
  it('jobs has every seed column with its type', async () => {
    const shape = (await columns(test.db, 'jobs')).map((c) => [c.column_name, c.data_type, c.length]);
    expect(shape).toEqual(
      expect.arrayContaining([
        ['id', 'uuid', null],
        ['user_id', 'uuid', null],
        ['status', 'character varying', 20],
        ['payload', 'jsonb', null],
        ['job_type', 'character varying', 100],
        ['schedule_interval', 'jsonb', null],
        ['max_retries', 'integer', null],
        ['priority', 'integer', null],
        ['is_deleted', 'boolean', null],
        ['created_at', 'timestamp with time zone', null],
        ['updated_at', 'timestamp with time zone', null],
        ['version', 'bigint', null],
      ]),
    );
  });

  it('tasks has every seed column with its type', async () => {
    const shape = (await columns(test.db, 'tasks')).map((c) => [c.column_name, c.data_type, c.length]);
    expect(shape).toEqual(
      expect.arrayContaining([
        ['id', 'uuid', null],
        ['job_id', 'uuid', null],
        ['status', 'character varying', 20],
        ['payload', 'jsonb', null],
        ['result', 'text', null],
        ['is_deleted', 'boolean', null],
        ['created_at', 'timestamp with time zone', null],
        ['updated_at', 'timestamp with time zone', null],
        ['version', 'bigint', null],
      ]),
    );
  });

  it('has the CHECK, primary key and foreign key constraints', async () => {
    const jobs = Object.fromEntries((await constraints(test.db, 'jobs')).map((c) => [c.name, c]));
    expect(jobs.jobs_pkey?.type).toBe('p');
    expect(jobs.chk_jobs_status?.definition).toMatch(/created.*processing.*completed.*failed.*cancelled/);
    expect(jobs.chk_jobs_priority?.definition).toMatch(/priority >= 0.*priority <= 100/);
    expect(jobs.chk_jobs_max_retries?.definition).toMatch(/max_retries >= 0/);
    const tasks = Object.fromEntries((await constraints(test.db, 'tasks')).map((c) => [c.name, c]));
    expect(tasks.tasks_pkey?.type).toBe('p');
    expect(tasks.fk_tasks_job_id?.definition).toMatch(/FOREIGN KEY \(job_id\) REFERENCES jobs\(id\)/);
    expect(tasks.chk_tasks_status?.definition).toMatch(/created.*processing.*completed.*failed.*cancelled/);
  });

  it('has all 13 seed indexes by name, on the seed columns', async () => {
    const seedJobs = [
      'idx_jobs_user_id',
      'idx_jobs_status',
      'idx_jobs_created_at',
      'idx_jobs_priority',
      'idx_jobs_is_deleted',
      'idx_jobs_user_status',
      'idx_jobs_status_priority',
      'idx_jobs_created_status',
    ];
    const seedTasks = [
      'idx_tasks_job_id',
      'idx_tasks_status',
      'idx_tasks_created_at',
      'idx_tasks_is_deleted',
      'idx_tasks_job_status',
    ];
    expect(await indexNames(test.db, 'jobs')).toEqual(expect.arrayContaining(seedJobs));
    expect(await indexNames(test.db, 'tasks')).toEqual(expect.arrayContaining(seedTasks));
    const definitions = await indexDefinitions(test.db);
    expect(definitions.idx_jobs_user_status).toMatch(/\(user_id, status\)/);
    expect(definitions.idx_jobs_status_priority).toMatch(/\(status, priority\)/);
    expect(definitions.idx_jobs_created_status).toMatch(/\(created_at, status\)/);
    expect(definitions.idx_tasks_job_status).toMatch(/\(job_id, status\)/);
  });

  it('has the updated_at triggers, and they move updated_at on every UPDATE', async () => {
    expect(await triggerNames(test.db, 'jobs')).toContain('update_jobs_updated_at');
    expect(await triggerNames(test.db, 'tasks')).toContain('update_tasks_updated_at');
    const { rows } = await test.db.query<{ id: string; updated_at: Date }>({
      text: `INSERT INTO jobs (user_id, job_type, updated_at) VALUES ($1::uuid, 'echo', now() - interval '1 hour')
             RETURNING id, updated_at`,
      values: [USER],
    });
    const before = rows[0];
    const after = await test.db.query<{ updated_at: Date }>({
      text: `UPDATE jobs SET priority = 7 WHERE id = $1::uuid RETURNING updated_at`,
      values: [before?.id ?? null],
    });
    expect(after.rows[0]?.updated_at.getTime()).toBeGreaterThan(before?.updated_at.getTime() ?? Infinity);
  });

  it('fills the defaults a bare insert relies on', async () => {
    const { rows } = await test.db.query({
      text: `INSERT INTO jobs (user_id, job_type) VALUES ($1::uuid, 'echo')
             RETURNING status, payload, schedule_interval, max_retries, priority, is_deleted, version`,
      values: [USER],
    });
    expect(rows[0]).toEqual({
      status: 'created',
      payload: {},
      schedule_interval: { type: 'manual' },
      max_retries: 3,
      priority: 50,
      is_deleted: false,
      version: '1',
    });
  });

  it.each([
    ['a bad job status', `INSERT INTO jobs (user_id, job_type, status) VALUES ($1::uuid, 'echo', 'running')`],
    ['priority 101', `INSERT INTO jobs (user_id, job_type, priority) VALUES ($1::uuid, 'echo', 101)`],
    ['priority -1', `INSERT INTO jobs (user_id, job_type, priority) VALUES ($1::uuid, 'echo', -1)`],
    [
      'negative max_retries',
      `INSERT INTO jobs (user_id, job_type, max_retries) VALUES ($1::uuid, 'echo', -1)`,
    ],
  ])('rejects %s with a check violation', async (_, text) => {
    const error = await test.db.query({ text, values: [USER] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).sqlState).toBe(SqlState.checkViolation);
  });

  it('rejects a task with a bad status', async () => {
    const { rows } = await test.db.query<{ id: string }>({
      text: `INSERT INTO jobs (user_id, job_type) VALUES ($1::uuid, 'echo') RETURNING id`,
      values: [USER],
    });
    const error = await test.db
      .query({
        text: `INSERT INTO tasks (job_id, status) VALUES ($1::uuid, 'queued')`,
        values: [rows[0]?.id ?? null],
      })
      .catch((e: unknown) => e);
    expect((error as DatabaseError).sqlState).toBe(SqlState.checkViolation);
  });

  it('rejects an orphan task through the foreign key', async () => {
    const error = await test.db
      .query({
        text: `INSERT INTO tasks (job_id) VALUES ($1::uuid)`,
        values: ['00000000-0000-4000-8000-00000000dead'],
      })
      .catch((e: unknown) => e);
    expect((error as DatabaseError).sqlState).toBe(SqlState.foreignKeyViolation);
  });
});
