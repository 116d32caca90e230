import type { Queryable, Row, SqlStatement } from './port.js';

/**
 * A transaction is one backend session, which runs one statement at a time: `pg` 9 will refuse overlapping
 * queries on a client and the Data API refuses them on a transaction id. Calls made in parallel are queued.
 */
export function serialized(execute: (statement: SqlStatement) => Promise<{ rows: Row[]; rowCount: number }>) {
  let queue: Promise<unknown> = Promise.resolve();
  const tx: Queryable = {
    query: <R extends Row>(statement: SqlStatement) => {
      const next = queue.then(() => execute(statement)) as Promise<{ rows: R[]; rowCount: number }>;
      queue = next.catch(() => {});
      return next;
    },
  };
  /** Resolves when every queued call has finished. */
  const drained = () => queue;
  return { tx, drained };
}
