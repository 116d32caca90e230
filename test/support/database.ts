import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database } from '../../lambdas/db/port.js';
import { createDatabase, dropDatabase } from '../../lambdas/sql/admin.js';

export interface TestDatabase {
  name: string;
  url: string;
  /** A `pg` connection to it, for arranging and asserting. */
  db: Database;
  drop(): Promise<void>;
}

export function databaseUrl(name: string): string {
  const url = new URL(inject('adminUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A database of this test file's own: a clone of the migrated template, or (`empty: true`) one with no schema.
 * Nothing another file does can be seen in it.
 */
export async function freshDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = createPgDatabase({ connectionString: inject('adminUrl'), maxConnections: 1 });
  try {
    await admin.query(createDatabase(name, options.empty ? 'template0' : inject('templateDatabase')));
  } finally {
    await admin.close();
  }
  const url = databaseUrl(name);
  const db = createPgDatabase({ connectionString: url });
  return {
    name,
    url,
    db,
    async drop() {
      await db.close();
      const cleanup = createPgDatabase({ connectionString: inject('adminUrl'), maxConnections: 1 });
      await cleanup.query(dropDatabase(name)).finally(() => cleanup.close());
    },
  };
}
