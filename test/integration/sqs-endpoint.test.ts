import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { failure, localSqsForTests } from '../support/local-sqs.js';

/** Each documented SQS behaviour of the local endpoint (docs/sqs-endpoint.md), through the real SDK client. */
const { sqsClient, createQueue, counts, receive } = localSqsForTests();

describe('local SQS endpoint: queues', () => {
  it('creates a queue idempotently, finds its URL, and reports its attributes', async () => {
    const url = await createQueue({ VisibilityTimeout: '5', DelaySeconds: '1' });
    const name = url.split('/').at(-1) as string;
    expect(
      await sqsClient().send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: { VisibilityTimeout: '5', DelaySeconds: '1' },
        }),
      ),
    ).toMatchObject({ QueueUrl: url });
    const conflict = await failure(
      sqsClient().send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '6' } })),
    );
    expect(conflict.name).toBe('QueueNameExists');
    expect((await sqsClient().send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(url);
    const { Attributes } = await sqsClient().send(
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
    const error = await failure(sqsClient().send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })));
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
    const sent = await sqsClient().send(
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
      sqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain('DelaySeconds');
  });

  it('delays a message; a long poll returns as soon as it becomes visible', async () => {
    const url = await createQueue();
    await sqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 }));
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
    const output = await sqsClient().send(
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
      (await failure(sqsClient().send(new SendMessageBatchCommand({ QueueUrl: url, Entries: eleven })))).name,
    ).toBe('TooManyEntriesInBatchRequest');
    const big = Array.from({ length: 3 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x'.repeat(100_000) }));
    expect(
      (await failure(sqsClient().send(new SendMessageBatchCommand({ QueueUrl: url, Entries: big })))).name,
    ).toBe('BatchRequestTooLong');
    const same = [
      { Id: 'a', MessageBody: 'x' },
      { Id: 'a', MessageBody: 'y' },
    ];
    expect(
      (await failure(sqsClient().send(new SendMessageBatchCommand({ QueueUrl: url, Entries: same })))).name,
    ).toBe('BatchEntryIdsNotDistinct');
  });
});
