import type { PagePosition } from '../domain/views.js';
import { validationFailed } from './errors.js';

/** Opaque cursors: base64url of "created_at microseconds.id". Clients must not build them. */
export function encodeCursor(position: PagePosition | null): string | null {
  return position ? Buffer.from(`${position.createdMicros}.${position.id}`).toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined): PagePosition | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(-?\d{1,19})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(text);
  if (!match?.[1] || !match[2])
    throw validationFailed([{ field: 'query.cursor', message: 'not a cursor this API issued' }]);
  return { createdMicros: match[1], id: match[2] };
}
