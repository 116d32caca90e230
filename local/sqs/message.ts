import { createHash } from 'node:crypto';

/** A message attribute as the JSON protocol carries it (binary values base64-encoded). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export type MessageAttributes = Record<string, MessageAttributeValue>;

export const md5Hex = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

function lengthPrefixed(value: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
}

/**
 * MD5OfMessageAttributes as SQS computes it: per attribute, sorted by name, the length-prefixed name, data type,
 * a transport byte (1 string/number, 2 binary) and the length-prefixed value.
 */
export function md5OfMessageAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  for (const name of names) {
    const attribute = attributes[name] as MessageAttributeValue;
    parts.push(lengthPrefixed(Buffer.from(name)), lengthPrefixed(Buffer.from(attribute.DataType)));
    if (attribute.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]), lengthPrefixed(Buffer.from(attribute.BinaryValue, 'base64')));
    } else {
      parts.push(Buffer.from([1]), lengthPrefixed(Buffer.from(attribute.StringValue ?? '')));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

/** The bytes SQS counts against the size limit: the body plus each attribute's name, type and value. */
export function messageSize(body: string, attributes: MessageAttributes): number {
  let size = Buffer.byteLength(body);
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
    size += value.BinaryValue
      ? Buffer.from(value.BinaryValue, 'base64').length
      : Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}

/** A receipt handle names the queue, the message and one receive of it; opaque to clients. */
export interface ReceiptHandle {
  queue: string;
  messageId: string;
  receive: string;
}

export const encodeReceiptHandle = (handle: ReceiptHandle) =>
  Buffer.from(JSON.stringify([handle.queue, handle.messageId, handle.receive])).toString('base64url');

export function decodeReceiptHandle(text: string): ReceiptHandle | undefined {
  try {
    const [queue, messageId, receive] = JSON.parse(
      Buffer.from(text, 'base64url').toString('utf8'),
    ) as unknown[];
    if (typeof queue !== 'string' || typeof messageId !== 'string' || typeof receive !== 'string')
      return undefined;
    return { queue, messageId, receive };
  } catch {
    return undefined;
  }
}
