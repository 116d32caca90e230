import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable, SqlStatement } from '../../lambdas/db/port.js';
import { toClaimedTask } from '../../lambdas/domain/execution.js';
import { USER_MAX_QUEUED_DEFAULT } from '../../lambdas/limits.js';
import { claimTasks } from '../../lambdas/sql/claims.js';
import {
  cancelStrandedTasks,
  reapExpiredLeases,
  refreshJobStatuses,
  selectUnsettledJobs,
} from '../../lambdas/sql/execution.js';
import { completeTasks } from '../../lambdas/sql/outcome-batch.js';
import { materializeDueOccurrences } from '../../lambdas/sql/schedules.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob, insertTasks } from '../support/tasks.js';

const USER = '9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b';
const HISTORY = 100_000;
const TOKEN = '00000000-0000-4000-8000-00000000000a';

/**
 * Production tables hold a long history and a small, bursty hot set, and their statistics describe the history:
 * a burst of new tasks stays far below autovacuum's analyze threshold. The statements that run for every task or
 * every scheduler pass must cost the same there as on empty tables. Measured in buffers (what a plan touches),
 * not time, so the check is deterministic: each statement's buffers with 100,000 finished tasks (analyzed before the
 * burst) are compared with the same statement on a database without history.
 */
async function seedHistory(db: Database) {
  await db.query({
    text: `INSERT INTO jobs (id, user_id, status, job_type, created_at)
           SELECT md5('job' || g)::uuid, md5('user' || (g % 100))::uuid, 'completed', 'echo', now() - interval '400 days'
             FROM generate_series(1, $1::int / 2) g`,
    values: [HISTORY],
  });
  await db.query({
    text: `INSERT INTO tasks (job_id, user_id, status, result, attempt, finished_at, created_at, claim_token, version)
           SELECT md5('job' || (g % ($1::int / 2) + 1))::uuid, md5('user' || ((g % ($1::int / 2) + 1) % 100))::uuid,
                  'completed', 'ok', 1, now() - interval '399 days', now() - interval '400 days',
                  md5('claim' || g)::uuid, 3
             FROM generate_series(1, $1::int) g`,
    values: [HISTORY],
  });
  await db.query({ text: 'VACUUM ANALYZE jobs', values: [] });
  await db.query({ text: 'VACUUM ANALYZE tasks', values: [] });
}

/** The burst after the statistics: 10 jobs × 30 due tasks. */
async function burst(db: Database) {
  for (let i = 0; i < 10; i += 1) await insertTasks(db, await insertJob(db, { userId: USER }), 30);
}

type Made = SqlStatement | ((tx: Queryable) => Promise<SqlStatement>);
const claimed = async (tx: Queryable) =>
  (await tx.query(claimTasks('history', 16, 30, TOKEN))).rows.map(toClaimedTask);
const STATEMENTS: Record<string, Made> = {
  reap: reapExpiredLeases(500),
  'settle: stranded tasks': cancelStrandedTasks(500),
  'settle: unsettled jobs': selectUnsettledJobs(500),
  materialise: materializeDueOccurrences(500, USER_MAX_QUEUED_DEFAULT),
  'complete a batch of 16': async (tx) =>
    completeTasks(
      'history',
      (await claimed(tx)).map((t) => ({ id: t.id, version: t.version, result: 'ok' })),
    ),
  'derive the batch’s jobs': async (tx) =>
    refreshJobStatuses([...new Set((await claimed(tx)).map((t) => t.jobId))]),
};

class Rollback extends Error {}

/** Shared buffers the statement's plan touched, run inside a transaction that is rolled back. */
async function buffers(db: Database, made: Made): Promise<number> {
  let touched = 0;
  await db
    .transaction(async (tx) => {
      const statement = typeof made === 'function' ? await made(tx) : made;
      const { rows } = await tx.query<{ 'QUERY PLAN': { Plan: Record<string, number> }[] }>({
        text: `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`,
        values: statement.values,
      });
      const plan = rows[0]?.['QUERY PLAN'][0]?.Plan ?? {};
      touched = (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
      throw new Rollback();
    })
    .catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return touched;
}

describe('hot statements on a table with a long history and stale statistics', () => {
  let empty: TestDatabase;
  let full: TestDatabase;
  beforeAll(async () => {
    [empty, full] = await Promise.all([freshDatabase(), freshDatabase()]);
    await seedHistory(full.db);
    await Promise.all([burst(empty.db), burst(full.db)]);
    // Some tasks running, as in a drain, so that reaping and settling have a hot set to look at.
    await Promise.all([claimed(empty.db), claimed(full.db)]);
  }, 120_000);
  afterAll(async () => {
    await empty.drop();
    await full.drop();
  });

  it.each(Object.keys(STATEMENTS))('%s touches about as many buffers as on empty tables', async (name) => {
    const made = STATEMENTS[name] as Made;
    const withoutHistory = await buffers(empty.db, made);
    const withHistory = await buffers(full.db, made);
    // History makes every index a level deeper (one page on empty tables, root and leaves with history), so each
    // probe or index insertion costs a buffer more: up to about twice the buffers of an empty table for a plan
    // made of probes and insertions. Reading the history itself would cost thousands (100,000 tasks fill ~2,500
    // heap pages, and an index walk over them touches a buffer per row).
    expect(
      withHistory,
      `${name}: ${withHistory} buffers with history, ${withoutHistory} without`,
    ).toBeLessThan(withoutHistory * 2.5 + 64);
  });
});
