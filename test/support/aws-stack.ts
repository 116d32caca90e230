import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AwsStack, type AwsStackOptions, startAwsStack } from '../../local/aws-stack.js';
import { freshDatabase, type TestDatabase } from './database.js';

export interface TestAwsStack {
  stack: AwsStack;
  database: TestDatabase;
  /** Local state of this stack (its token signing keys). */
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * `startAwsStack` (what `npm run start:aws` runs) in-process, on a database of the test file's own that the stack
 * migrates itself; `options` override the defaults here (those of start:aws, with quiet workers).
 */
export async function startTestAwsStack(options: Partial<AwsStackOptions> = {}): Promise<TestAwsStack> {
  const database = await freshDatabase({ empty: true });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bgjobs-aws-'));
  const stack = await startAwsStack({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: database.url,
    embedded: { dataDir: path.join(dataDir, 'unused'), port: 1, persistent: false },
    dataDir,
    maxConcurrency: 2,
    maxReceiveCount: 10,
    visibilityTimeoutSeconds: 960,
    functionTimeoutSeconds: 900,
    batchSize: 5,
    workerEnvironment: { LOG_LEVEL: 'error', METRICS_STDOUT: 'false' },
    log: () => {},
    ...options,
  });
  return {
    stack,
    database,
    dataDir,
    async stop() {
      await stack.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
