import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { config } from '../config.js';
import {
  arrivalTime,
  CONFIRM_AFTER_SECONDS,
  type WakePolicy,
  type WorkNotice,
  withWakeUps,
} from '../domain/notices.js';
import { traced } from '../tracing.js';

/**
 * In AWS, work notices travel through one SQS queue: a message names one task or one job occurrence, and waits
 * in the queue until it is due (DelaySeconds). The client finds its endpoint the SDK's way (in AWS the regional
 * one; locally AWS_ENDPOINT_URL_SQS).
 */
let client: SQSClient | undefined;
const sqs = () => {
  client ??= traced(new SQSClient({}));
  return client;
};

/** SQS's per-message delay ceiling; a notice due later is sent again on arrival until it is due. */
export const MAX_DELAY_SECONDS = 900;

/**
 * Seconds to hold a notice back: whole seconds, rounded down, so that it arrives at most a second early and the
 * worker waits out the rest to the millisecond; capped at SQS's 15 minutes.
 */
export function delaySeconds(due: Date | undefined, now: Date): number {
  if (!due) return 0;
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.floor((due.getTime() - now.getTime()) / 1000)));
}

export function encodeNotice(notice: WorkNotice): string {
  const due = notice.kind !== 'occurrence' && notice.due ? { due: notice.due.toISOString() } : {};
  if (notice.kind === 'delivery')
    return JSON.stringify({ v: 1, kind: 'delivery', deliveryId: notice.deliveryId, ...due });
  if (notice.kind === 'deliveries')
    return JSON.stringify({ v: 1, kind: 'deliveries', jobId: notice.jobId, ...due });
  return JSON.stringify(
    notice.kind === 'task'
      ? {
          v: 1,
          kind: 'task',
          taskId: notice.taskId,
          ...(notice.due ? { due: notice.due.toISOString() } : {}),
          ...(notice.deferrals ? { deferrals: notice.deferrals } : {}),
          ...(notice.userId ? { userId: notice.userId } : {}),
        }
      : {
          v: 1,
          kind: 'occurrence',
          jobId: notice.jobId,
          at: notice.at.toISOString(),
          ...(notice.wakeAt ? { wakeAt: notice.wakeAt.toISOString() } : {}),
          ...(notice.confirm ? { confirm: true } : {}),
          ...(notice.userId ? { userId: notice.userId } : {}),
        },
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

function isoDate(value: unknown, field: string): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new PoisonMessageError(`${field} is not an ISO time`);
  return date;
}

function uuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new PoisonMessageError(`${field} is not a uuid`);
  return value;
}

/** Reads a message body; a body that can never be understood is poison (it ends in the DLQ). */
export function decodeNotice(body: string): WorkNotice {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new PoisonMessageError('the message is not JSON');
  }
  if (!parsed || typeof parsed !== 'object') throw new PoisonMessageError('the message is not an object');
  // `{taskId}` without a kind: the message format before notices had kinds (queued across an upgrade).
  // The owner (MessageGroupId) is optional: notices sent before it was added carry none.
  const owner = parsed.userId === undefined ? {} : { userId: uuid(parsed.userId, 'userId') };
  if (parsed.kind === 'task' || (parsed.kind === undefined && 'taskId' in parsed)) {
    const taskId = uuid(parsed.taskId, 'taskId');
    const deferrals = Number.isSafeInteger(parsed.deferrals) && Number(parsed.deferrals) > 0;
    return {
      kind: 'task',
      taskId,
      ...(parsed.due === undefined ? {} : { due: isoDate(parsed.due, 'due') }),
      ...(deferrals ? { deferrals: Number(parsed.deferrals) } : {}),
      ...owner,
    };
  }
  if (parsed.kind === 'occurrence') {
    const occurrence = {
      kind: 'occurrence',
      jobId: uuid(parsed.jobId, 'jobId'),
      at: isoDate(parsed.at, 'at'),
    } as const;
    return {
      ...occurrence,
      ...(parsed.wakeAt === undefined ? {} : { wakeAt: isoDate(parsed.wakeAt, 'wakeAt') }),
      ...(parsed.confirm === true ? { confirm: true as const } : {}),
      ...owner,
    };
  }
  if (parsed.kind === 'delivery' || parsed.kind === 'deliveries') {
    const due = parsed.due === undefined ? {} : { due: isoDate(parsed.due, 'due') };
    return parsed.kind === 'delivery'
      ? { kind: 'delivery', deliveryId: uuid(parsed.deliveryId, 'deliveryId'), ...due }
      : { kind: 'deliveries', jobId: uuid(parsed.jobId, 'jobId'), ...due };
  }
  throw new PoisonMessageError('the message names no known kind of work');
}

/**
 * Sends the notices, each held back until (about) its due time, 10 per call (SQS's batch limit). Entries SQS
 * refuses are sent once more; if any is still refused this throws, so that the caller does not acknowledge the
 * work that led to them. A lost answer makes the SDK send again: a duplicate notice is harmless by design.
 */
export async function sendNotices(
  queueUrl: string,
  unplanned: WorkNotice[],
  now: () => Date = () => new Date(),
  wake: WakePolicy = {
    pauseSeconds: config().DB_AUTO_PAUSE_SECONDS,
    aheadSeconds: config().DB_WAKE_AHEAD_SECONDS,
  },
): Promise<void> {
  const notices = withWakeUps(unplanned, now(), wake);
  for (let start = 0; start < notices.length; start += 10) {
    let batch = notices.slice(start, start + 10);
    for (let round = 0; batch.length > 0; round += 1) {
      const output = await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((notice, index) => ({
            Id: String(index),
            MessageBody: encodeNotice(notice),
            // On a standard queue a MessageGroupId makes it a fair queue: SQS balances delivery across owners, so
            // one user's backlog does not hold up another's notices (docs/sqs-endpoint.md, "Fair queues").
            ...(notice.userId ? { MessageGroupId: notice.userId } : {}),
            DelaySeconds: Math.min(
              notice.kind === 'occurrence' && notice.confirm ? CONFIRM_AFTER_SECONDS : MAX_DELAY_SECONDS,
              delaySeconds(arrivalTime(notice), now()),
            ),
          })),
        }),
      );
      const failed = output.Failed ?? [];
      if (failed.length === 0) break;
      if (round >= 1) {
        throw new Error(`SQS refused ${failed.length} notice(s): ${failed.map((f) => f.Code).join(', ')}`);
      }
      batch = failed.map((entry) => batch[Number(entry.Id)]).filter((n): n is WorkNotice => n !== undefined);
    }
  }
}

/** Sets how long received messages stay hidden (the worker's heartbeat, and its "try again later"). */
export async function setVisibility(
  queueUrl: string,
  entries: { receiptHandle: string; seconds: number }[],
): Promise<void> {
  for (let start = 0; start < entries.length; start += 10) {
    const batch = entries.slice(start, start + 10);
    await sqs().send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((entry, index) => ({
          Id: String(index),
          ReceiptHandle: entry.receiptHandle,
          VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(entry.seconds))),
        })),
      }),
    );
  }
}

/** What the API sends notices with: the queue's sender in AWS (QUEUE_URL set), nothing locally (workers poll). */
export function noticeSender(): ((notices: WorkNotice[]) => Promise<void>) | undefined {
  const queueUrl = config().QUEUE_URL;
  return queueUrl ? (notices) => sendNotices(queueUrl, notices) : undefined;
}
