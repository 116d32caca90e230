import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStatement } from '../../lambdas/db/port.js';
import { selectJobs } from '../../lambdas/sql/jobs.js';
import { selectJobTasks } from '../../lambdas/sql/tasks.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';

/** The list queries must be index range scans, not scans of every job, on a realistically sized table. */
let test: TestDatabase;
const USER = '7d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a';
let busyJob: string;

beforeAll(async () => {
  test = await freshDatabase();
  // 40 users × 100 jobs, created over time; one job with 2,000 tasks.
  await test.db.query({
    text: `INSERT INTO jobs (user_id, job_type, created_at)
           SELECT CASE WHEN u = 0 THEN $1::uuid ELSE gen_random_uuid() END, 'echo', now() - (n || ' minutes')::interval
             FROM generate_series(0, 39) u, generate_series(1, 100) n`,
    values: [USER],
  });
  const { rows } = await test.db.query<{ id: string }>({
    text: 'SELECT id FROM jobs WHERE user_id = $1::uuid LIMIT 1',
    values: [USER],
  });
  busyJob = rows[0]?.id ?? '';
  await test.db.query({
    text: `INSERT INTO tasks (job_id, created_at) SELECT $1::uuid, now() - (n || ' seconds')::interval FROM generate_series(1, 2000) n`,
    values: [busyJob],
  });
  await test.db.query({ text: 'ANALYZE jobs', values: [] });
  await test.db.query({ text: 'ANALYZE tasks', values: [] });
});
afterAll(() => test.drop());

async function plan(statement: SqlStatement): Promise<string> {
  const { rows } = await test.db.query<{ 'QUERY PLAN': unknown }>({
    text: `EXPLAIN (FORMAT JSON) ${statement.text}`,
    values: statement.values,
  });
  return JSON.stringify(rows[0]?.['QUERY PLAN']);
}

describe('list query plans', () => {
  it("GET /jobs reads the caller's newest jobs through idx_jobs_user_created_id, first page and later pages", async () => {
    const first = await plan(selectJobs({ userId: USER, limit: 21 }));
    const later = await plan(
      selectJobs({
        userId: USER,
        limit: 21,
        after: { createdMicros: String(Date.now() * 1000), id: busyJob },
      }),
    );
    for (const text of [first, later]) {
      expect(text).toContain('"Index Name":"idx_jobs_user_created_id"');
      expect(text).not.toContain('"Node Type":"Seq Scan"');
      expect(text).not.toContain('"Node Type":"Sort"');
    }
  });

  it("GET /jobs/{id}/tasks reads one job's newest tasks through idx_tasks_job_created_id", async () => {
    const text = await plan(selectJobTasks({ userId: USER, jobId: busyJob, limit: 21 }));
    expect(text).toContain('"Index Name":"idx_tasks_job_created_id"');
    expect(text).not.toContain('"Node Type":"Seq Scan"');
  });
});
