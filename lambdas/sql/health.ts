import type { SqlStatement } from '../db/port.js';
import { MIGRATIONS_TABLE } from './migrations.js';

/** One round trip: which database answers, and the migrations it carries (fails with 42P01 if never migrated). */
export function healthProbe(): SqlStatement<{ database: string; applied: string[] }> {
  return {
    idempotent: true,
    text: `SELECT current_database() AS database,
                  (SELECT coalesce(json_agg(name ORDER BY id), '[]'::json) FROM public.${MIGRATIONS_TABLE}) AS applied`,
    values: [],
  };
}

/** The cheapest statement there is: sent only to wake a paused database ahead of due work. */
export function wakeProbe(): SqlStatement {
  return { text: 'SELECT 1 AS awake', values: [], idempotent: true };
}
