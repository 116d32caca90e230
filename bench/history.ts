import type { Database, Queryable, SqlStatement } from '../lambdas/db/port.js';
import { toClaimedTask } from '../lambdas/domain/execution.js';
import { USER_MAX_QUEUED_DEFAULT } from '../lambdas/limits.js';
import { claimTasks } from '../lambdas/sql/claims.js';
import {
  cancelStrandedTasks,
  reapExpiredLeases,
  refreshJobStatuses,
  selectUnsettledJobs,
} from '../lambdas/sql/execution.js';
import { completeTasks } from '../lambdas/sql/outcome-batch.js';
import { materializeDueOccurrences } from '../lambdas/sql/schedules.js';

/**
 * Seeds `finishedTasks` finished tasks over finishedTasks / 2 finished jobs (spread over 1,000 users, created over
 * the past year) with set-based INSERT … SELECT, then ANALYZEs: the statistics then describe a table of history
 * only, as in production, where a burst of new tasks stays far below autovacuum's analyze threshold.
 * Foreign-key and fill-in triggers are skipped for the seed (session_replication_role = replica): the rows are
 * made consistent by construction (every task's job exists, user_id set).
 */
export async function seedHistory(db: Database, finishedTasks: number): Promise<void> {
  const jobs = Math.max(1, Math.floor(finishedTasks / 2));
  // Building an index once is far faster than 2M random insertions into it: the secondary indexes are dropped
  // for the load and built again from their own definitions (the primary keys stay, for the foreign key).
  const { rows: indexes } = await db.query<{ name: string; definition: string }>({
    text: `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename IN ('jobs', 'tasks')
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    values: [],
  });
  for (const index of indexes) await db.query({ text: `DROP INDEX "${index.name}"`, values: [] });
  await db.transaction(async (tx) => {
    await tx.query({ text: `SET LOCAL session_replication_role = replica`, values: [] });
    await tx.query({
      text: `INSERT INTO jobs (id, user_id, status, payload, job_type, created_at, updated_at, status_seq)
             SELECT md5('job' || g)::uuid, md5('user' || (g % 1000))::uuid,
                    CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'completed' END, '{"prompt":"history"}'::jsonb, 'echo',
                    now() - interval '367 days' + g * interval '1 second' * (31536000.0 / $1::int), now(), 1
               FROM generate_series(1, $1::int) g`,
      values: [jobs],
    });
    await tx.query({
      text: `INSERT INTO tasks (id, job_id, user_id, status, payload, result, last_error, attempt, run_at, started_at,
                                finished_at, created_at, updated_at, version)
             SELECT md5('task' || g)::uuid, md5('job' || (g % $2::int + 1))::uuid, md5('user' || ((g % $2::int + 1) % 1000))::uuid,
                    CASE WHEN (g % $2::int + 1) % 10 = 0 THEN 'failed' ELSE 'completed' END, '{}'::jsonb,
                    CASE WHEN (g % $2::int + 1) % 10 = 0 THEN NULL ELSE '{"prompt":"history"}' END,
                    CASE WHEN (g % $2::int + 1) % 10 = 0 THEN 'boom' END, 1, ts, ts, ts + interval '1 second', ts, ts, 3
               FROM generate_series(1, $1::int) g,
                    LATERAL (SELECT now() - interval '367 days' + g * interval '1 second' * (31536000.0 / $1::int) AS ts) t`,
      values: [finishedTasks, jobs],
    });
  });
  await db.query({ text: `SET maintenance_work_mem = '512MB'`, values: [] });
  for (const index of indexes) await db.query({ text: index.definition, values: [] });
  await db.query({ text: `VACUUM ANALYZE jobs`, values: [] });
  await db.query({ text: `VACUUM ANALYZE tasks`, values: [] });
}

/** The scheduler's and the workers' statements that could scan history, EXPLAINed in the current state. */
export async function explainHot(db: Database): Promise<string[]> {
  const token = '00000000-0000-4000-8000-000000000000';
  const statements: [string, SqlStatement | ((tx: Queryable) => Promise<SqlStatement>)][] = [
    ['claim 16', claimTasks('explain', 16, 30, token)],
    // After a real claim in the same (rolled back) transaction: recording those 16 successes, deriving their jobs.
    [
      'complete 16 (batch)',
      async (tx) => {
        const { rows } = await tx.query(claimTasks('explain', 16, 30, token));
        const items = rows.map(toClaimedTask).map((t) => ({ id: t.id, version: t.version, result: 'ok' }));
        return completeTasks('explain', items);
      },
    ],
    [
      'derive jobs',
      async (tx) => {
        const { rows } = await tx.query(claimTasks('explain', 16, 30, token));
        return refreshJobStatuses([...new Set(rows.map((row) => String(row.job_id)))]);
      },
    ],
    ['reap', reapExpiredLeases(500)],
    ['settle: stranded', cancelStrandedTasks(500)],
    ['settle: unsettled', selectUnsettledJobs(500)],
    ['materialise', materializeDueOccurrences(500, USER_MAX_QUEUED_DEFAULT)],
  ];
  const lines: string[] = [];
  for (const [name, make] of statements) {
    // Run inside a rolled-back transaction: EXPLAIN ANALYZE executes the write.
    await db
      .transaction(async (tx) => {
        const statement = typeof make === 'function' ? await make(tx) : make;
        const { rows } = await tx.query<{ 'QUERY PLAN': string }>({
          text: `EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${statement.text}`,
          values: statement.values,
        });
        const plan = rows.map((row) => row['QUERY PLAN']);
        const time = plan.find((line) => line.startsWith('Execution Time')) ?? '';
        const buffers = plan.find((line) => line.trim().startsWith('Buffers')) ?? '';
        lines.push(`${name.padEnd(20)} ${time}  (${buffers.trim()})`);
        if (process.env.BENCH_PLANS) lines.push(...plan.map((line) => `    ${line}`));
        throw new Rollback();
      })
      .catch((error) => {
        if (!(error instanceof Rollback)) throw error;
      });
  }
  return lines;
}

class Rollback extends Error {}
