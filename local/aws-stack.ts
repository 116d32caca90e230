import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { workerSettings } from '../lambdas/worker/settings.js';
import type { LocalDataApi } from './data-api/server.js';
import type { EmbeddedPostgresOptions } from './embedded-postgres.js';
import {
  customResourceEvent,
  type DeployInvocation,
  runDeployInvocations,
} from './lambda/deploy-invocations.js';
import { type ContainerHandle, LocalFunction } from './lambda/runtime.js';
import { type SqsEventSource, startSqsEventSource } from './lambda/sqs-event-source.js';
import { ROOT_DIR } from './paths.js';
import { startLocalSecretsManager } from './secrets-manager/server.js';
import { type LocalSqs, startLocalSqs } from './sqs/server.js';
import { startLocalStack } from './stack.js';

export interface AwsStackOptions {
  port: number;
  host: string;
  /** An existing database; without it an embedded PostgreSQL is started. */
  databaseUrl?: string;
  /** An already running Data API endpoint; without it the local one is started. */
  dataApiEndpoint?: string;
  /** An already running SQS endpoint; without it the local one is started. */
  sqsEndpoint?: string;
  embedded: EmbeddedPostgresOptions;
  dataDir: string;
  /** The event source mapping's MaximumConcurrency for the worker. */
  maxConcurrency: number;
  /** The task queue's redrive policy: receives before a message moves to the DLQ. */
  maxReceiveCount: number;
  /** The task queue's visibility timeout; Lambda wants it at least the function timeout. */
  visibilityTimeoutSeconds: number;
  functionTimeoutSeconds: number;
  batchSize: number;
  /** Worker settings passed to the containers (local/worker-environment.ts). */
  workerEnvironment: Record<string, string>;
  /** Deploy-time invocations to run once before the worker starts (default: DEPLOY_INVOCATIONS). */
  deployInvocations?: DeployInvocation[];
  log: (message: string) => void;
}

export interface AwsStack {
  url: string;
  databaseUrl: string;
  /** The SQS endpoint in use; `sqs` is set when this stack started it (with its call counts). */
  sqsEndpoint: string;
  sqs?: LocalSqs;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** The Data API endpoint in use; `dataApi` is set when this stack started it (with its call counts). */
  dataApiEndpoint: string;
  dataApi?: LocalDataApi;
  worker: LocalFunction;
  eventSource: SqsEventSource;
  /** What each deploy-time invocation returned, in order. */
  deployResults: unknown[];
  containers(): ContainerHandle[];
  stop(): Promise<void>;
}

/**
 * Deploy-time invocations, run once at start like CloudFormation custom resources on deploy: each is a Lambda
 * handler invoked in its own container with the event CloudFormation would send. The resync sends the notices the
 * database implies — after a restart, the local queue (kept in memory) starts empty, as a new stack's would.
 */
export const DEPLOY_INVOCATIONS: DeployInvocation[] = [
  { handler: 'resync', event: customResourceEvent('Create', 'TaskQueueResync') },
];

const REGION = 'us-east-1';
const TASK_QUEUE = 'bg-jobs-tasks';

async function createQueues(endpoint: string, options: AwsStackOptions) {
  const client = new SQSClient({
    endpoint,
    region: process.env.AWS_REGION ?? REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const dlq = await client.send(
      new CreateQueueCommand({
        QueueName: `${TASK_QUEUE}-dlq`,
        Attributes: { MessageRetentionPeriod: '1209600' },
      }),
    );
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: TASK_QUEUE,
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: Attributes?.QueueArn,
            maxReceiveCount: options.maxReceiveCount,
          }),
        },
      }),
    );
    return { queueUrl: queue.QueueUrl as string, deadLetterQueueUrl: dlq.QueueUrl as string };
  } finally {
    client.destroy();
  }
}

/** The webhook key secret's value, as the stack's generated secret would hold it; kept in the data folder. */
async function localKeySecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'webhook-key-secret.txt');
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  const value = randomBytes(48).toString('base64url').slice(0, 64);
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, value, { mode: 0o600 });
  return value;
}

/**
 * The service wired as in AWS, on this machine: API handlers behind the local API Gateway emulation, every query
 * through the Data API endpoint, due tasks through SQS to the `worker` Lambda handler in its own containers via an
 * event source mapping. No in-process workers or scheduler.
 */
export async function startAwsStack(options: AwsStackOptions): Promise<AwsStack> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    let sqs: LocalSqs | undefined;
    let sqsEndpoint = options.sqsEndpoint;
    if (!sqsEndpoint) {
      sqs = await startLocalSqs({ region: REGION });
      cleanups.push(() => (sqs as LocalSqs).close());
      sqsEndpoint = sqs.endpoint;
    }
    const queues = await createQueues(sqsEndpoint, options);
    options.log(`task queue ${queues.queueUrl} (dead-letter queue ${queues.deadLetterQueueUrl})`);
    // The API handlers run in this process: they find the queue and the endpoint the way Lambda code does.
    process.env.AWS_REGION ??= REGION;
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    process.env.AWS_ENDPOINT_URL_SQS = sqsEndpoint;
    process.env.QUEUE_URL = queues.queueUrl;
    // The webhook secrets' key, read as in AWS: from a Secrets Manager secret (the local endpoint), by ARN.
    const secretsManager = await startLocalSecretsManager(process.env.AWS_REGION);
    cleanups.push(() => secretsManager.close());
    const webhookKeyArn = secretsManager.put('webhook-key', await localKeySecret(options.dataDir));
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.endpoint;
    process.env.WEBHOOK_KEY_SECRET_ARN = webhookKeyArn;
    delete process.env.WEBHOOK_SECRET_KEY;

    const stack = await startLocalStack({
      port: options.port,
      host: options.host,
      databaseUrl: options.databaseUrl,
      dbDriver: 'data-api',
      dataApiEndpoint: options.dataApiEndpoint,
      embedded: options.embedded,
      dataDir: options.dataDir,
      workers: { ...workerSettings({}), WORKER_CONCURRENCY: 0 },
      log: options.log,
    });
    cleanups.push(() => stack.stop());
    const environment: Record<string, string> = {
      DB_DRIVER: 'data-api',
      DATA_API_ENDPOINT: process.env.DATA_API_ENDPOINT as string,
      CLUSTER_ARN: process.env.CLUSTER_ARN as string,
      SECRET_ARN: process.env.SECRET_ARN as string,
      DATABASE_NAME: process.env.DATABASE_NAME as string,
      QUEUE_URL: queues.queueUrl,
      AWS_REGION: process.env.AWS_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
      WEBHOOK_KEY_SECRET_ARN: webhookKeyArn,
      ...options.workerEnvironment,
    };

    const deployResults = await runDeployInvocations(
      options.deployInvocations ?? DEPLOY_INVOCATIONS,
      environment,
      options.log,
    );

    const worker = new LocalFunction({
      name: 'worker',
      handlerPath: path.join(ROOT_DIR, 'lambdas/handlers/worker.ts'),
      timeoutSeconds: options.functionTimeoutSeconds,
      environment,
    });
    cleanups.push(() => worker.stop());
    const eventSource = await startSqsEventSource({
      queueUrl: queues.queueUrl,
      sqsEndpoint,
      region: process.env.AWS_REGION,
      fn: worker,
      batchSize: options.batchSize,
      maxConcurrency: options.maxConcurrency,
      reportBatchItemFailures: true,
      log: options.log,
    });
    // Killing the containers first ends running invocations, so the pollers can finish at once.
    cleanups.push(async () => {
      const polling = eventSource.stop();
      await worker.stop();
      await polling;
    });
    options.log(
      `worker Lambda: event source mapping on ${TASK_QUEUE}, batch size ${options.batchSize}, maximum concurrency ${options.maxConcurrency}`,
    );
    return {
      url: stack.url,
      databaseUrl: stack.databaseUrl,
      sqsEndpoint,
      sqs,
      ...queues,
      dataApiEndpoint: environment.DATA_API_ENDPOINT as string,
      dataApi: stack.dataApi,
      worker,
      eventSource,
      deployResults,
      containers: () => worker.containers(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
