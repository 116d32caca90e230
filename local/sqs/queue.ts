import { randomUUID } from 'node:crypto';
import { TenantLoad } from './fairness.js';
import {
  encodeReceiptHandle,
  type MessageAttributes,
  md5Hex,
  md5OfMessageAttributes,
  type ReceiptHandle,
} from './message.js';

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** The queue attributes this endpoint models, in seconds / bytes as SQS names them. */
export interface QueueSettings {
  VisibilityTimeout: number;
  DelaySeconds: number;
  MessageRetentionPeriod: number;
  ReceiveMessageWaitTimeSeconds: number;
  MaximumMessageSize: number;
  RedrivePolicy?: RedrivePolicy;
}

export interface StoredMessage {
  id: string;
  body: string;
  md5OfBody: string;
  messageAttributes: MessageAttributes;
  md5OfMessageAttributes?: string;
  /** MessageGroupId: on this standard queue, the tenant a fair queue balances by (./fairness.ts). */
  groupId?: string;
  sentAt: number;
  expiresAt: number;
  /** Before this instant the message is delayed (never received) or in flight (received, not yet visible). */
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** The receive whose receipt handle is current; older handles no longer change or delete anything. */
  receive?: string;
  receivedAt?: number;
}

export interface Delivery {
  message: StoredMessage;
  receiptHandle: string;
}

/**
 * One standard queue: messages in send order, each delayed, visible or in flight by its `visibleAt`. A single timer
 * is armed for the next instant anything changes (a delay or visibility timeout ending, a retention expiring), so
 * long polls wake at that millisecond rather than on a polling interval.
 */
export class Queue {
  readonly messages = new Map<string, StoredMessage>();
  private readonly waiters = new Set<() => void>();
  private readonly load = new TenantLoad();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly arn: string,
    public settings: QueueSettings,
    readonly createdAt: number,
    public modifiedAt: number,
    private readonly deadLetterQueue: (arn: string) => Queue | undefined,
  ) {}

  send(
    body: string,
    messageAttributes: MessageAttributes,
    delaySeconds: number | undefined,
    now: number,
    groupId?: string,
  ) {
    const message: StoredMessage = {
      id: randomUUID(),
      ...(groupId === undefined ? {} : { groupId }),
      body,
      md5OfBody: md5Hex(body),
      messageAttributes,
      md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
      sentAt: now,
      expiresAt: now + this.settings.MessageRetentionPeriod * 1000,
      visibleAt: now + (delaySeconds ?? this.settings.DelaySeconds) * 1000,
      receiveCount: 0,
    };
    this.messages.set(message.id, message);
    this.changed(now);
    return message;
  }

  /**
   * Takes up to `max` visible messages — quiet tenants' first when messages carry group ids (a fair queue,
   * ./fairness.ts) — moving those past maxReceiveCount to the dead-letter queue instead.
   */
  receive(max: number, visibilityTimeout: number, now: number): Delivery[] {
    this.expire(now);
    const deliveries: Delivery[] = [];
    const visible = [...this.messages.values()].filter((message) => message.visibleAt <= now);
    for (const message of this.load.order(visible, this.messages.values(), now)) {
      if (deliveries.length >= max) break;
      const redrive = this.settings.RedrivePolicy;
      const target = redrive && this.deadLetterQueue(redrive.deadLetterTargetArn);
      if (redrive && target && message.receiveCount >= redrive.maxReceiveCount) {
        this.messages.delete(message.id);
        target.adopt(message, now);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveAt ??= now;
      message.receive = randomUUID();
      message.receivedAt = now;
      message.visibleAt = now + visibilityTimeout * 1000;
      const receiptHandle = encodeReceiptHandle({
        queue: this.name,
        messageId: message.id,
        receive: message.receive,
      });
      deliveries.push({ message, receiptHandle });
    }
    this.changed(now);
    return deliveries;
  }

  /**
   * A message redriven here keeps its id, body, attributes, receive count and original enqueue time: for a standard
   * queue the retention period counts from the original enqueue timestamp.
   */
  private adopt(message: StoredMessage, now: number) {
    const moved: StoredMessage = {
      ...message,
      expiresAt: message.sentAt + this.settings.MessageRetentionPeriod * 1000,
      visibleAt: now,
      receive: undefined,
      receivedAt: undefined,
    };
    this.messages.set(moved.id, moved);
    this.changed(now);
  }

  /** The message a receipt handle names, when that handle is still its current one. */
  current(handle: ReceiptHandle): StoredMessage | undefined {
    const message = this.messages.get(handle.messageId);
    return message && message.receive === handle.receive ? message : undefined;
  }

  delete(handle: ReceiptHandle, now: number): void {
    const message = this.current(handle);
    if (message) {
      this.load.finished(message, now);
      this.messages.delete(handle.messageId);
    }
    this.changed(now);
  }

  setVisibility(message: StoredMessage, seconds: number, now: number): void {
    message.visibleAt = now + seconds * 1000;
    this.changed(now);
  }

  purge(now: number): void {
    this.messages.clear();
    this.changed(now);
  }

  counts(now: number) {
    this.expire(now);
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of this.messages.values()) {
      if (message.visibleAt <= now) visible += 1;
      else if (message.receive) inFlight += 1;
      else delayed += 1;
    }
    return { visible, inFlight, delayed };
  }

  /** Resolves when a message may have become visible, after `ms`, or when `signal` aborts. */
  waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      signal.addEventListener('abort', done);
    });
  }

  close(): void {
    clearTimeout(this.timer);
    for (const wake of [...this.waiters]) wake();
  }

  private expire(now: number) {
    for (const message of this.messages.values()) {
      if (message.expiresAt <= now) this.messages.delete(message.id);
    }
  }

  /** Wakes the long polls when something is visible, and re-arms the timer for the next future change. */
  private changed(now: number) {
    let next = Number.POSITIVE_INFINITY;
    let anyVisible = false;
    for (const message of this.messages.values()) {
      if (message.visibleAt <= now) anyVisible = true;
      else next = Math.min(next, message.visibleAt);
      next = Math.min(next, message.expiresAt);
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    if (Number.isFinite(next)) {
      this.timer = setTimeout(() => this.changed(Date.now()), Math.max(0, next - now));
      this.timer.unref();
    }
    this.expire(now);
    if (anyVisible) for (const wake of [...this.waiters]) wake();
  }
}
