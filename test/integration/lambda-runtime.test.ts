import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalFunction } from '../../local/lambda/runtime.js';
import { type SqsEventSource, startSqsEventSource } from '../../local/lambda/sqs-event-source.js';
import { type LocalSqs, startLocalSqs } from '../../local/sqs/server.js';

/** The local Lambda runtime and SQS event source mapping, with a scripted test handler in real child processes. */
const HANDLER = 'test/support/lambda-handlers/scripted.ts';
interface Seen {
  body: string;
  count: number;
  pid: number;
  phase: 'start' | 'end';
  at: number;
  start?: number;
  env?: { sqs?: string };
}

let sqs: LocalSqs;
let client: SQSClient;
let dir: string;
let queues = 0;
const running: { fn: LocalFunction; source: SqsEventSource }[] = [];

beforeAll(async () => {
  sqs = await startLocalSqs();
  client = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'bgjobs-lambda-'));
});
afterEach(async () => {
  for (const { fn, source } of running.splice(0)) {
    const polling = source.stop();
    await fn.stop();
    await polling;
  }
});
afterAll(async () => {
  client.destroy();
  await sqs.close();
  await rm(dir, { recursive: true, force: true });
});

async function setUp(options: {
  maxConcurrency?: number;
  batchSize?: number;
  timeoutSeconds?: number;
  maxReceiveCount?: number;
  visibilityTimeout?: number;
}) {
  const name = `fn${++queues}`;
  const recordFile = path.join(dir, `${name}.jsonl`);
  await writeFile(recordFile, '');
  const dlq = (await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl as string;
  const dlqArn = (
    await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeout ?? 3),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.maxReceiveCount ?? 10,
        }),
      },
    }),
  );
  const fn = new LocalFunction({
    name,
    handlerPath: HANDLER,
    timeoutSeconds: options.timeoutSeconds ?? 30,
    environment: { RECORD_FILE: recordFile, AWS_ENDPOINT_URL_SQS: sqs.endpoint },
  });
  const source = await startSqsEventSource({
    queueUrl: QueueUrl as string,
    sqsEndpoint: sqs.endpoint,
    region: 'us-east-1',
    fn,
    batchSize: options.batchSize ?? 10,
    maxConcurrency: options.maxConcurrency ?? 1,
    reportBatchItemFailures: true,
  });
  running.push({ fn, source });
  const seen = async () =>
    (await readFile(recordFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Seen);
  const send = (bodies: string[]) =>
    client.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: bodies.map((MessageBody, index) => ({ Id: String(index), MessageBody })),
      }),
    );
  const depth = async (url = QueueUrl as string) => {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  };
  return { fn, source, seen, send, depth, dlq };
}

async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ended = (seen: Seen[], body: string) =>
  seen.filter((s) => s.body === body && s.phase === 'end').map((s) => s.count);

describe('local Lambda runtime with the SQS event source mapping', () => {
  it('deletes the successes of a partial batch response; the failed item comes back with ApproximateReceiveCount 2', async () => {
    const { seen, send, depth } = await setUp({});
    await send(['ok', 'fail-once']);
    await eventually(async () => (await depth()) === 0 && ended(await seen(), 'fail-once').length === 2);
    const all = await seen();
    expect(ended(all, 'ok')).toEqual([1]);
    expect(ended(all, 'fail-once')).toEqual([1, 2]);
    // The container got the local endpoint through the SDK's service-specific endpoint variable.
    expect(all[0]?.env?.sqs).toBe(sqs.endpoint);
  });

  it('an itemIdentifier that is not in the batch fails the whole batch', async () => {
    const { seen, send, depth } = await setUp({});
    await send(['ok', 'bogus-once']);
    await eventually(async () => (await depth()) === 0 && ended(await seen(), 'bogus-once').length === 2);
    expect(ended(await seen(), 'ok')).toEqual([1, 2]);
  });

  it('a container killed mid-task fails its invocation: the whole batch is redelivered after the visibility timeout', async () => {
    const { fn, seen, send, depth } = await setUp({});
    await send(['ok', 'hang-once']);
    const started = await eventually(async () =>
      (await seen()).find((s) => s.body === 'hang-once' && s.phase === 'start'),
    );
    const [container] = fn.containers();
    expect(container?.pid).toBe(started.pid);
    container?.kill('SIGKILL');
    await eventually(async () => (await depth()) === 0 && ended(await seen(), 'hang-once').length === 1);
    const all = await seen();
    expect(ended(all, 'ok')).toEqual([1, 2]);
    expect(ended(all, 'hang-once')).toEqual([2]);
    // A new container ran the retry; the killed one is gone.
    expect(all.filter((s) => s.count === 2).every((s) => s.pid !== started.pid)).toBe(true);
    expect(fn.containers().map((c) => c.pid)).not.toContain(started.pid);
  });

  it('an invocation past the function timeout is killed and its batch redelivered', async () => {
    const { fn, seen, send, depth } = await setUp({ timeoutSeconds: 2 });
    await send(['hang-once']);
    const started = await eventually(async () => (await seen()).find((s) => s.phase === 'start'));
    await eventually(async () => (await depth()) === 0 && ended(await seen(), 'hang-once').length === 1);
    expect(ended(await seen(), 'hang-once')).toEqual([2]);
    expect(fn.containers().map((c) => c.pid)).not.toContain(started.pid);
  });

  it('moves a poison message to the dead-letter queue after maxReceiveCount receives', async () => {
    const { seen, send, depth, dlq } = await setUp({ maxReceiveCount: 2 });
    await send(['throw']);
    const [dead] = await eventually(async () => {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: dlq, MessageSystemAttributeNames: ['All'] }),
      );
      return Messages?.length ? Messages : undefined;
    });
    expect(dead?.Body).toBe('throw');
    expect((await seen()).filter((s) => s.phase === 'start').map((s) => s.count)).toEqual([1, 2]);
    expect(await depth()).toBe(0);
  });

  it('runs at most maxConcurrency invocations at once, and reuses containers', async () => {
    const { fn, source, seen, send, depth } = await setUp({
      maxConcurrency: 2,
      batchSize: 1,
      visibilityTimeout: 60,
    });
    await send(Array.from({ length: 6 }, () => 'sleep:800'));
    await eventually(
      async () => (await depth()) === 0 && (await seen()).filter((s) => s.phase === 'end').length === 6,
    );
    const spans = (await seen())
      .filter((s) => s.phase === 'end')
      .map((s) => [s.start as number, s.at] as const);
    const overlap = Math.max(
      ...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length),
    );
    expect(overlap).toBe(2);
    expect(source.peakRunning).toBe(2);
    expect(source.invocations).toBe(6);
    expect(new Set((await seen()).map((s) => s.pid)).size).toBe(2);
    expect(fn.containers()).toHaveLength(2);
  });

  it('a module without a handler fails its invocation at init, and the container is discarded', async () => {
    const fn = new LocalFunction({
      name: 'no-handler',
      handlerPath: 'test/support/ports.ts',
      timeoutSeconds: 5,
      environment: {},
    });
    try {
      await expect(fn.invoke({})).rejects.toThrow('exports no handler function');
      expect(fn.containers()).toEqual([]);
    } finally {
      await fn.stop();
    }
  });
});
