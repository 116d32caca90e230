import type { Queryable, QueryResult } from '../db/port.js';
import { splitStatements } from '../db/sql-lexer.js';

const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|END)\s*;?\s*$/i;

/**
 * The `dbClient` handed to node-pg-migrate. The caller already holds ONE transaction (`Database.transaction`), so:
 * node-pg-migrate's own BEGIN/COMMIT/ROLLBACK become no-ops (a failure propagates and the outer transaction rolls
 * everything back), and a multi-statement .sql migration is sent one statement at a time, as the Data API requires.
 */
export function migrationClient(tx: Queryable) {
  return {
    async query(text: string): Promise<QueryResult> {
      if (TRANSACTION_CONTROL.test(text)) return { rows: [], rowCount: 0 };
      let last: QueryResult = { rows: [], rowCount: 0 };
      for (const statement of splitStatements(text)) {
        last = await tx.query({ text: statement, values: [] });
      }
      return last;
    },
  };
}
