import type { SqlStatement } from '../db/port.js';

/** node-pg-migrate's bookkeeping table. */
export const MIGRATIONS_TABLE = 'pgmigrations';

/**
 * Serialises migration runs across processes and deploys. Transaction-scoped, because the Data API does not keep
 * a session between calls; the value is node-pg-migrate's own lock id so a CLI run and a deploy also exclude each other.
 */
export function lockMigrations(): SqlStatement {
  return { text: 'SELECT pg_advisory_xact_lock(7241865325823964)', values: [] };
}

export function migrationsTableExists(): SqlStatement<{ exists: boolean }> {
  return {
    idempotent: true,
    text: `SELECT to_regclass('public.${MIGRATIONS_TABLE}') IS NOT NULL AS "exists"`,
    values: [],
  };
}

export function listAppliedMigrations(): SqlStatement<{ name: string; run_on: Date }> {
  return {
    idempotent: true,
    text: `SELECT name, run_on AT TIME ZONE 'UTC' AS run_on FROM public.${MIGRATIONS_TABLE} ORDER BY run_on, id`,
    values: [],
  };
}
