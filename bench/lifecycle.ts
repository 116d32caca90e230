import '../local/quiet-sdk-warning.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { createPgDatabase } from '../lambdas/db/pg-adapter.js';
import { createDatabase, dropDatabase } from '../lambdas/sql/admin.js';
import { startEmbeddedPostgres } from '../local/embedded-postgres.js';
import { freePort } from '../test/support/ports.js';
import { benchGraphileWorker } from './graphile-worker.js';
import { explainHot, seedHistory } from './history.js';
import { benchPgBoss } from './pg-boss.js';
import { benchService, drainOnly, enqueueOnly, openService } from './service.js';
import { type BenchShape, median, type Phase, type Result } from './support.js';

/**
 * Task lifecycle — enqueue one at a time, then drain with each queue's own runner — for this service, pg-boss and
 * graphile-worker, on the same PostgreSQL in the same run, RUNS times (median reported).
 *   npm run bench [-- TASKS WORKERS BATCH] [--runs R] [--jobs J] (defaults 2000 8 10, 3 runs, tasks over 100 jobs)
 *   npm run bench -- --history FINISHED [TASKS WORKERS BATCH]  (drain TASKS (default 20000) due tasks with and
 *                                                               without FINISHED finished tasks in the tables)
 * DATABASE_URL names a server to use; without it an embedded PostgreSQL is started.
 */
const argv = process.argv.slice(2);
const flag = (name: string) => {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(argv[at + 1]);
  argv.splice(at, 2);
  return value;
};
const HISTORY = flag('--history');
const RUNS = flag('--runs') ?? 3;
const JOBS = flag('--jobs') ?? 100;
const [TASKS = HISTORY ? 20_000 : 2000, WORKERS = 8, BATCH = 10] = argv.map(Number);
const shape: BenchShape = { tasks: TASKS, workers: WORKERS, batch: BATCH, jobs: JOBS };

async function withServer(work: (urlFor: (name: string) => Promise<string>) => Promise<void>) {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), 'bgjobs-bench-'));
    const server = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'pg'),
      port: await freePort(),
      persistent: false,
    });
    adminUrl = server.url;
    stop = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const base = adminUrl;
  const admin = createPgDatabase({ connectionString: base, maxConnections: 1 });
  const made: string[] = [];
  const urlFor = async (name: string) => {
    await admin.query(dropDatabase(name));
    await admin.query(createDatabase(name));
    made.push(name);
    return Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  };
  try {
    await work(urlFor);
    for (const name of made) await admin.query(dropDatabase(name));
  } finally {
    await admin.close();
    await stop();
  }
}

const rate = (phase: Phase | undefined) => (phase ? TASKS / phase.seconds : Number.NaN);
const per = (phase: Phase | undefined) => (phase ? phase.statements / TASKS : Number.NaN);
const num = (value: number, digits = 0) => (Number.isNaN(value) ? '—' : value.toFixed(digits));

function printRun(label: string, results: Record<string, Result>) {
  console.log(`\n${label}`);
  console.log(
    `${'queue'.padEnd(24)}${'enqueue/s'.padStart(11)}${'process/s'.padStart(11)}${'batch enq/s'.padStart(13)}${'stmts/enq'.padStart(11)}${'stmts/task'.padStart(12)}`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(24)}${num(rate(r.enqueue)).padStart(11)}${num(rate(r.process)).padStart(11)}${num(rate(r.enqueueBatch)).padStart(13)}${num(per(r.enqueue), 2).padStart(11)}${num(per(r.process), 2).padStart(12)}`,
    );
  }
}

/** One run of each queue, in a fresh database each: the service first, then the peers. */
async function runAll(urlFor: (name: string) => Promise<string>, runShape: BenchShape) {
  const service = await openService(await urlFor('bench_service'), WORKERS);
  const ours = await benchService(service, runShape);
  await service.close();
  const results: Record<string, Result> = { 'background-job-service': ours };
  // BENCH_ONLY=service skips the peers (to profile the service alone).
  if (process.env.BENCH_ONLY !== 'service') {
    results['pg-boss 10.4.2'] = await benchPgBoss(await urlFor('bench_pgboss'), runShape);
    results['graphile-worker 0.17.3'] = await benchGraphileWorker(await urlFor('bench_graphile'), runShape);
  }
  return results;
}

async function lifecycle() {
  const runs: Record<string, Result>[] = [];
  await withServer(async (urlFor) => {
    // A warm-up run of every queue, a quarter of the size and not counted: the first queue to run would otherwise
    // also pay for compiling the code all three share (node-postgres, the JIT) and warming PostgreSQL's caches.
    await runAll(urlFor, { ...shape, tasks: Math.max(100, Math.floor(TASKS / 4)) });
    console.log('\nwarm-up run done (not counted)');
    for (let run = 1; run <= RUNS; run += 1) {
      const results = await runAll(urlFor, shape);
      runs.push(results);
      printRun(`run ${run}`, results);
    }
  });
  const med = (name: string, pick: (r: Result) => Phase | undefined) =>
    median(runs.map((r) => rate(r[name] ? pick(r[name]) : undefined)));
  const names = Object.keys(runs[0] ?? {});
  console.log(`\nmedian of ${runs.length} runs (tasks/s):`);
  for (const name of names) {
    console.log(
      `${name.padEnd(24)} enqueue ${num(med(name, (r) => r.enqueue))}  process ${num(med(name, (r) => r.process))}  batch enqueue ${num(med(name, (r) => r.enqueueBatch))}`,
    );
  }
  const ours = names[0] ?? '';
  for (const peer of names.slice(1)) {
    const ratio = (pick: (r: Result) => Phase | undefined) => (med(ours, pick) / med(peer, pick)).toFixed(2);
    console.log(
      `ratio service / ${peer}: enqueue ${ratio((r) => r.enqueue)}x, process ${ratio((r) => r.process)}x (medians)`,
    );
  }
}

async function history(finished: number) {
  const drains: { empty: number; history: number }[] = [];
  await withServer(async (urlFor) => {
    const full = await openService(await urlFor('bench_history'), WORKERS);
    let started = performance.now();
    await seedHistory(full, finished);
    console.log(
      `seeded ${finished} finished tasks over ${Math.floor(finished / 2)} jobs + ANALYZE in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    for (let run = 1; run <= RUNS; run += 1) {
      const empty = await openService(await urlFor('bench_empty'), WORKERS);
      const emptyDrain = await drainOnly(empty, shape);
      await empty.close();
      started = performance.now();
      const historyDrain = await drainOnly(full, shape);
      drains.push({ empty: emptyDrain.seconds, history: historyDrain.seconds });
      console.log(
        `run ${run}: drain ${TASKS} tasks — empty ${emptyDrain.seconds.toFixed(2)} s (${num(per(emptyDrain), 2)} stmts/task), with history ${historyDrain.seconds.toFixed(2)} s (${num(per(historyDrain), 2)} stmts/task): ${(historyDrain.seconds / emptyDrain.seconds).toFixed(2)}x`,
      );
    }
    // The hot statements in the history state, with a burst of due tasks the statistics do not know about.
    await full.query({ text: `ANALYZE tasks`, values: [] });
    await enqueueOnly(full, shape);
    for (const line of await explainHot(full)) console.log(line);
    await full.close();
  });
  const e = median(drains.map((d) => d.empty));
  const h = median(drains.map((d) => d.history));
  console.log(`median: empty ${e.toFixed(2)} s, history ${h.toFixed(2)} s, ratio ${(h / e).toFixed(2)}x`);
}

console.log(
  `task lifecycle: ${TASKS} tasks (service: over ${JOBS} jobs), ${WORKERS} workers, batch ${BATCH}; node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`,
);
(HISTORY ? history(HISTORY) : lifecycle()).catch((error: Error) => {
  console.error(`bench: ${error.stack ?? error.message}`);
  process.exit(1);
});
