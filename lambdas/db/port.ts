/**
 * The whole database access of the service: one tiny port (after pg-boss's `executeSql`).
 * SQL is written once, in PostgreSQL `$1` style, by the pure builders in `lambdas/sql/`.
 * Two adapters implement it: `pg` (local, tests) and the RDS Data API (AWS).
 */

/** A value a statement can carry. JSON goes in as a string with a `::jsonb` cast in the SQL text. */
export type SqlValue = string | number | bigint | boolean | Date | Uint8Array | null;

export interface SqlStatement {
  readonly text: string;
  readonly values: readonly SqlValue[];
  /**
   * Safe to repeat: sent again after its answer was lost, it changes nothing more and answers as the first send
   * would have (a read, or a write keyed on an id or token the caller chose). Only such statements are resent
   * when the outcome of a call is unknown; see docs/semantics.md, "What is retried".
   */
  readonly idempotent?: true;
}

export type Row = Record<string, unknown>;

export interface QueryResult<R extends Row = Row> {
  rows: R[];
  /** Rows returned, or rows changed by a DML statement without RETURNING. */
  rowCount: number;
}

export interface Queryable {
  query<R extends Row = Row>(statement: SqlStatement): Promise<QueryResult<R>>;
}

export interface Database extends Queryable {
  /** Runs `work` inside one transaction on one backend session; commits on success, rolls back on throw. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Shorthand for a statement from its text and (optional) values, not marked safe to resend; used by tests. */
export function sql(text: string, values: readonly SqlValue[] = []): SqlStatement {
  return { text, values };
}
