import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll } from 'vitest';
import { type LocalSqs, startLocalSqs } from '../../local/sqs/server.js';

/**
 * A local SQS endpoint for one test file (started and stopped around it), with a real SDK client and the small
 * helpers the endpoint's tests share.
 */
export function localSqsForTests() {
  let sqs: LocalSqs | undefined;
  let client: SQSClient | undefined;
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
    client?.destroy();
    await sqs?.close();
  });
  const sqsClient = () => {
    if (!client) throw new Error('the endpoint starts in beforeAll');
    return client;
  };
  const endpoint = () => {
    if (!sqs) throw new Error('the endpoint starts in beforeAll');
    return sqs;
  };
  async function createQueue(attributes: Record<string, string> = {}) {
    const name = `q${++queueCounter}`;
    const { QueueUrl } = await sqsClient().send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    return QueueUrl as string;
  }
  const counts = async (QueueUrl: string) => {
    const { Attributes } = await sqsClient().send(
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
    sqsClient()
      .send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'], ...extra }))
      .then((output) => output.Messages ?? []);
  return { sqsClient, endpoint, createQueue, counts, receive };
}

/** The error a promise fails with, or an Error saying it did not fail. */
export const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => new Error('expected a failure'),
    (e: Error) => e,
  );
