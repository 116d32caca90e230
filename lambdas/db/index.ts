import { type Config, config } from '../config.js';
import { createPgDatabase } from './pg-adapter.js';
import type { Database } from './port.js';

/** Builds the adapter the configuration names. */
export function createDatabase(settings: Config): Database {
  if (settings.DB_DRIVER === 'pg') {
    return createPgDatabase({ connectionString: settings.DATABASE_URL ?? '' });
  }
  throw new Error(`DB_DRIVER=${settings.DB_DRIVER} is not available yet`);
}

let shared: Database | undefined;

/** One database per process (per Lambda container), created on first use, outside any handler invocation. */
export function database(): Database {
  shared ??= createDatabase(config());
  return shared;
}

/** Closes the shared database; the next `database()` opens a new one from the then-current configuration. */
export async function closeDatabase(): Promise<void> {
  const current = shared;
  shared = undefined;
  await current?.close();
}
