import { createPgDatabase } from '../lambdas/db/pg-adapter.js';
import type { Database } from '../lambdas/db/port.js';
import { createJob } from '../lambdas/domain/job-writes.js';
import { runJobNow } from '../lambdas/domain/tasks.js';
import { createLogger } from '../lambdas/logger.js';
import { migrate } from '../lambdas/migrator/migrator.js';
import { startLocalWorkers } from '../lambdas/worker/local-pool.js';
import { MIGRATIONS_DIR } from '../local/paths.js';
import { type BenchShape, counting, lanes, type Phase, type Result, timed, until } from './support.js';

export const USER = '0b7e3f2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b';

/** A migrated service database, and `prepare` to run before the measured phases (the history seed). */
export async function openService(url: string, workers: number) {
  const raw = createPgDatabase({ connectionString: url, maxConnections: workers + 2 });
  await migrate(raw, { direction: 'up', migrationsDir: MIGRATIONS_DIR });
  return raw;
}

/** Creates the bench's jobs (manual, echo); the tasks are spread over them (100 by default; `--jobs 1`: one hot job). */
async function createJobs(db: Database, jobs: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < jobs; i += 1) {
    const spec = {
      job_type: 'echo',
      payload: { prompt: `bench ${i}` },
      schedule_interval: { type: 'manual' as const },
      max_retries: 3,
      priority: 50,
      timeout_seconds: 300,
    };
    ids.push((await createJob(db, USER, spec)).job.id);
  }
  return ids;
}

/**
 * The service: enqueue through the same domain call as `POST /jobs/{id}/run` (one task per call, spread over JOBS jobs),
 * then the drain by the service's own runner — the local pool `npm start` runs (lambdas/worker/local-pool.ts),
 * with WORKERS × BATCH slots, its scheduler pass included — until every task is completed.
 */
export async function benchService(
  raw: Database,
  { tasks, workers, batch, jobs }: BenchShape,
): Promise<Result> {
  const { db, counter } = counting(raw);
  const jobIds = await createJobs(raw, jobs);
  const enqueue = await timed(counter, () =>
    lanes(tasks, workers, async (i) => void (await runJobNow(db, USER, jobIds[i % jobIds.length] ?? ''))),
  );
  const processPhase = await drain(raw, db, counter, jobIds, tasks, workers * batch);
  return { enqueue, process: processPhase };
}

async function drain(
  raw: Database,
  db: Database,
  counter: { statements: number },
  jobIds: string[],
  tasks: number,
  slots: number,
): Promise<Phase> {
  const settings = {
    WORKER_CONCURRENCY: slots,
    LEASE_SECONDS: 30,
    HEARTBEAT_MS: 5_000,
    RETRY_BASE_DELAY_MS: 1_000,
    POLL_MS: 50,
    USER_MAX_RUNNING: 0,
    SCHEDULER_INTERVAL_MS: 1_000,
  };
  const phase = await timed(counter, async () => {
    const pool = startLocalWorkers(db, settings, createLogger({}, 'error'));
    await until(() => pool.outcomes.completed >= tasks);
    await pool.stop();
  });
  const done = await raw.query<{ n: number }>({
    text: `SELECT count(*)::int AS n FROM tasks
            WHERE status = 'completed' AND job_id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))`,
    values: [JSON.stringify(jobIds)],
  });
  if (done.rows[0]?.n !== tasks) throw new Error(`service completed ${done.rows[0]?.n} of ${tasks}`);
  return phase;
}

/** Enqueues `tasks` due tasks over 100 new jobs (not measured). */
export async function enqueueOnly(raw: Database, { tasks, workers, jobs }: BenchShape): Promise<string[]> {
  const jobIds = await createJobs(raw, jobs);
  await lanes(
    tasks,
    workers,
    // Setup, not measured: 20,000 tasks of one user is past USER_MAX_QUEUED's default (10,000), so no cap here.
    async (i) => void (await runJobNow(raw, USER, jobIds[i % jobIds.length] ?? '', { userMaxQueued: 0 })),
  );
  return jobIds;
}

/** Enqueues `tasks` due tasks (not measured) and drains them: the history mode's measured phase. */
export async function drainOnly(raw: Database, shape: BenchShape): Promise<Phase> {
  const { db, counter } = counting(raw);
  const jobIds = await enqueueOnly(raw, shape);
  return drain(raw, db, counter, jobIds, shape.tasks, shape.workers * shape.batch);
}
