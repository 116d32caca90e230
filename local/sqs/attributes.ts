import { invalidAttributeName, invalidParameterValue, SqsError } from './errors.js';
import type { Queue, QueueSettings, RedrivePolicy } from './queue.js';

/** CreateQueue's defaults (API_CreateQueue): 30 s visibility, no delay, 4 days' retention, short polling. */
export const DEFAULT_SETTINGS: QueueSettings = {
  VisibilityTimeout: 30,
  DelaySeconds: 0,
  MessageRetentionPeriod: 345_600,
  ReceiveMessageWaitTimeSeconds: 0,
  MaximumMessageSize: 262_144,
};

const RANGES: Record<Exclude<keyof QueueSettings, 'RedrivePolicy'>, [number, number]> = {
  VisibilityTimeout: [0, 43_200],
  DelaySeconds: [0, 900],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  MaximumMessageSize: [1024, 262_144],
};

const invalidAttributeValue = (name: string) =>
  new SqsError(
    'InvalidAttributeValue',
    'InvalidAttributeValue',
    400,
    `Invalid value for the parameter ${name}.`,
  );

function parseRedrivePolicy(text: string, findQueue: (arn: string) => Queue | undefined): RedrivePolicy {
  const reason = (why: string) =>
    invalidParameterValue(`Value ${text} for parameter RedrivePolicy is invalid. Reason: ${why}`);
  let parsed: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw reason('Redrive policy is not a valid JSON map.');
  }
  const maxReceiveCount = Number(parsed.maxReceiveCount);
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
    throw reason('Invalid value for maxReceiveCount: must be an integer from 1 to 1000.');
  }
  if (typeof parsed.deadLetterTargetArn !== 'string' || !findQueue(parsed.deadLetterTargetArn)) {
    throw reason('Dead-letter target does not exist.');
  }
  return { deadLetterTargetArn: parsed.deadLetterTargetArn, maxReceiveCount };
}

/** Queue attributes from CreateQueue / SetQueueAttributes (string values, as the API sends them). */
export function parseSettings(
  attributes: Record<string, string>,
  base: QueueSettings,
  findQueue: (arn: string) => Queue | undefined,
): QueueSettings {
  const settings = { ...base };
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'RedrivePolicy') {
      if (value === '') delete settings.RedrivePolicy;
      else settings.RedrivePolicy = parseRedrivePolicy(value, findQueue);
      continue;
    }
    const range = RANGES[name as keyof typeof RANGES];
    if (!range) {
      if (name === 'Policy' || name === 'SqsManagedSseEnabled' || name.startsWith('Kms')) continue; // accepted, not modelled
      throw invalidAttributeName(name);
    }
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < range[0] || number > range[1]) throw invalidAttributeValue(name);
    settings[name as keyof typeof RANGES] = number;
  }
  return settings;
}

const QUEUE_ATTRIBUTE_NAMES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'VisibilityTimeout',
  'DelaySeconds',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
  'RedrivePolicy',
] as const;

/** GetQueueAttributes: the named attributes (or `All`), values as strings; timestamps in epoch seconds. */
export function queueAttributes(queue: Queue, names: string[], now: number): Record<string, string> {
  for (const name of names) {
    if (name !== 'All' && !(QUEUE_ATTRIBUTE_NAMES as readonly string[]).includes(name)) {
      throw invalidAttributeName(name);
    }
  }
  const wanted = names.includes('All') ? QUEUE_ATTRIBUTE_NAMES : names;
  const counts = queue.counts(now);
  const seconds = (ms: number) => String(Math.floor(ms / 1000));
  const all: Record<string, string | undefined> = {
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: seconds(queue.createdAt),
    LastModifiedTimestamp: seconds(queue.modifiedAt),
    QueueArn: queue.arn,
    VisibilityTimeout: String(queue.settings.VisibilityTimeout),
    DelaySeconds: String(queue.settings.DelaySeconds),
    MessageRetentionPeriod: String(queue.settings.MessageRetentionPeriod),
    ReceiveMessageWaitTimeSeconds: String(queue.settings.ReceiveMessageWaitTimeSeconds),
    MaximumMessageSize: String(queue.settings.MaximumMessageSize),
    RedrivePolicy: queue.settings.RedrivePolicy && JSON.stringify(queue.settings.RedrivePolicy),
  };
  const result: Record<string, string> = {};
  for (const name of wanted) {
    const value = all[name];
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/** Whether two attribute sets agree, for CreateQueue's "same name, same attributes" idempotency. */
export const sameSettings = (a: QueueSettings, b: QueueSettings) => JSON.stringify(a) === JSON.stringify(b);
