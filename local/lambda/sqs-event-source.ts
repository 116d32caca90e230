import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { LocalFunction } from './runtime.js';

export interface SqsEventSourceOptions {
  queueUrl: string;
  sqsEndpoint: string;
  region: string;
  fn: LocalFunction;
  /** Messages per invocation (1–10 without a batching window). */
  batchSize: number;
  /** ScalingConfig.MaximumConcurrency: at most this many invocations at once. */
  maxConcurrency: number;
  /** FunctionResponseTypes: ['ReportBatchItemFailures']. */
  reportBatchItemFailures: boolean;
  log?: (message: string) => void;
}

export interface SqsEventSource {
  /** Invocations running now, and the most that ever ran at once. */
  readonly running: number;
  readonly peakRunning: number;
  readonly invocations: number;
  /** Stops polling; resolves once the running invocations have ended (stop the function to end them now). */
  stop(): Promise<void>;
}

function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: [],
      binaryListValues: [],
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
    };
  }
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Which records to delete after a successful invocation. Without ReportBatchItemFailures: all. With it, the
 * partial batch response rules of "Handling errors for an SQS event source in Lambda": no response, no list or an
 * empty list is full success; an identifier that is empty, not a string, or not in the batch fails the batch.
 */
export function successfulRecords(records: SQSRecord[], response: unknown, reportBatchItemFailures: boolean) {
  if (!reportBatchItemFailures || response === null || response === undefined) return records;
  if (typeof response !== 'object') return [];
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === null || failures === undefined) return records;
  if (!Array.isArray(failures)) return [];
  const ids = new Set(records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return [];
    failed.add(id);
  }
  return records.filter((record) => !failed.has(record.messageId));
}

/**
 * A Lambda event source mapping for a standard SQS queue: `maxConcurrency` pollers, each long-polling
 * (WaitTimeSeconds 20) for up to `batchSize` messages and invoking the function with them. A poller only
 * receives when it can invoke at once, so no message waits in flight for a free invocation.
 */
export async function startSqsEventSource(options: SqsEventSourceOptions): Promise<SqsEventSource> {
  const client = new SQSClient({
    endpoint: options.sqsEndpoint,
    region: options.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn ?? '';
  const aborted = new AbortController();
  const state = { running: 0, peakRunning: 0, invocations: 0 };

  async function deleteRecords(records: SQSRecord[]) {
    for (let start = 0; start < records.length; start += 10) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: records.slice(start, start + 10).map((record, index) => ({
            Id: String(index),
            ReceiptHandle: record.receiptHandle,
          })),
        }),
      );
    }
  }

  async function poll() {
    while (!aborted.signal.aborted) {
      try {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: 20,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: aborted.signal },
        );
        if (Messages.length === 0) continue;
        const event: SQSEvent = { Records: Messages.map((m) => toRecord(m, queueArn, options.region)) };
        state.running += 1;
        state.invocations += 1;
        state.peakRunning = Math.max(state.peakRunning, state.running);
        let response: unknown;
        try {
          response = await options.fn.invoke(event);
        } catch (error) {
          // The whole batch stays in the queue and comes back after its visibility timeout.
          options.log?.(`${options.fn.options.name} invocation failed: ${(error as Error).message}`);
          continue;
        } finally {
          state.running -= 1;
        }
        await deleteRecords(successfulRecords(event.Records, response, options.reportBatchItemFailures));
      } catch (error) {
        if (aborted.signal.aborted) return;
        options.log?.(`event source mapping: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  const pollers = Array.from({ length: options.maxConcurrency }, () => poll());
  return {
    get running() {
      return state.running;
    },
    get peakRunning() {
      return state.peakRunning;
    },
    get invocations() {
      return state.invocations;
    },
    async stop() {
      aborted.abort();
      await Promise.allSettled(pollers);
      client.destroy();
    },
  };
}
