import { startEmbeddedPostgres } from '../local/embedded-postgres.js';
import { openService, enqueueOnly } from './service.js';
import { startLocalWorkers } from '../lambdas/worker/local-pool.js';
import { createLogger } from '../lambdas/logger.js';
import type { Database } from '../lambdas/db/port.js';
import pg from 'pg';

const server = await startEmbeddedPostgres({ dataDir: '/tmp/prof/data', port: 54999 } as never);
const admin = new pg.Client({ connectionString: (server as any).url });
await admin.connect();
await admin.query('DROP DATABASE IF EXISTS prof');
await admin.query('CREATE DATABASE prof');
await admin.end();
const url = (server as any).url.replace(/\/[^/]*$/, '/prof');
const raw = await openService(url, 8);
const N = Number(process.argv[2] ?? 10000);
const jobIds = await enqueueOnly(raw, { tasks: N, workers: 8, batch: 10, jobs: 100 } as never);
const stats = new Map<string, { n: number; ms: number }>();
const db: Database = {
  ...raw,
  query: (async (s: any) => {
    const t = performance.now();
    try { return await raw.query(s); } finally {
      const key = String(s.text).replace(/\s+/g, ' ').slice(0, 60);
      const e = stats.get(key) ?? { n: 0, ms: 0 }; e.n++; e.ms += performance.now() - t; stats.set(key, e);
    }
  }) as never,
} as Database;
const settings = { WORKER_CONCURRENCY: 80, LEASE_SECONDS: 30, HEARTBEAT_MS: 5000, RETRY_BASE_DELAY_MS: 1000, POLL_MS: 50, USER_MAX_RUNNING: 0, SCHEDULER_INTERVAL_MS: 1000 };
const t0 = performance.now();
const pool = startLocalWorkers(db, settings as never, createLogger({}, 'error'));
while (pool.outcomes.completed < N) await new Promise((r) => setTimeout(r, 5));
const el = performance.now() - t0;
await pool.stop();
console.log(`${N} tasks in ${el.toFixed(0)} ms = ${(N / el * 1000).toFixed(0)}/s`);
for (const [k, v] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) console.log(v.n, v.ms.toFixed(0), (v.ms / v.n).toFixed(2), k);
await (raw as any).close?.();
await (server as any).stop();
process.exit(0);
