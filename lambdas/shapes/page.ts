import * as z from './zod.js';

/** A list page, the same for every list: its items, and where the next page starts. */

/** Where the next page starts: the last row's (created_at in microseconds, id). */
export interface PagePosition {
  createdMicros: string;
  id: string;
}

export interface Page<T> {
  items: T[];
  next: PagePosition | null;
}

/** What a list route answers (`pageSchema`); `next_cursor` is the opaque form of `Page.next`. */
export interface PageBody<T> {
  items: T[];
  next_cursor: string | null;
}

const NextCursor = z
  .nullable(z.string())
  .check(
    z.describe(
      'Pass as `cursor` for the next page; null at the end. A page may hold fewer than `limit` items.',
    ),
  );

/** The published schema of a page of `item`. */
export const pageSchema = <T extends z.ZodMiniType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: NextCursor });
