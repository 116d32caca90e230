import { fileURLToPath } from 'node:url';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { config } from '../config.js';
import { openDatabase } from '../db/index.js';
import { createLogger } from '../logger.js';
import { onSchemaEvent } from '../migrator/custom-resource.js';

/** Bundled next to this file by the stack (afterBundling copies migrations/ into the asset). */
const migrationsDir = process.env.MIGRATIONS_DIR ?? fileURLToPath(new URL('./migrations/', import.meta.url));
const log = createLogger({ component: 'migrator' });
/** A deploy may find Aurora paused: wait out a resume for up to five minutes, not the API's 45 seconds. */
const db = openDatabase(config(), {
  retry: { maxAttempts: 40, baseDelayMs: 500, maxDelayMs: 15_000, budgetMs: 300_000 },
});

/** CloudFormation custom resource (CDK Provider framework): the database schema, migrated on every deploy. */
export const handler = (event: CloudFormationCustomResourceEvent) =>
  onSchemaEvent(event, { db, migrationsDir, log });
