import './quiet-sdk-warning.js';
import path from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../lambdas/settings-issues.js';
import { workerSettings } from '../lambdas/worker/settings.js';
import { DATA_DIR } from './paths.js';
import { runUntilSignal } from './run-until-signal.js';
import { startLocalStack } from './stack.js';

/** `npm start`: the whole service on this machine. Settings come from the environment, checked up front. */
const Settings = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().min(1).optional(),
  DB_DRIVER: z.enum(['pg', 'data-api']).default('pg'),
  DATA_API_ENDPOINT: z.url().optional(),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54320),
  /** Where local state lives (the embedded database, signing keys). */
  LOCAL_DATA_DIR: z.string().min(1).default(DATA_DIR),
});

async function main(): Promise<{ stop(): Promise<void> }> {
  const parsed = Settings.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(describeIssues(parsed.error.issues).join('; '));
  }
  const settings = parsed.data;
  const stack = await startLocalStack({
    port: settings.PORT,
    host: settings.HOST,
    databaseUrl: settings.DATABASE_URL,
    dbDriver: settings.DB_DRIVER,
    dataApiEndpoint: settings.DATA_API_ENDPOINT,
    dataDir: settings.LOCAL_DATA_DIR,
    workers: workerSettings(process.env),
    embedded: {
      dataDir: path.join(settings.LOCAL_DATA_DIR, 'postgres'),
      port: settings.EMBEDDED_POSTGRES_PORT,
      persistent: true,
    },
    log: (message) => console.log(message),
  });
  console.log(`Background Job Service listening on ${stack.url}  (try: curl ${stack.url}/health)`);
  return stack;
}

runUntilSignal('start', main);
