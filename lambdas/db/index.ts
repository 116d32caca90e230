import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { type Config, config } from '../config.js';
import { createLogger } from '../logger.js';
import { putMetric } from '../metrics.js';
import { traced } from '../tracing.js';
import { createDataApiDatabase } from './data-api/adapter.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './data-api/retry.js';
import type { createPgDatabase } from './pg-adapter.js';
import type { Database } from './port.js';

const retryLog = createLogger({ component: 'data-api' });

/**
 * The pg adapter's module, named by a computed specifier: esbuild resolves only literal imports, so no Lambda bundle
 * carries pg (every AWS function runs DB_DRIVER=data-api; pg serves the local stack and the tests, which run the
 * sources, where this resolves beside this file). test/unit/architecture.test.ts checks that no API entry reaches it.
 */
const PG_ADAPTER_MODULE = ['.', 'pg-adapter.js'].join('/');

/** A pg database whose adapter module (and pg) is loaded on its first call, once per process. */
function lazyPgDatabase(connectionString: string): Database {
  let opened: Promise<Database> | undefined;
  const open = () => {
    opened ??= (import(PG_ADAPTER_MODULE) as Promise<{ createPgDatabase: typeof createPgDatabase }>).then(
      (adapter) => adapter.createPgDatabase({ connectionString }),
    );
    return opened;
  };
  return {
    query: async (statement) => (await open()).query(statement),
    transaction: async (work) => (await open()).transaction(work),
    close: async () => {
      if (opened) await (await opened).close();
    },
    // As the pg adapter's (not loaded yet): node-postgres streams any answer size.
    answerLimitBytes: Number.POSITIVE_INFINITY,
  };
}

/** Builds the adapter the configuration names. */
export function openDatabase(settings: Config, options: { retry?: RetryPolicy } = {}): Database {
  if (settings.DB_DRIVER === 'pg') return lazyPgDatabase(settings.DATABASE_URL ?? '');
  return createDataApiDatabase({
    client: createDataApiClient(settings.DATA_API_ENDPOINT),
    resourceArn: settings.CLUSTER_ARN ?? '',
    secretArn: settings.SECRET_ARN ?? '',
    database: settings.DATABASE_NAME,
    retry: options.retry ?? { ...DEFAULT_RETRY_POLICY, budgetMs: settings.DATA_API_RETRY_BUDGET_MS },
    onRetry: ({ error, attempt, delayMs }) => {
      retryLog.warn('Data API call retried', { error: error.name, attempt, delay_ms: delayMs });
      putMetric('DataApiRetry', 1);
      if (error.name === 'DatabaseResumingException') putMetric('DataApiResuming', 1);
    },
  });
}

/**
 * In AWS the SDK finds region and credentials itself. A local endpoint accepts any signature, so when one is
 * configured and no credentials are, placeholder ones are used instead of failing the credential chain.
 * The SDK's own retry is off (`maxAttempts: 1`): it resends 5xx answers and connection resets, after which a write
 * may have committed. The adapter's retry (data-api/retry.ts) resends only what is safe.
 */
export function createDataApiClient(endpoint: string | undefined): RDSDataClient {
  if (!endpoint) return traced(new RDSDataClient({ maxAttempts: 1 }));
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  return new RDSDataClient({
    maxAttempts: 1,
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  });
}

let shared: Database | undefined;

/** One database per process (per Lambda container), created on first use, outside any handler invocation. */
export function database(): Database {
  shared ??= openDatabase(config());
  return shared;
}

/** Closes the shared database; the next `database()` opens a new one from the then-current configuration. */
export async function closeDatabase(): Promise<void> {
  const current = shared;
  shared = undefined;
  await current?.close();
}
