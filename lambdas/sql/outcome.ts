import type { Row } from '../db/port.js';

/**
 * The answer of a statement that first finds its target and then may refuse to act on it, as one row:
 * - no row: the target does not exist (for this caller);
 * - a row whose `id` is null: the target exists but the statement refused; the row's other columns say why;
 * - otherwise the row is the result.
 * A builder declares its row as `Guarded<Result, Refusal>`; readers go through `settle`, which the compiler
 * makes them: a refusal lacks the result's columns, so no view function accepts a guarded row unsettled.
 */
export type Guarded<R extends Row, Refusal extends Row> = R | (Refusal & { id: null });

export type Settled<R, Refusal> =
  | { found: false }
  | { found: true; refused: Refusal; row?: never }
  | { found: true; refused?: never; row: R };

export function settle<R extends Row, Refusal extends Row>(
  rows: readonly Guarded<R, Refusal>[],
): Settled<R, Refusal> {
  const row = rows[0];
  if (!row) return { found: false };
  if (row.id === null) return { found: true, refused: row as Refusal };
  return { found: true, row: row as R };
}

/**
 * A page read through its parent, guarded the same way: no row, the parent does not exist; one row whose `id` is
 * null, the parent exists and the page is empty; otherwise the rows are the page.
 */
export function settlePage<R extends Row>(
  rows: readonly Guarded<R, Record<never, never>>[],
): { found: false } | { found: true; rows: R[] } {
  if (rows.length === 0) return { found: false };
  return { found: true, rows: rows.filter((row): row is R => row.id !== null) };
}
