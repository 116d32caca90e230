import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPgDatabase } from '../lambdas/db/pg-adapter.js';
import type { Database, SqlStatement } from '../lambdas/db/port.js';
import { createLogger } from '../lambdas/logger.js';
import { migrate } from '../lambdas/migrator/migrator.js';
import { createDatabase, dropDatabase } from '../lambdas/sql/admin.js';
import { startLocalWorkers } from '../lambdas/worker/local-pool.js';
import { workerSettings } from '../lambdas/worker/settings.js';
import { startEmbeddedPostgres } from '../local/embedded-postgres.js';
import { MIGRATIONS_DIR, ROOT_DIR } from '../local/paths.js';
import { freePort } from '../test/support/ports.js';

/**
 * The fair claim against the claim it replaced, in one run on one database: the local pool (4 workers) drains one
 * user's N `echo` tasks with each claim in turn, alternating, R rounds each. The previous claim is read from git
 * (the commit before fair claims), and the pool sends it in place of the current one, with the same arguments.
 *
 * Usage: npm run bench:claim [-- TASKS ROUNDS]   (defaults 10000 3; DATABASE_URL or an embedded PostgreSQL)
 */
const [TASKS = 10_000, ROUNDS = 3] = process.argv.slice(2).map(Number);
const BEFORE = '25996bb';
const USER = '0a0a0a0a-0000-4000-8000-00000000000a';

type ClaimBuilder = (workerId: string, limit: number, lease: number, token: string) => SqlStatement;

async function previousClaim(dir: string): Promise<ClaimBuilder> {
  const source = execFileSync('git', ['show', `${BEFORE}:lambdas/sql/execution.ts`], {
    cwd: ROOT_DIR,
    encoding: 'utf8',
  });
  const file = path.join(dir, 'execution-before.ts');
  await writeFile(file, source);
  return ((await import(pathToFileURL(file).href)) as { claimTasks: ClaimBuilder }).claimTasks;
}

/** The database, with the pool's claim statement swapped for the previous one (same limit, worker, lease, token). */
function withClaim(db: Database, before: ClaimBuilder): Database {
  return {
    ...db,
    query: (statement: SqlStatement) => {
      if (!statement.text.includes('WITH RECURSIVE users AS')) return db.query(statement);
      const [limit, workerId, lease, token] = statement.values as [number, string, number, string];
      return db.query(before(workerId, limit, lease, token));
    },
  } as Database;
}

async function drain(db: Database, pooled: Database): Promise<number> {
  await db.query({ text: 'DELETE FROM jobs', values: [] });
  const { rows } = await db.query<{ id: string }>({
    text: `INSERT INTO jobs (user_id, job_type) VALUES ($1::uuid, 'echo') RETURNING id`,
    values: [USER],
  });
  await db.query({
    text: `INSERT INTO tasks (job_id, payload) SELECT $1::uuid, jsonb_build_object('n', n) FROM generate_series(1, $2::int) n`,
    values: [rows[0]?.id ?? '', TASKS],
  });
  await db.query({ text: 'VACUUM ANALYZE tasks', values: [] });
  const started = performance.now();
  const pool = startLocalWorkers(
    pooled,
    { ...workerSettings({}), WORKER_CONCURRENCY: 4, SCHEDULER_INTERVAL_MS: 600_000 },
    createLogger({}, 'error'),
  );
  while (pool.outcomes.completed < TASKS) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  await pool.stop();
  return TASKS / seconds;
}

async function main() {
  let adminUrl = process.env.DATABASE_URL;
  const dir = await mkdtemp(path.join(tmpdir(), 'bgjobs-bench-claim-'));
  let stop = async () => {};
  if (!adminUrl) {
    const server = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'pg'),
      port: await freePort(),
      persistent: false,
    });
    adminUrl = server.url;
    stop = () => server.stop();
  }
  const admin = createPgDatabase({ connectionString: adminUrl, maxConnections: 1 });
  const url = Object.assign(new URL(adminUrl), { pathname: '/bench_claim' }).toString();
  try {
    await admin.query(dropDatabase('bench_claim'));
    await admin.query(createDatabase('bench_claim'));
    const db = createPgDatabase({ connectionString: url, maxConnections: 12 });
    await migrate(db, { direction: 'up', migrationsDir: MIGRATIONS_DIR });
    const before = withClaim(db, await previousClaim(dir));
    const rates: Record<'before' | 'fair', number[]> = { before: [], fair: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      rates.before.push(await drain(db, before));
      rates.fair.push(await drain(db, db));
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    console.log(
      `claim: one user's ${TASKS} echo tasks, local pool of 4 workers; node ${process.version}, ${cpus().length} cores`,
    );
    for (const [name, values] of Object.entries(rates))
      console.log(
        `${name.padEnd(8)} ${values.map((v) => v.toFixed(0).padStart(6)).join(' ')}   median ${median(values).toFixed(0)} tasks/s`,
      );
    console.log(`fair / before (medians): ${(median(rates.fair) / median(rates.before)).toFixed(3)}`);
    await db.close();
    await admin.query(dropDatabase('bench_claim'));
  } finally {
    await admin.close();
    await stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`bench:claim: ${error.message}`);
  process.exit(1);
});
