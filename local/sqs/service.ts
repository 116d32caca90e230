import { DEFAULT_SETTINGS, parseSettings, queueAttributes, sameSettings } from './attributes.js';
import { LOCAL_ACCOUNT } from './constants.js';
import {
  batchIdsNotDistinct,
  batchRequestTooLong,
  emptyBatchRequest,
  invalidBatchEntryId,
  invalidParameterValue,
  messageNotInflight,
  missingParameter,
  queueDoesNotExist,
  queueNameExists,
  receiptHandleIsInvalid,
  SqsError,
  tooManyEntries,
} from './errors.js';
import { decodeReceiptHandle, type MessageAttributes, messageSize } from './message.js';
import { Queue } from './queue.js';
import { receiveMessage } from './receive.js';

export { LOCAL_ACCOUNT };

const BATCH_LIMIT_BYTES = 262_144;
// Characters SQS allows in a message (API_SendMessage): #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF.
const DISALLOWED = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

type Input = Record<string, unknown>;

function integerIn(input: Input, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameterValue(
      `Value ${String(value)} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}, if provided.`,
    );
  }
  return value;
}

/** MessageGroupId: 1–128 characters, letters, digits and ASCII punctuation (API_SendMessage). */
function groupId(input: Input): string | undefined {
  const value = input.MessageGroupId;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw invalidParameterValue(
      `Value ${String(value)} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
    );
  }
  return value;
}

function requiredString(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw missingParameter(name);
  return value;
}

function batchEntries(input: Input): Input[] {
  const entries = Array.isArray(input.Entries) ? (input.Entries as Input[]) : [];
  if (entries.length === 0) throw emptyBatchRequest();
  if (entries.length > 10) throw tooManyEntries(entries.length);
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = entry.Id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) throw invalidBatchEntryId();
    if (seen.has(id)) throw batchIdsNotDistinct(id);
    seen.add(id);
  }
  return entries;
}

/** Runs each entry on its own; an SqsError becomes that entry's Failed item, as the batch APIs report them. */
function perEntry<T>(entries: Input[], run: (entry: Input) => T) {
  const Successful: (T & { Id: string })[] = [];
  const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
  for (const entry of entries) {
    const Id = entry.Id as string;
    try {
      Successful.push({ Id, ...run(entry) });
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      Failed.push({ Id, SenderFault: error.status < 500, Code: error.queryCode, Message: error.message });
    }
  }
  return { Successful, Failed };
}

/** The queues of one local endpoint and the SQS operations on them (AWS JSON 1.0 inputs and outputs). */
export class SqsService {
  readonly queues = new Map<string, Queue>();
  private readonly purgedAt = new Map<string, number>();

  constructor(
    private readonly endpoint: () => string,
    readonly region: string,
  ) {}

  private byArn = (arn: string) => [...this.queues.values()].find((queue) => queue.arn === arn);

  queue(input: Input): Queue {
    const url = requiredString(input, 'QueueUrl');
    const name = url.split('/').filter(Boolean).at(-1) ?? '';
    const queue = this.queues.get(name);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  CreateQueue(input: Input) {
    const name = requiredString(input, 'QueueName');
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw invalidParameterValue(
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const settings = parseSettings(
      (input.Attributes ?? {}) as Record<string, string>,
      DEFAULT_SETTINGS,
      this.byArn,
    );
    const existing = this.queues.get(name);
    if (existing) {
      if (!sameSettings(existing.settings, settings)) throw queueNameExists(name);
      return { QueueUrl: existing.url };
    }
    const now = Date.now();
    const url = `${this.endpoint()}/${LOCAL_ACCOUNT}/${name}`;
    const arn = `arn:aws:sqs:${this.region}:${LOCAL_ACCOUNT}:${name}`;
    this.queues.set(name, new Queue(name, url, arn, settings, now, now, this.byArn));
    return { QueueUrl: url };
  }

  GetQueueUrl(input: Input) {
    const queue = this.queues.get(requiredString(input, 'QueueName'));
    if (!queue) throw queueDoesNotExist();
    return { QueueUrl: queue.url };
  }

  ListQueues(input: Input) {
    const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
    return {
      QueueUrls: [...this.queues.values()].filter((q) => q.name.startsWith(prefix)).map((q) => q.url),
    };
  }

  DeleteQueue(input: Input) {
    const queue = this.queue(input);
    queue.close();
    this.queues.delete(queue.name);
    return {};
  }

  GetQueueAttributes(input: Input) {
    const names = Array.isArray(input.AttributeNames) ? (input.AttributeNames as string[]) : [];
    return { Attributes: queueAttributes(this.queue(input), names, Date.now()) };
  }

  SetQueueAttributes(input: Input) {
    const queue = this.queue(input);
    queue.settings = parseSettings(
      (input.Attributes ?? {}) as Record<string, string>,
      queue.settings,
      this.byArn,
    );
    queue.modifiedAt = Date.now();
    return {};
  }

  private sendOne(queue: Queue, entry: Input) {
    const body = entry.MessageBody;
    if (typeof body !== 'string' || body === '') throw missingParameter('MessageBody');
    const attributes = (entry.MessageAttributes ?? {}) as MessageAttributes;
    if (DISALLOWED.test(body)) {
      throw new SqsError(
        'InvalidMessageContents',
        'InvalidMessageContents',
        400,
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
    const size = messageSize(body, attributes);
    if (size > queue.settings.MaximumMessageSize) {
      throw invalidParameterValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${queue.settings.MaximumMessageSize} bytes.`,
      );
    }
    const delay = integerIn(entry, 'DelaySeconds', 0, 900);
    const message = queue.send(body, attributes, delay, Date.now(), groupId(entry));
    return {
      MessageId: message.id,
      MD5OfMessageBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes ? { MD5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
    };
  }

  SendMessage(input: Input) {
    return this.sendOne(this.queue(input), input);
  }

  SendMessageBatch(input: Input) {
    const queue = this.queue(input);
    const entries = batchEntries(input);
    const total = entries.reduce(
      (sum, entry) =>
        sum +
        messageSize(String(entry.MessageBody ?? ''), (entry.MessageAttributes ?? {}) as MessageAttributes),
      0,
    );
    if (total > BATCH_LIMIT_BYTES) throw batchRequestTooLong(total);
    return perEntry(entries, (entry) => this.sendOne(queue, entry));
  }

  ReceiveMessage(input: Input, signal: AbortSignal) {
    const queue = this.queue(input);
    return receiveMessage(queue, input, signal, {
      max: integerIn(input, 'MaxNumberOfMessages', 1, 10) ?? 1,
      waitSeconds: integerIn(input, 'WaitTimeSeconds', 0, 20) ?? queue.settings.ReceiveMessageWaitTimeSeconds,
      visibilityTimeout: integerIn(input, 'VisibilityTimeout', 0, 43_200) ?? queue.settings.VisibilityTimeout,
    });
  }

  private handle(queue: Queue, input: Input) {
    const text = requiredString(input, 'ReceiptHandle');
    const handle = decodeReceiptHandle(text);
    if (!handle || handle.queue !== queue.name) throw receiptHandleIsInvalid(text);
    return handle;
  }

  /** A stale handle (the message was received again since) succeeds without deleting: API_DeleteMessage. */
  private deleteOne(queue: Queue, entry: Input) {
    queue.delete(this.handle(queue, entry), Date.now());
    return {};
  }

  DeleteMessage(input: Input) {
    return this.deleteOne(this.queue(input), input);
  }

  DeleteMessageBatch(input: Input) {
    const queue = this.queue(input);
    return perEntry(batchEntries(input), (entry) => this.deleteOne(queue, entry));
  }

  private changeOne(queue: Queue, entry: Input) {
    const handle = this.handle(queue, entry);
    const seconds = integerIn(entry, 'VisibilityTimeout', 0, 43_200);
    if (seconds === undefined) throw missingParameter('VisibilityTimeout');
    const now = Date.now();
    const message = queue.current(handle);
    if (!message) {
      throw invalidParameterValue(
        `Value ${entry.ReceiptHandle as string} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    if (message.visibleAt <= now) throw messageNotInflight();
    if (now - (message.receivedAt ?? now) + seconds * 1000 > 43_200_000) {
      throw invalidParameterValue(
        `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]`,
      );
    }
    queue.setVisibility(message, seconds, now);
    return {};
  }

  ChangeMessageVisibility(input: Input) {
    return this.changeOne(this.queue(input), input);
  }

  ChangeMessageVisibilityBatch(input: Input) {
    const queue = this.queue(input);
    return perEntry(batchEntries(input), (entry) => this.changeOne(queue, entry));
  }

  /** One purge per queue per 60 seconds (API_PurgeQueue). */
  PurgeQueue(input: Input) {
    const queue = this.queue(input);
    const now = Date.now();
    const last = this.purgedAt.get(queue.name);
    if (last !== undefined && now - last < 60_000) {
      throw new SqsError(
        'PurgeQueueInProgress',
        'AWS.SimpleQueueService.PurgeQueueInProgress',
        403,
        `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
      );
    }
    this.purgedAt.set(queue.name, now);
    queue.purge(now);
    return {};
  }

  close(): void {
    for (const queue of this.queues.values()) queue.close();
  }
}
