import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSqs, startLocalSqs } from '../../local/sqs/server.js';

/** Each documented SQS behaviour of the local endpoint (docs/sqs-endpoint.md), through the real SDK client. */
let sqs: LocalSqs;
let client: SQSClient;
let queueCounter = 0;

beforeAll(async () => {
  sqs = await startLocalSqs();
  client = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  client.destroy();
  await sqs.close();
});

async function createQueue(attributes: Record<string, string> = {}) {
  const name = `q${++queueCounter}`;
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return QueueUrl as string;
}
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => new Error('expected a failure'),
    (e: Error) => e,
  );
const counts = async (QueueUrl: string) => {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes?.ApproximateNumberOfMessagesDelayed),
  };
};
const receive = (
  QueueUrl: string,
  extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {},
) =>
  client
    .send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'], ...extra }))
    .then((output) => output.Messages ?? []);

describe('local SQS endpoint: queues', () => {
  it('creates a queue idempotently, finds its URL, and reports its attributes', async () => {
    const url = await createQueue({ VisibilityTimeout: '5', DelaySeconds: '1' });
    const name = url.split('/').at(-1) as string;
    expect(
      await client.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: { VisibilityTimeout: '5', DelaySeconds: '1' },
        }),
      ),
    ).toMatchObject({ QueueUrl: url });
    const conflict = await failure(
      client.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '6' } })),
    );
    expect(conflict.name).toBe('QueueNameExists');
    expect((await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(url);
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      VisibilityTimeout: '5',
      DelaySeconds: '1',
      MessageRetentionPeriod: '345600',
      ReceiveMessageWaitTimeSeconds: '0',
      ApproximateNumberOfMessages: '0',
    });
  });

  it('names a missing queue with the modelled QueueDoesNotExist error', async () => {
    const error = await failure(client.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })));
    expect(error.name).toBe('QueueDoesNotExist');
    expect((error as Error & { Code?: string }).Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
  });

  it('refuses out-of-range attributes and a redrive target that does not exist', async () => {
    expect((await failure(createQueue({ VisibilityTimeout: '43201' }))).name).toBe('InvalidAttributeValue');
    const redrive = await failure(
      createQueue({
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:none',
          maxReceiveCount: 3,
        }),
      }),
    );
    expect(redrive.name).toBe('InvalidParameterValue');
    expect(redrive.message).toContain('Dead-letter target does not exist');
  });
});

describe('local SQS endpoint: messages', () => {
  it('sends and receives with MD5, attributes and message attributes', async () => {
    const url = await createQueue();
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'hello',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } },
      }),
    );
    // The SDK itself checks MD5OfMessageBody against the body it sent.
    expect(sent.MD5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    const before = Date.now();
    const [message] = await receive(url, { MessageAttributeNames: ['All'] });
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: 'hello',
      MD5OfBody: sent.MD5OfMessageBody,
    });
    expect(message?.MessageAttributes).toEqual({ kind: { DataType: 'String', StringValue: 'greeting' } });
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(Number(message?.Attributes?.SentTimestamp)).toBeLessThanOrEqual(before);
    expect(Number(message?.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(before);
  });

  it('refuses DelaySeconds outside 0–900 with InvalidParameterValue', async () => {
    const url = await createQueue();
    const error = await failure(
      client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain('DelaySeconds');
  });

  it('delays a message; a long poll returns as soon as it becomes visible', async () => {
    const url = await createQueue();
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 }));
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(await receive(url)).toEqual([]);
    const started = Date.now();
    const messages = await receive(url, { WaitTimeSeconds: 10 });
    const waited = Date.now() - started;
    expect(messages.map((m) => m.Body)).toEqual(['later']);
    expect(waited).toBeGreaterThan(500);
    expect(waited).toBeLessThan(3000);
  });

  it('batches: per-entry DelaySeconds, per-entry failures, 10 entries and 256 KiB at most', async () => {
    const url = await createQueue();
    const output = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'now', MessageBody: 'a' },
          { Id: 'later', MessageBody: 'b', DelaySeconds: 900 },
          { Id: 'bad', MessageBody: 'c', DelaySeconds: -1 },
        ],
      }),
    );
    expect(output.Successful?.map((entry) => entry.Id).sort()).toEqual(['later', 'now']);
    expect(output.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'InvalidParameterValue', SenderFault: true }),
    ]);
    expect(await counts(url)).toEqual({ visible: 1, inFlight: 0, delayed: 1 });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' }));
    expect(
      (await failure(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: eleven })))).name,
    ).toBe('TooManyEntriesInBatchRequest');
    const big = Array.from({ length: 3 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x'.repeat(100_000) }));
    expect(
      (await failure(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: big })))).name,
    ).toBe('BatchRequestTooLong');
    const same = [
      { Id: 'a', MessageBody: 'x' },
      { Id: 'a', MessageBody: 'y' },
    ];
    expect(
      (await failure(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: same })))).name,
    ).toBe('BatchEntryIdsNotDistinct');
  });

  it('hides a received message for its visibility timeout, then redelivers it with a higher receive count', async () => {
    const url = await createQueue({ VisibilityTimeout: '1' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const [first] = await receive(url);
    expect(await receive(url)).toEqual([]);
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    const [second] = await receive(url, { WaitTimeSeconds: 5 });
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    // A stale receipt handle: the delete succeeds but the message is not deleted (API_DeleteMessage).
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle }));
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second?.ReceiptHandle }));
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const invalid = await failure(
      client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })),
    );
    expect(invalid.name).toBe('ReceiptHandleIsInvalid');
  });

  it('overrides the visibility timeout per receive and changes it while in flight', async () => {
    const url = await createQueue({ VisibilityTimeout: '600' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const [message] = await receive(url, { VisibilityTimeout: 1 });
    // A heartbeat extends it; zero makes it visible at once.
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 2,
      }),
    );
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const [again] = await receive(url, { VisibilityTimeout: 0 });
    expect(again?.MessageId).toBe(message?.MessageId);
    const notInflight = await failure(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: again?.ReceiptHandle,
          VisibilityTimeout: 5,
        }),
      ),
    );
    expect(notInflight.name).toBe('MessageNotInflight');
    const outOfRange = await failure(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: again?.ReceiptHandle,
          VisibilityTimeout: 43_201,
        }),
      ),
    );
    expect(outOfRange.name).toBe('InvalidParameterValue');
    const [third] = await receive(url);
    const batch = await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'current', ReceiptHandle: third?.ReceiptHandle, VisibilityTimeout: 60 },
          { Id: 'stale', ReceiptHandle: message?.ReceiptHandle, VisibilityTimeout: 60 },
        ],
      }),
    );
    expect(batch.Successful?.map((entry) => entry.Id)).toEqual(['current']);
    expect(batch.Failed?.map((entry) => [entry.Id, entry.Code])).toEqual([
      ['stale', 'InvalidParameterValue'],
    ]);
  });

  it('a visibility change to 0 wakes a waiting long poll at once', async () => {
    const url = await createQueue({ VisibilityTimeout: '600' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const [message] = await receive(url);
    const waiting = receive(url, { WaitTimeSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect((await waiting).map((m) => m.MessageId)).toEqual([message?.MessageId]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('receives at most MaxNumberOfMessages (1–10) and deletes in batches', async () => {
    const url = await createQueue();
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `${i}` })),
      }),
    );
    expect((await failure(receive(url, { MaxNumberOfMessages: 11 }))).name).toBe('InvalidParameterValue');
    const messages = await receive(url, { MaxNumberOfMessages: 4 });
    expect(messages).toHaveLength(4);
    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          ...messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
          { Id: 'bad', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );
    expect(deleted.Successful).toHaveLength(4);
    expect(deleted.Failed?.map((entry) => [entry.Id, entry.Code])).toEqual([
      ['bad', 'ReceiptHandleIsInvalid'],
    ]);
    expect(await counts(url)).toEqual({ visible: 6, inFlight: 0, delayed: 0 });
  });

  it('moves a message to the dead-letter queue once its receive count exceeds maxReceiveCount', async () => {
    const dlq = await createQueue();
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }),
    );
    const url = await createQueue({
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
    });
    const sent = await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    for (const expected of ['1', '2']) {
      const [message] = await receive(url, { VisibilityTimeout: 0 });
      expect(message?.Attributes?.ApproximateReceiveCount).toBe(expected);
    }
    expect(await receive(url)).toEqual([]);
    const [dead] = await receive(dlq);
    expect(dead).toMatchObject({ MessageId: sent.MessageId, Body: 'poison' });
  });

  it('drops messages past the retention period, and purges', async () => {
    const url = await createQueue({ MessageRetentionPeriod: '60' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const queue = sqs.service.queues.get(url.split('/').at(-1) as string);
    // Retention is at least 60 s; age the message rather than wait a minute.
    for (const message of queue?.messages.values() ?? []) message.expiresAt = Date.now();
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'y' }));
    await client.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect((await failure(client.send(new PurgeQueueCommand({ QueueUrl: url })))).name).toBe(
      'PurgeQueueInProgress',
    );
  });

  it('counts calls by operation', async () => {
    sqs.resetCalls();
    const url = await createQueue();
    await receive(url);
    await receive(url);
    expect(sqs.calls).toEqual({ CreateQueue: 1, ReceiveMessage: 2 });
  });
});
