import { readdir } from 'node:fs/promises';
import { runner } from 'node-pg-migrate';
import { DatabaseError, OutcomeUnknownError } from '../db/errors.js';
import type { Database, Queryable } from '../db/port.js';
import {
  listAppliedMigrations,
  lockMigrations,
  MIGRATIONS_TABLE,
  migrationsTableExists,
} from '../sql/migrations.js';
import { migrationClient } from './migration-client.js';

export type Direction = 'up' | 'down';

export interface MigrateOptions {
  direction: Direction;
  /** How many migrations to run: all pending for `up` by default, 1 for `down`. */
  count?: number;
  /** Absolute path of the folder holding the `.sql` migrations. */
  migrationsDir: string;
  log?: (message: string) => void;
}

/**
 * Runs node-pg-migrate inside ONE transaction of the given database, whatever its adapter: all-or-nothing, one
 * backend session, and a transaction-scoped advisory lock instead of node-pg-migrate's session lock.
 * Returns the names of the migrations it ran.
 *
 * Lost answers (OutcomeUnknownError): when the commit's answer is lost, the outcome is looked up in the migrations
 * table — the run succeeded if what it ran is recorded (for `down`: no longer is). When a statement's answer inside
 * the run is lost, the commit was never sent, so nothing committed: the whole run, all-or-nothing and skipping what
 * is recorded, is safe to start again, once.
 */
export async function migrate(db: Database, options: MigrateOptions): Promise<string[]> {
  for (let run = 1; ; run += 1) {
    let ran: string[] | undefined;
    try {
      await db.transaction(async (tx) => {
        ran = await runMigrations(tx, options);
      });
      return ran ?? [];
    } catch (error) {
      if (!(error instanceof OutcomeUnknownError)) throw error;
      if (ran !== undefined) {
        if (!(await committed(db, ran, options))) throw error;
        options.log?.(`the commit's answer was lost; the migrations table shows it committed`);
        return ran;
      }
      if (run >= 2) {
        throw new DatabaseError(
          `the run was rolled back (the commit was never sent): ${error.message}`,
          undefined,
          {
            cause: error,
          },
        );
      }
      options.log?.(`a statement's answer was lost before the commit; running the migrations again`);
    }
  }
}

/** Whether the migrations in `ran` are recorded as the run left them; false when that cannot be read. */
async function committed(db: Database, ran: string[], options: MigrateOptions): Promise<boolean> {
  try {
    const { applied } = await migrationStatus(db, options.migrationsDir);
    const names = new Set(applied.map((migration) => migration.name));
    return ran.every((name) => names.has(name) === (options.direction === 'up'));
  } catch {
    return false;
  }
}

async function runMigrations(tx: Queryable, options: MigrateOptions): Promise<string[]> {
  const log = options.log ?? (() => {});
  await tx.query(lockMigrations());
  const ran = await runner({
    dbClient: migrationClient(tx) as never,
    dir: options.migrationsDir,
    migrationsTable: MIGRATIONS_TABLE,
    direction: options.direction,
    count: options.count ?? (options.direction === 'up' ? Number.POSITIVE_INFINITY : 1),
    singleTransaction: true,
    noLock: true,
    checkOrder: true,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  return ran.map((migration) => migration.name);
}

export interface MigrationStatus {
  applied: { name: string; runOn: Date }[];
  pending: string[];
}

/** Migration names in the order node-pg-migrate runs them: by numeric prefix, then by name. */
export async function migrationNames(migrationsDir: string): Promise<string[]> {
  const files = (await readdir(migrationsDir)).filter((file) => file.endsWith('.sql'));
  const prefix = (name: string) => Number.parseInt(/^\d+/.exec(name)?.[0] ?? 'NaN', 10);
  return files
    .map((file) => file.slice(0, -'.sql'.length))
    .sort((a, b) => prefix(a) - prefix(b) || a.localeCompare(b));
}

export async function migrationStatus(db: Database, migrationsDir: string): Promise<MigrationStatus> {
  const [{ rows: exists }, names] = await Promise.all([
    db.query(migrationsTableExists()),
    migrationNames(migrationsDir),
  ]);
  const applied = exists[0]?.exists
    ? (await db.query(listAppliedMigrations())).rows.map((row) => ({
        name: row.name,
        runOn: row.run_on,
      }))
    : [];
  const appliedNames = new Set(applied.map((migration) => migration.name));
  return { applied, pending: names.filter((name) => !appliedNames.has(name)) };
}
