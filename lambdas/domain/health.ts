import type { Database } from '../db/port.js';
import { databaseClock } from '../sql/health.js';
import { listAppliedMigrations, migrationsTableExists } from '../sql/migrations.js';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  database: { reachable: boolean; name?: string; latency_ms: number; error?: string };
  migrations: { applied: string[]; latest: string | null };
}

/** Whether the database answers, and which migrations it carries. Never throws: a down database is a report. */
export async function checkHealth(db: Database): Promise<HealthReport> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const [{ rows: clock }, { rows: table }] = await Promise.all([
      db.query<{ database: string }>(databaseClock()),
      db.query<{ exists: boolean }>(migrationsTableExists()),
    ]);
    const applied = table[0]?.exists
      ? (await db.query<{ name: string }>(listAppliedMigrations())).rows.map((row) => row.name)
      : [];
    return {
      status: 'ok',
      database: { reachable: true, name: clock[0]?.database, latency_ms: elapsed() },
      migrations: { applied, latest: applied.at(-1) ?? null },
    };
  } catch (error) {
    return {
      status: 'unavailable',
      // The error class only: driver messages can carry host names and user names.
      database: { reachable: false, latency_ms: elapsed(), error: (error as Error).name },
      migrations: { applied: [], latest: null },
    };
  }
}
