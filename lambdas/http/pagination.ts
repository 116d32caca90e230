import type { Page, PageBody, PagePosition } from '../shapes/page.js';
import { validationFailed } from './errors.js';

/**
 * The newest position a cursor may name: 9999-12-31T23:59:59.999999Z. A forged one further out would overflow
 * PostgreSQL's bigint or timestamp arithmetic (a 500), and no row is that new.
 */
const MAX_CURSOR_MICROS = 253_402_300_799_999_999n;

/** Opaque cursors: base64url of "created_at microseconds.id". Clients must not build them. */
export function encodeCursor(position: PagePosition | null): string | null {
  return position ? Buffer.from(`${position.createdMicros}.${position.id}`).toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined): PagePosition | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,18})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(text);
  if (!match?.[1] || !match[2] || BigInt(match[1]) > MAX_CURSOR_MICROS)
    throw validationFailed([{ field: 'query.cursor', message: 'not a cursor this API issued' }]);
  return { createdMicros: match[1], id: match[2] };
}

/** A page as a list route answers it (the published `pageSchema`). */
export function pageBody<T>(page: Page<T>): PageBody<T> {
  return { items: page.items, next_cursor: encodeCursor(page.next) };
}
