import type { Page } from '../shapes/page.js';

/** A row that can end a page: its keyset position (sql/columns.ts selects `created_us` with every list row). */
interface Positioned {
  id: unknown;
  created_us: unknown;
}

/** Turns `limit + 1` fetched rows into a page and the position after it. */
export function toPage<R extends Positioned, T>(rows: R[], limit: number, view: (row: R) => T): Page<T> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  const next =
    rows.length > limit && last ? { createdMicros: String(last.created_us), id: String(last.id) } : null;
  return { items: pageRows.map(view), next };
}

/**
 * Fetches a page of `limit` items, asking for fewer when the database cannot return that many at once (the Data
 * API's 1 MiB response limit, reached by pages of large payloads or results). Keyset pagination makes a shorter
 * page valid: its cursor continues exactly where it stops.
 */
export async function fetchPage<R extends Positioned, T>(
  limit: number,
  fetch: (rowsWanted: number) => Promise<R[]>,
  view: (row: R) => T,
  isTooLarge: (error: unknown) => boolean,
): Promise<Page<T>> {
  for (let size = limit; ; size = Math.ceil(size / 2)) {
    try {
      return toPage(await fetch(size + 1), size, view);
    } catch (error) {
      if (!isTooLarge(error) || size === 1) throw error;
    }
  }
}
