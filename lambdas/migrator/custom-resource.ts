import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { OutcomeUnknownError } from '../db/errors.js';
import type { Database } from '../db/port.js';
import type { Logger } from '../logger.js';
import { migrate } from './migrator.js';

/** Stable: the schema is one resource for the stack's whole life; CloudFormation never replaces it. */
export const SCHEMA_RESOURCE_ID = 'bg-jobs-database-schema';

export interface ProviderResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/** CloudFormation caps a custom resource's response at 4 KB: a long first deploy is summarised, not listed. */
const APPLIED_LIMIT = 1024;

export function summarize(applied: string[]): string {
  if (applied.length === 0) return 'none';
  const all = applied.join(',');
  if (all.length <= APPLIED_LIMIT) return all;
  return `${applied.length} migrations, ${applied[0]} … ${applied.at(-1)}`.slice(0, APPLIED_LIMIT);
}

/**
 * The CDK Provider framework's onEvent for the schema. Create and Update migrate up, all-or-nothing. The Update
 * CloudFormation sends during a rollback carries the previous code and migrations, which the database already
 * has: migrating up is then a no-op (deploys are forward-only). Delete never drops data. A failure throws, and
 * the provider reports FAILED with the migration's name and the database's message.
 */
export async function onSchemaEvent(
  event: CloudFormationCustomResourceEvent,
  deps: { db: Database; migrationsDir: string; log: Logger },
): Promise<ProviderResponse> {
  if (event.RequestType === 'Delete') {
    deps.log.info('schema resource deleted; the database keeps its tables');
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  let current = '(before the first migration)';
  try {
    const applied = await migrate(deps.db, {
      direction: 'up',
      migrationsDir: deps.migrationsDir,
      log: (message) => {
        current = /MIGRATION (\S+) \(UP\)/.exec(message)?.[1] ?? current;
      },
    });
    deps.log.info('schema migrated', { request_type: event.RequestType, applied });
    return {
      PhysicalResourceId: SCHEMA_RESOURCE_ID,
      Data: { Applied: summarize(applied), AppliedCount: String(applied.length) },
    };
  } catch (error) {
    // A lost commit answer that the migrations table could not settle: say so rather than claim a rollback.
    const outcome =
      error instanceof OutcomeUnknownError ? 'may or may not have committed' : 'failed and was rolled back';
    throw new Error(`Migration ${current} ${outcome}: ${(error as Error).message}`, { cause: error });
  }
}
