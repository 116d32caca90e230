import { DeleteMessageCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { failure, localSqsForTests } from '../support/local-sqs.js';

/** SQS fair queues as the local endpoint emulates them (docs/sqs-endpoint.md, "Fair queues"), through the SDK. */
const { sqsClient, createQueue, receive } = localSqsForTests();

async function sendMany(QueueUrl: string, group: string | undefined, count: number, label: string) {
  for (let start = 0; start < count; start += 10) {
    await sqsClient().send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: Array.from({ length: Math.min(10, count - start) }, (_, n) => ({
          Id: String(n),
          MessageBody: `${label}-${start + n}`,
          ...(group ? { MessageGroupId: group } : {}),
        })),
      }),
    );
  }
}

describe('local SQS endpoint: fair queues', () => {
  it("a quiet tenant's message is received before a noisy tenant's backlog", async () => {
    const url = await createQueue({ VisibilityTimeout: '30' });
    await sendMany(url, 'tenant-a', 200, 'a');
    // A's consumers are busy: 4 of its messages in flight, two already processed (deleted).
    const first = await receive(url, { MaxNumberOfMessages: 6 });
    expect(first.map((m) => m.Body)).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
    for (const message of first.slice(0, 2))
      await sqsClient().send(
        new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }),
      );
    await sqsClient().send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'b-0', MessageGroupId: 'tenant-b' }),
    );
    const next = await receive(url, { MaxNumberOfMessages: 3 });
    expect(next.map((m) => m.Body)).toEqual(['b-0', 'a-6', 'a-7']);
    expect(next[0]?.Attributes?.MessageGroupId).toBe('tenant-b');
  });

  it('with no group ids, the queue keeps its own order (each message is a tenant of its own)', async () => {
    const url = await createQueue();
    await sendMany(url, undefined, 5, 'x');
    await sendMany(url, undefined, 1, 'y');
    expect((await receive(url, { MaxNumberOfMessages: 10 })).map((m) => m.Body)).toEqual([
      'x-0',
      'x-1',
      'x-2',
      'x-3',
      'x-4',
      'y-0',
    ]);
  });

  it('of two busy tenants, the one with fewer messages in flight goes first', async () => {
    const url = await createQueue({ VisibilityTimeout: '30' });
    await sendMany(url, 'a', 40, 'a');
    await sendMany(url, 'b', 40, 'b');
    // Both in flight, A with 35, B with 5: both exceed 10% of the in-flight messages and A has 30 or more.
    await receive(url, { MaxNumberOfMessages: 10 });
    await receive(url, { MaxNumberOfMessages: 10 });
    await receive(url, { MaxNumberOfMessages: 10 });
    await receive(url, { MaxNumberOfMessages: 5 });
    const next = await receive(url, { MaxNumberOfMessages: 10 });
    expect(next.every((m) => m.Body?.startsWith('b-'))).toBe(true);
  });

  it('refuses a MessageGroupId that is not 1–128 printable ASCII characters', async () => {
    const url = await createQueue();
    const error = await failure(
      sqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'a b' })),
    );
    expect(error.name).toBe('InvalidParameterValue');
  });
});
