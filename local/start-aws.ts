import './quiet-sdk-warning.js';
import path from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../lambdas/settings-issues.js';
import { startAwsStack } from './aws-stack.js';
import { DATA_DIR } from './paths.js';
import { runUntilSignal } from './run-until-signal.js';
import { workerEnvironmentFrom } from './worker-environment.js';

/** `npm run start:aws`: the service wired as in AWS (Data API, SQS, worker Lambda containers) on this machine. */
const Settings = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().min(1).optional(),
  DATA_API_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54320),
  LOCAL_DATA_DIR: z.string().min(1).default(DATA_DIR),
  WORKER_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
  SQS_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(10),
  SQS_VISIBILITY_TIMEOUT: z.coerce.number().int().min(0).max(43200).default(960),
  WORKER_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(900).default(900),
});

async function main(): Promise<{ stop(): Promise<void> }> {
  const parsed = Settings.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(describeIssues(parsed.error.issues).join('; '));
  }
  const settings = parsed.data;
  const workerEnvironment = workerEnvironmentFrom(process.env);
  const stack = await startAwsStack({
    port: settings.PORT,
    host: settings.HOST,
    databaseUrl: settings.DATABASE_URL,
    dataApiEndpoint: settings.DATA_API_ENDPOINT,
    sqsEndpoint: settings.SQS_ENDPOINT,
    embedded: {
      dataDir: path.join(settings.LOCAL_DATA_DIR, 'postgres'),
      port: settings.EMBEDDED_POSTGRES_PORT,
      persistent: true,
    },
    dataDir: settings.LOCAL_DATA_DIR,
    maxConcurrency: settings.WORKER_MAX_CONCURRENCY,
    maxReceiveCount: settings.SQS_MAX_RECEIVE_COUNT,
    visibilityTimeoutSeconds: settings.SQS_VISIBILITY_TIMEOUT,
    functionTimeoutSeconds: settings.WORKER_TIMEOUT_SECONDS,
    batchSize: 5,
    workerEnvironment,
    log: (message) => console.log(message),
  });
  console.log(`Data API endpoint: ${stack.dataApiEndpoint}`);
  console.log(`SQS endpoint: ${stack.sqsEndpoint}`);
  console.log(
    `Background Job Service (AWS topology) listening on ${stack.url}  (try: curl ${stack.url}/health)`,
  );
  return stack;
}

runUntilSignal('start:aws', main);
