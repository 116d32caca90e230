import '../local/quiet-sdk-warning.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { createPgDatabase } from '../lambdas/db/pg-adapter.js';
import type { Database } from '../lambdas/db/port.js';
import { claim } from '../lambdas/domain/execution.js';
import { createJob } from '../lambdas/domain/job-writes.js';
import { runJobNow } from '../lambdas/domain/tasks.js';
import { createLogger } from '../lambdas/logger.js';
import { migrate } from '../lambdas/migrator/migrator.js';
import { createDatabase, dropDatabase } from '../lambdas/sql/admin.js';
import { runTask } from '../lambdas/worker/run-task.js';
import { startEmbeddedPostgres } from '../local/embedded-postgres.js';
import { MIGRATIONS_DIR } from '../local/paths.js';

/**
 * Task lifecycle — enqueue one at a time, then N workers claim → run → complete — for this service and for
 * pg-boss, on the same PostgreSQL in the same run. Prints tasks/s, the ratio, and SQL statements per task.
 * Usage: npm run bench [-- TASKS WORKERS BATCH]   (defaults 2000 8 10; DATABASE_URL or an embedded PostgreSQL)
 */
const [TASKS = 2000, WORKERS = 8, BATCH = 10] = process.argv.slice(2).map(Number);
const USER = '0b7e3f2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b';
const JOBS = 100;

interface Phase {
  seconds: number;
  statements: number;
}
interface Result {
  enqueue: Phase;
  process: Phase;
}

/** Counts every statement through the port, transactions included. */
function counting(db: Database) {
  const counter = { statements: 0 };
  const wrapped: Database = {
    query: (statement) => {
      counter.statements += 1;
      return db.query(statement);
    },
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: (statement) => {
            counter.statements += 1;
            return tx.query(statement);
          },
        }),
      ),
    close: () => db.close(),
  };
  return { db: wrapped, counter };
}

async function timed(counter: { statements: number }, work: () => Promise<void>): Promise<Phase> {
  const before = counter.statements;
  const started = performance.now();
  await work();
  return { seconds: (performance.now() - started) / 1000, statements: counter.statements - before };
}

/** Runs `work` for 0..count-1 with `concurrency` parallel lanes. */
async function lanes(count: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

async function benchService(url: string): Promise<Result> {
  const raw = createPgDatabase({ connectionString: url, maxConnections: WORKERS + 2 });
  await migrate(raw, { direction: 'up', migrationsDir: MIGRATIONS_DIR });
  const { db, counter } = counting(raw);
  const jobIds: string[] = [];
  for (let i = 0; i < JOBS; i += 1) {
    const spec = {
      job_type: 'echo',
      payload: { prompt: `bench ${i}` },
      schedule_interval: { type: 'manual' as const },
      max_retries: 3,
      priority: 50,
      timeout_seconds: 300,
    };
    jobIds.push((await createJob(raw, USER, spec)).job.id);
  }
  const enqueue = await timed(counter, () =>
    lanes(TASKS, WORKERS, async (i) => void (await runJobNow(db, USER, jobIds[i % JOBS] ?? ''))),
  );
  const log = createLogger({}, 'error');
  const settings = { LEASE_SECONDS: 30, HEARTBEAT_MS: 5_000, RETRY_BASE_DELAY_MS: 1_000 };
  const processPhase = await timed(counter, () =>
    lanes(WORKERS, WORKERS, async (n) => {
      for (;;) {
        const tasks = await claim(db, `bench-${n}`, { limit: BATCH, leaseSeconds: 30 });
        if (tasks.length === 0) return;
        for (const task of tasks) await runTask(db, task, `bench-${n}`, settings, log);
      }
    }),
  );
  const done = await raw.query<{ n: number }>({
    text: `SELECT count(*)::int AS n FROM tasks WHERE status = 'completed'`,
    values: [],
  });
  if (done.rows[0]?.n !== TASKS) throw new Error(`service completed ${done.rows[0]?.n} of ${TASKS}`);
  await raw.close();
  return { enqueue, process: processPhase };
}

async function benchPgBoss(url: string): Promise<Result> {
  const pool = new pg.Pool({ connectionString: url, max: WORKERS + 2 });
  const counter = { statements: 0 };
  const boss = new PgBoss({
    db: {
      executeSql: async (text: string, values: unknown[]) => {
        counter.statements += 1;
        return pool.query(text, values);
      },
    },
    supervise: false,
    schedule: false,
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('bench');
  const enqueue = await timed(counter, () =>
    lanes(TASKS, WORKERS, async (i) => void (await boss.send('bench', { prompt: `bench ${i}` }))),
  );
  let completed = 0;
  const processPhase = await timed(counter, () =>
    lanes(WORKERS, WORKERS, async () => {
      for (;;) {
        const jobs = await boss.fetch<{ prompt: string }>('bench', { batchSize: BATCH });
        if (jobs.length === 0) return;
        for (const job of jobs) await boss.complete('bench', job.id, { result: JSON.stringify(job.data) });
        completed += jobs.length;
      }
    }),
  );
  if (completed !== TASKS) throw new Error(`pg-boss completed ${completed} of ${TASKS}`);
  await boss.stop({ graceful: false, wait: true });
  await pool.end();
  return { enqueue, process: processPhase };
}

async function main() {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), 'bgjobs-bench-'));
    const server = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'pg'),
      port: 54399,
      persistent: false,
    });
    adminUrl = server.url;
    stop = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const admin = createPgDatabase({ connectionString: adminUrl, maxConnections: 1 });
  const urlFor = (name: string) => Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
  try {
    for (const name of ['bench_service', 'bench_pgboss']) {
      await admin.query(dropDatabase(name));
      await admin.query(createDatabase(name));
    }
    const ours = await benchService(urlFor('bench_service'));
    const boss = await benchPgBoss(urlFor('bench_pgboss'));
    const rate = (phase: Phase) => TASKS / phase.seconds;
    const row = (name: string, r: Result) =>
      `${name.padEnd(22)} ${rate(r.enqueue).toFixed(0).padStart(10)} ${rate(r.process).toFixed(0).padStart(12)} ${(r.enqueue.statements / TASKS).toFixed(2).padStart(12)} ${(r.process.statements / TASKS).toFixed(2).padStart(12)}`;
    console.log(
      `task lifecycle: ${TASKS} tasks, ${WORKERS} workers, batch ${BATCH}; node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    );
    console.log(
      `${'queue'.padEnd(22)} ${'enqueue/s'.padStart(10)} ${'process/s'.padStart(12)} ${'stmts/enq'.padStart(12)} ${'stmts/task'.padStart(12)}`,
    );
    console.log(row('background-job-service', ours));
    console.log(row('pg-boss 10.4.2', boss));
    console.log(
      `ratio (service / pg-boss): enqueue ${(rate(ours.enqueue) / rate(boss.enqueue)).toFixed(2)}x, process ${(rate(ours.process) / rate(boss.process)).toFixed(2)}x`,
    );
    for (const name of ['bench_service', 'bench_pgboss']) await admin.query(dropDatabase(name));
  } finally {
    await admin.close();
    await stop();
  }
}

main().catch((error: Error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
