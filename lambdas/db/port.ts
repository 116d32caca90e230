/**
 * The whole database access of the service: one tiny port (after pg-boss's `executeSql`).
 * SQL is written once, in PostgreSQL `$1` style, by the pure builders in `lambdas/sql/`.
 * Two adapters implement it: `pg` (local, tests) and the RDS Data API (AWS).
 */

/** A value a statement can carry. JSON goes in as a string with a `::jsonb` cast in the SQL text. */
export type SqlValue = string | number | bigint | boolean | Date | Uint8Array | null;

export type Row = Record<string, unknown>;

/**
 * A statement, typed by the row it returns: `query` answers a `SqlStatement<R>` with `R[]`, so a builder's
 * result shape is declared once, where its SQL is written, and every reader is checked against it.
 */
export interface SqlStatement<R extends Row = Row> {
  readonly text: string;
  readonly values: readonly SqlValue[];
  /**
   * Safe to repeat: sent again after its answer was lost, it changes nothing more and answers as the first send
   * would have (a read, or a write keyed on an id or token the caller chose). Only such statements are resent
   * when the outcome of a call is unknown; see docs/semantics.md, "What is retried".
   */
  readonly idempotent?: true;
  /**
   * Type only, never set: the row this statement returns. A method, so that its parameter is compared both ways: a
   * typed statement passes where any statement is taken, and an untyped one (`sql()`) may be read as any row.
   */
  rowType?(row: R): void;
}

export interface QueryResult<R extends Row = Row> {
  rows: R[];
  /** Rows returned, or rows changed by a DML statement without RETURNING. */
  rowCount: number;
}

export interface Queryable {
  query<R extends Row = Row>(statement: SqlStatement<R>): Promise<QueryResult<R>>;
}

export interface Database extends Queryable {
  /** Runs `work` inside one transaction on one backend session; commits on success, rolls back on throw. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * The largest answer one statement may return, in bytes. A write that returns its rows (a claim) is sized by it:
   * an answer over the limit is refused after the write committed. Unset means the smallest an adapter has (the
   * Data API's 1 MiB, `DATA_API_ANSWER_BYTES`), so a wrapper that does not pass it on errs on the safe side.
   */
  readonly answerLimitBytes?: number;
}

/** The Data API's limit on one statement's answer: "Database response exceeded size limit" above it. */
export const DATA_API_ANSWER_BYTES = 1024 * 1024;

/** Shorthand for a statement from its text and (optional) values, not marked safe to resend; used by tests. */
export function sql(text: string, values: readonly SqlValue[] = []): SqlStatement {
  return { text, values };
}
