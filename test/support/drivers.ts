import { createDataApiDatabase } from '../../lambdas/db/data-api/adapter.js';
import { createDataApiClient } from '../../lambdas/db/index.js';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import type { Database } from '../../lambdas/db/port.js';
import { LOCAL_CLUSTER_ARN, LOCAL_SECRET_ARN } from '../../local/data-api/local-arns.js';
import { type LocalDataApi, startLocalDataApi } from '../../local/data-api/server.js';
import type { TestDatabase } from './database.js';

export const DRIVERS = ['pg', 'data-api'] as const;
export type Driver = (typeof DRIVERS)[number];

export {
  LOCAL_CLUSTER_ARN as CLUSTER_ARN,
  LOCAL_SECRET_ARN as SECRET_ARN,
} from '../../local/data-api/local-arns.js';

export interface DriverConnection {
  db: Database;
  /** The local Data API endpoint, for the data-api driver. */
  endpoint?: LocalDataApi;
  close(): Promise<void>;
}

/** Opens the test database through one adapter: `pg` directly, or the AWS SDK → local Data API → PostgreSQL. */
export async function connect(driver: Driver, test: TestDatabase): Promise<DriverConnection> {
  if (driver === 'pg') {
    const db = createPgDatabase({ connectionString: test.url });
    return { db, close: () => db.close() };
  }
  const endpoint = await startLocalDataApi({ databaseUrl: test.url });
  const db = createDataApiDatabase({
    client: createDataApiClient(endpoint.endpoint),
    resourceArn: LOCAL_CLUSTER_ARN,
    secretArn: LOCAL_SECRET_ARN,
    database: test.name,
    retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 20, budgetMs: 2_000 },
  });
  return {
    db,
    endpoint,
    async close() {
      await db.close();
      await endpoint.close();
    },
  };
}
