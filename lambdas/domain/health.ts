import { DatabaseError, SqlState } from '../db/errors.js';
import type { Database } from '../db/port.js';
import { healthProbe, wakeProbe } from '../sql/health.js';

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
    const row = (await db.query(healthProbe())).rows[0];
    const applied = row?.applied ?? [];
    return {
      status: 'ok',
      database: { reachable: true, name: row?.database, latency_ms: elapsed() },
      migrations: { applied, latest: applied.at(-1) ?? null },
    };
  } catch (error) {
    const unmigrated = error instanceof DatabaseError && error.sqlState === SqlState.undefinedTable;
    return {
      status: 'unavailable',
      // Never the driver's message: it can carry host and user names.
      database: {
        reachable: unmigrated,
        latency_ms: elapsed(),
        error: unmigrated ? 'schema not migrated' : 'no answer',
      },
      migrations: { applied: [], latest: null },
    };
  }
}

/** Makes the database resume if it paused (the Data API call waits out the resume, retrying). */
export async function wakeDatabase(db: Database): Promise<void> {
  await db.query(wakeProbe());
}
