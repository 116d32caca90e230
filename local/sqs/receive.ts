import { LOCAL_ACCOUNT } from './constants.js';
import type { MessageAttributes } from './message.js';
import type { Delivery, Queue } from './queue.js';

const SYSTEM_ATTRIBUTES = [
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SentTimestamp',
  'SenderId',
  'MessageGroupId',
] as const;

/** The names asked for by MessageSystemAttributeNames (current) or AttributeNames (deprecated); `All` means all. */
function systemAttributeNames(input: Record<string, unknown>): readonly string[] {
  const names = [
    ...((input.MessageSystemAttributeNames as string[] | undefined) ?? []),
    ...((input.AttributeNames as string[] | undefined) ?? []),
  ];
  return names.includes('All') ? SYSTEM_ATTRIBUTES : names;
}

/** MessageAttributeNames: exact names, `All` or `.*`, or a prefix ending in `.*`. */
function selectMessageAttributes(
  attributes: MessageAttributes,
  patterns: string[],
): MessageAttributes | undefined {
  const selected: MessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    const wanted = patterns.some(
      (pattern) =>
        pattern === 'All' ||
        pattern === '.*' ||
        pattern === name ||
        (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
    );
    if (wanted) selected[name] = value;
  }
  return Object.keys(selected).length ? selected : undefined;
}

function toOutput({ message, receiptHandle }: Delivery, input: Record<string, unknown>) {
  const all: Record<string, string> = {
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt ?? ''),
    SentTimestamp: String(message.sentAt),
    SenderId: LOCAL_ACCOUNT,
    ...(message.groupId === undefined ? {} : { MessageGroupId: message.groupId }),
  };
  const Attributes: Record<string, string> = {};
  for (const name of systemAttributeNames(input)) {
    const value = all[name];
    if (value !== undefined) Attributes[name] = value;
  }
  const MessageAttributes = selectMessageAttributes(
    message.messageAttributes,
    (input.MessageAttributeNames as string[] | undefined) ?? [],
  );
  return {
    MessageId: message.id,
    ReceiptHandle: receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(Attributes).length ? { Attributes } : {}),
    ...(MessageAttributes
      ? { MessageAttributes, MD5OfMessageAttributes: message.md5OfMessageAttributes }
      : {}),
  };
}

/**
 * ReceiveMessage: short polling answers at once; long polling (WaitTimeSeconds > 0) answers as soon as at least
 * one message is available, or empty when the wait ends. A request the client abandoned stops waiting, so no
 * message is hidden on behalf of a caller that is gone.
 */
export async function receiveMessage(
  queue: Queue,
  input: Record<string, unknown>,
  signal: AbortSignal,
  options: { max: number; waitSeconds: number; visibilityTimeout: number },
) {
  const deadline = Date.now() + options.waitSeconds * 1000;
  for (;;) {
    if (signal.aborted) return {};
    const deliveries = queue.receive(options.max, options.visibilityTimeout, Date.now());
    if (deliveries.length > 0) return { Messages: deliveries.map((delivery) => toOutput(delivery, input)) };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return {};
    await queue.waitForChange(remaining, signal);
  }
}
