import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { config, resetConfig } from '../lambdas/config.js';
import { closeDatabase, database } from '../lambdas/db/index.js';
import { createPgDatabase } from '../lambdas/db/pg-adapter.js';
import { resetWebhookKey } from '../lambdas/domain/webhook-secret.js';
import { createLogger } from '../lambdas/logger.js';
import { migrate } from '../lambdas/migrator/migrator.js';
import { createDatabase, databaseExists } from '../lambdas/sql/admin.js';
import { startLocalWorkers, type WorkerPool } from '../lambdas/worker/local-pool.js';
import type { WorkerSettings } from '../lambdas/worker/settings.js';
import { localAuth } from './auth.js';
import { withLocalArns } from './data-api/local-arns.js';
import { type LocalDataApi, startLocalDataApi } from './data-api/server.js';
import {
  type EmbeddedPostgresOptions,
  type RunningPostgres,
  startEmbeddedPostgres,
} from './embedded-postgres.js';
import { MIGRATIONS_DIR } from './paths.js';
import { type LocalServer, startLocalServer } from './server.js';

export interface LocalStackOptions {
  port: number;
  host: string;
  /** An existing database; without it an embedded PostgreSQL is started. */
  databaseUrl?: string;
  /** `data-api`: every query goes AWS SDK → Data API endpoint → PostgreSQL, as in AWS. */
  dbDriver: 'pg' | 'data-api';
  /** With `data-api`: an already running endpoint; without it the local one is started. */
  dataApiEndpoint?: string;
  embedded: EmbeddedPostgresOptions;
  /** Local state (token signing keys). */
  dataDir: string;
  /** The in-process scheduler and workers; none when absent or WORKER_CONCURRENCY is 0. */
  workers?: WorkerSettings;
  log: (message: string) => void;
}

export interface LocalStack {
  url: string;
  databaseUrl: string;
  /** The in-process Data API endpoint, when the stack started one. */
  dataApi?: LocalDataApi;
  workers?: WorkerPool;
  stop(): Promise<void>;
}

const LOCAL_DATABASE = 'bg_jobs';

/** Fails fast, before anything else starts, when the HTTP port is taken. */
async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(error.code === 'EADDRINUSE' ? `port ${port} is already in use (set PORT)` : error.message),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

async function ensureDatabase(postgres: RunningPostgres, name: string): Promise<string> {
  const admin = createPgDatabase({ connectionString: postgres.url, maxConnections: 1 });
  try {
    const { rows } = await admin.query(databaseExists(name));
    if (!rows[0]?.exists) await admin.query(createDatabase(name));
  } finally {
    await admin.close();
  }
  return postgres.urlFor(name);
}

/**
 * The key that encrypts webhook secrets locally (in AWS a Secrets Manager secret): made once into the data
 * folder, beside the token signing key, so that secrets stored before a restart can still be read.
 */
async function localWebhookKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'webhook-secret.key');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const key = randomBytes(32).toString('base64');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, key, { mode: 0o600 });
  return key;
}

/** Database (embedded or given) → migrations → HTTP server; `stop` undoes all of it in reverse. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  await assertPortFree(options.port, options.host);
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    let databaseUrl = options.databaseUrl;
    let dataApi: LocalDataApi | undefined;
    if (!databaseUrl) {
      options.log(
        `starting embedded PostgreSQL on port ${options.embedded.port} (data in ${options.embedded.dataDir})`,
      );
      const postgres = await startEmbeddedPostgres(options.embedded);
      cleanups.push(() => postgres.stop());
      databaseUrl = await ensureDatabase(postgres, LOCAL_DATABASE);
    }
    process.env.DB_DRIVER = options.dbDriver;
    process.env.DATABASE_URL = databaseUrl;
    if (options.dbDriver === 'data-api') {
      let endpoint = options.dataApiEndpoint;
      if (!endpoint) {
        const started = await startLocalDataApi({ databaseUrl });
        cleanups.push(() => started.close());
        endpoint = started.endpoint;
        dataApi = started;
      }
      options.log(`database access through the Data API at ${endpoint}`);
      Object.assign(process.env, withLocalArns({ ...process.env, DATA_API_ENDPOINT: endpoint }), {
        DATABASE_NAME: decodeURIComponent(new URL(databaseUrl).pathname.slice(1)),
      });
    }
    // Unless the key is read from Secrets Manager (the AWS topology, local/aws-stack.ts).
    if (!process.env.WEBHOOK_KEY_SECRET_ARN)
      process.env.WEBHOOK_SECRET_KEY ??= await localWebhookKey(options.dataDir);
    resetConfig();
    resetWebhookKey();
    cleanups.push(() => closeDatabase());
    const applied = await migrate(database(), { direction: 'up', migrationsDir: MIGRATIONS_DIR });
    options.log(
      applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date',
    );

    const auth = await localAuth(options.dataDir);
    const server: LocalServer = await startLocalServer({ port: options.port, host: options.host, auth });
    cleanups.push(() => server.close());
    let workers: WorkerPool | undefined;
    if (options.workers && options.workers.WORKER_CONCURRENCY > 0) {
      const pool = startLocalWorkers(
        database(),
        options.workers,
        createLogger({ component: 'worker' }),
        undefined,
        config().USER_MAX_QUEUED,
      );
      cleanups.push(() => pool.stop());
      workers = pool;
      options.log(`${options.workers.WORKER_CONCURRENCY} in-process workers and the scheduler are running`);
    }
    return { url: server.url, databaseUrl, dataApi, workers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
