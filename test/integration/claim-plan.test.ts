import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable, SqlStatement } from '../../lambdas/db/port.js';
import { claimTasks } from '../../lambdas/sql/claims.js';
import { claimNamedTask } from '../../lambdas/sql/dispatch.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';

/**
 * The claim's plan on a table whose statistics are stale (issue 11, item 3): a long history of finished tasks,
 * analysed, then a burst of new tasks that no ANALYZE has seen. The statistics put the waiting tasks at about one
 * row; a claim the planner could send through idx_tasks_status would walk every waiting task, run the
 * cancelled-job check for each and sort them all. The claim must instead read a few index entries per user.
 */
let test: TestDatabase;
const HISTORY = 100_000;
const BURST = 5_000;
const TOKEN = '00000000-0000-4000-8000-000000000001';

beforeAll(async () => {
  test = await freshDatabase();
  const run = (text: string, values: (string | number)[] = []) => test.db.query({ text, values });
  // Autovacuum would analyse the burst within a minute (migration 011 asks it to): keep the statistics stale.
  await run('ALTER TABLE tasks SET (autovacuum_enabled = false)');
  await run('ALTER TABLE jobs SET (autovacuum_enabled = false)');
  await run(
    `INSERT INTO jobs (user_id, job_type) SELECT gen_random_uuid(), 'echo' FROM generate_series(1, 500)`,
  );
  await run(
    `INSERT INTO tasks (job_id, user_id, status, attempt, started_at, finished_at, run_at)
     SELECT j.id, j.user_id, 'completed', 1, now() - interval '1 day', now() - interval '1 day', now() - interval '1 day'
       FROM jobs j, generate_series(1, $1::int / 500)`,
    [HISTORY],
  );
  await run('ANALYZE jobs');
  await run('ANALYZE tasks');
  await run(
    `INSERT INTO jobs (user_id, job_type) SELECT gen_random_uuid(), 'echo' FROM generate_series(1, 5)`,
  );
  await run(
    `INSERT INTO tasks (job_id, user_id)
     SELECT j.id, j.user_id FROM (SELECT id, user_id FROM jobs ORDER BY created_at DESC, id LIMIT 5) j,
            generate_series(1, $1::int / 5)`,
    [BURST],
  );
  // Four of them running, so the running-count and cap paths have something to count.
  await run(
    `UPDATE tasks SET status = 'processing', attempt = 1, lease_owner = 'x', lease_expires_at = now() + interval '1 hour'
      WHERE id IN (SELECT id FROM tasks WHERE status = 'created' LIMIT 4)`,
  );
}, 300_000);
afterAll(() => test.drop());

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Plan Rows'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

/** EXPLAIN ANALYZE of a write, rolled back. */
async function explain(statement: SqlStatement): Promise<PlanNode> {
  return test.db
    .transaction(async (tx: Queryable) => {
      const { rows } = await tx.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>({
        text: `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`,
        values: statement.values,
      });
      throw Object.assign(new Error('rollback'), { plan: rows[0]?.['QUERY PLAN'][0]?.Plan });
    })
    .catch((error: { plan?: PlanNode }) => {
      if (!error.plan) throw error;
      return error.plan;
    });
}

describe('the claim on stale statistics', () => {
  it('the statistics really are stale: they put the waiting tasks at a handful, where there are thousands', async () => {
    const { rows } = await test.db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>({
      text: `EXPLAIN (FORMAT JSON) SELECT * FROM tasks WHERE status = 'created'`,
      values: [],
    });
    expect(rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows']).toBeLessThan(50);
  });

  for (const cap of [0, 3]) {
    it(`a claim (USER_MAX_RUNNING ${cap}) reads through the per-user index, never idx_tasks_status, and touches few pages`, async () => {
      const plan = await explain(claimTasks('planner', 16, 30, TOKEN, cap));
      const all = nodes(plan);
      const indexes = all.map((node) => node['Index Name']).filter(Boolean);
      expect(indexes).toContain('idx_tasks_user_claim');
      expect(indexes).not.toContain('idx_tasks_status');
      expect(all.some((node) => node['Node Type'] === 'Seq Scan' && (node['Actual Rows'] ?? 0) > 1_000)).toBe(
        false,
      );
      // The old plan walked all 5,000 waiting tasks (about 3 pages each, with the cancelled-job check). This one
      // reads a few index entries per user (6 users here) and the 16 rows it takes.
      const pages = (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
      expect(pages).toBeLessThan(1_500);
      const scanned = all
        .filter((node) => node['Index Name'] === 'idx_tasks_user_claim')
        .reduce((sum, node) => sum + (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1), 0);
      expect(scanned).toBeLessThan(200);
    });
  }

  it("the AWS path's claim of one named task (with the cap) reads that task by its key", async () => {
    const { rows } = await test.db.query<{ id: string }>({
      text: `SELECT id FROM tasks WHERE status = 'created' LIMIT 1`,
      values: [],
    });
    const plan = await explain(claimNamedTask(rows[0]?.id ?? '', 'sqs:m#1', 'sqs:m#%', 30, 3));
    const indexes = nodes(plan).map((node) => node['Index Name']);
    expect(indexes).not.toContain('idx_tasks_status');
    expect(indexes).toContain('tasks_pkey');
  });
});
