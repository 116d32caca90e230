import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import { claim } from '../../lambdas/domain/execution.js';
import { renewLease } from '../../lambdas/sql/execution.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob, insertTasks } from '../support/tasks.js';

const USER = '0f1a2b3c-4d5e-4f6a-8b7c-8d9e0f1a2b3c';

/**
 * A lease renewal (every heartbeat of every running task) changes no indexed column (migration 010), so it is a
 * heap-only (HOT) update: one tuple on the same page instead of a new entry in each of the table's indexes.
 */
describe('write amplification', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await freshDatabase();
  });
  afterAll(() => test.drop());

  it('renewing a lease is a heap-only update, again and again', async () => {
    const jobId = await insertJob(test.db, { userId: USER });
    await insertTasks(test.db, jobId, 16);
    const tasks = await claim(test.db, 'renewer', { limit: 16, leaseSeconds: 30 });
    expect(tasks).toHaveLength(16);
    // One session, each renewal its own transaction, as a worker sends them; the statistics flushed after each round.
    const session = createPgDatabase({ connectionString: test.url, maxConnections: 1 });
    const counters = async () => {
      await session.query({ text: 'SELECT pg_stat_force_next_flush()', values: [] });
      await session.query({ text: 'SELECT pg_stat_clear_snapshot()', values: [] });
      const { rows } = await session.query<{ updated: number; hot: number }>({
        text: `SELECT n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables
                WHERE relid = 'tasks'::regclass`,
        values: [],
      });
      return rows[0] ?? { updated: 0, hot: 0 };
    };
    const rounds: { updated: number; hot: number }[] = [];
    try {
      for (let round = 0; round < 3; round += 1) {
        const before = await counters();
        for (const task of tasks) {
          const { rows } = await session.query(renewLease(task.id, 'renewer', task.version, 30));
          expect(rows[0]?.extended).toBe(true);
        }
        const after = await counters();
        rounds.push({ updated: after.updated - before.updated, hot: after.hot - before.hot });
      }
    } finally {
      await session.close();
    }
    expect(rounds.map((round) => round.updated)).toEqual([16, 16, 16]);
    // HOT also needs room on the page and the old versions pruned, which another session's snapshot can delay
    // when test files run in parallel: most renewals are heap-only, never none (with idx_tasks_lease: none is).
    expect(rounds.reduce((sum, round) => sum + round.hot, 0)).toBeGreaterThanOrEqual(16);
  });

  it('no index of tasks covers a column a renewal writes (lease_expires_at, updated_at), in key or predicate', async () => {
    const { rows } = await test.db.query<{ name: string }>({
      text: `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
              WHERE i.indrelid = 'tasks'::regclass
                AND (pg_get_indexdef(i.indexrelid) ~ '(lease_expires_at|updated_at)'
                     OR coalesce(pg_get_expr(i.indpred, i.indrelid), '') ~ '(lease_expires_at|updated_at)')`,
      values: [],
    });
    expect(rows).toEqual([]);
  });

  it('the tasks table keeps room on its pages for such updates', async () => {
    const { rows } = await test.db.query<{ options: string[] | null }>({
      text: `SELECT reloptions AS options FROM pg_class WHERE oid = 'tasks'::regclass`,
      values: [],
    });
    expect(rows[0]?.options).toContain('fillfactor=90');
  });
});
