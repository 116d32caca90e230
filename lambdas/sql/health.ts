import type { SqlStatement } from '../db/port.js';

export function databaseClock(): SqlStatement {
  return { text: 'SELECT now() AS now, current_database() AS database', values: [] };
}
