import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { failure, localSqsForTests } from '../support/local-sqs.js';

/** The local SQS endpoint: visibility, receiving, redrive and retention (docs/sqs-endpoint.md), via the real SDK. */
const { sqsClient, endpoint, createQueue, counts, receive } = localSqsForTests();

describe('local SQS endpoint: visibility, receiving, redrive, retention', () => {
  it('hides a received message for its visibility timeout, then redelivers it with a higher receive count', async () => {
    const url = await createQueue({ VisibilityTimeout: '1' });
    await sqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const [first] = await receive(url);
    expect(await receive(url)).toEqual([]);
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    const [second] = await receive(url, { WaitTimeSeconds: 5 });
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    // A stale receipt handle: the delete succeeds but the message is not deleted (API_DeleteMessage).
    await sqsClient().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle }));
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    await sqsClient().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second?.ReceiptHandle }));
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const invalid = await failure(
      sqsClient().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })),
    );
    expect(invalid.name).toBe('ReceiptHandleIsInvalid');
  });

  it('overrides the visibility timeout per receive and changes it while in flight', async () => {
    const url = await createQueue({ VisibilityTimeout: '600' });
    await sqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const [message] = await receive(url, { VisibilityTimeout: 1 });
    // A heartbeat extends it; zero makes it visible at once.
    await sqsClient().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 2,
      }),
    );
    await sqsClient().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const [again] = await receive(url, { VisibilityTimeout: 0 });
    expect(again?.MessageId).toBe(message?.MessageId);
    const notInflight = await failure(
      sqsClient().send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: again?.ReceiptHandle,
          VisibilityTimeout: 5,
        }),
      ),
    );
    expect(notInflight.name).toBe('MessageNotInflight');
    const outOfRange = await failure(
      sqsClient().send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: again?.ReceiptHandle,
          VisibilityTimeout: 43_201,
        }),
      ),
    );
    expect(outOfRange.name).toBe('InvalidParameterValue');
    const [third] = await receive(url);
    const batch = await sqsClient().send(
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
    await sqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const [message] = await receive(url);
    const waiting = receive(url, { WaitTimeSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await sqsClient().send(
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
    await sqsClient().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `${i}` })),
      }),
    );
    expect((await failure(receive(url, { MaxNumberOfMessages: 11 }))).name).toBe('InvalidParameterValue');
    const messages = await receive(url, { MaxNumberOfMessages: 4 });
    expect(messages).toHaveLength(4);
    const deleted = await sqsClient().send(
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
    const { Attributes } = await sqsClient().send(
      new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }),
    );
    const url = await createQueue({
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
    });
    const sent = await sqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
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
    await sqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const queue = endpoint().service.queues.get(url.split('/').at(-1) as string);
    // Retention is at least 60 s; age the message rather than wait a minute.
    for (const message of queue?.messages.values() ?? []) message.expiresAt = Date.now();
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    await sqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'y' }));
    await sqsClient().send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect((await failure(sqsClient().send(new PurgeQueueCommand({ QueueUrl: url })))).name).toBe(
      'PurgeQueueInProgress',
    );
  });

  it('counts calls by operation', async () => {
    endpoint().resetCalls();
    const url = await createQueue();
    await receive(url);
    await receive(url);
    expect(endpoint().calls).toEqual({ CreateQueue: 1, ReceiveMessage: 2 });
  });
});
