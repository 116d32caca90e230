import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { config } from '../config.js';
import { database } from '../db/index.js';
import { createLogger } from '../logger.js';
import { decodeNotice, PoisonMessageError, sendNotices, setVisibility } from '../queue/task-queue.js';
import { handleNotice } from '../worker/notice-worker.js';
import { workerSettings } from '../worker/settings.js';

const settings = workerSettings();
const log = createLogger({ component: 'worker' });

/**
 * SQS → the worker: each message is a work notice (a task or a job occurrence). While the batch runs, every
 * message's visibility is kept at the lease length and renewed, so a worker that dies leaves its messages to come
 * back within one lease — the crash recovery that replaces a database reaper. A message is deleted (reported as
 * success) only once its work ended or was handed on to the notices it sent; infrastructure failures and work not
 * yet visible are reported back (partial batch response), with a visibility that says when to try again.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const queueUrl = config().QUEUE_URL;
  if (!queueUrl) throw new Error('QUEUE_URL is not configured');
  const db = database();
  const send = (notices: Parameters<typeof sendNotices>[1]) => sendNotices(queueUrl, notices);
  const held = new Map(event.Records.map((record) => [record.messageId, record.receiptHandle]));
  const keepHidden = () =>
    setVisibility(
      queueUrl,
      [...held.values()].map((receiptHandle) => ({ receiptHandle, seconds: settings.LEASE_SECONDS })),
    ).catch((error: Error) => log.warn('visibility not extended', { error: error.name }));
  await keepHidden();
  const heartbeat = setInterval(() => void keepHidden(), (settings.LEASE_SECONDS * 1000) / 3);

  const failures: { itemIdentifier: string }[] = [];
  const later: { receiptHandle: string; seconds: number }[] = [];
  try {
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          const disposition = await handleNotice(
            {
              messageId: record.messageId,
              notice: decodeNotice(record.body),
              receiveCount: Number(record.attributes.ApproximateReceiveCount),
              sentAt: new Date(Number(record.attributes.SentTimestamp)),
            },
            { db, send, settings, log },
          );
          if (disposition.kind === 'later') {
            held.delete(record.messageId);
            failures.push({ itemIdentifier: record.messageId });
            later.push({ receiptHandle: record.receiptHandle, seconds: disposition.afterSeconds });
          }
        } catch (error) {
          held.delete(record.messageId);
          failures.push({ itemIdentifier: record.messageId });
          // Poison never improves: visible again at once, it reaches the DLQ after maxReceiveCount receives.
          // Anything else (the database or SQS failing) backs off.
          const poison = error instanceof PoisonMessageError;
          const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
          later.push({
            receiptHandle: record.receiptHandle,
            seconds: poison ? 0 : Math.min(300, 2 ** receives),
          });
          log.error(poison ? 'poison message' : 'message failed', {
            message_id: record.messageId,
            error: (error as Error).name,
            ...(poison ? { reason: (error as Error).message } : {}),
          });
        }
      }),
    );
  } finally {
    clearInterval(heartbeat);
  }
  await setVisibility(queueUrl, later).catch((error: Error) =>
    log.warn('visibility not set', { error: error.name }),
  );
  return { batchItemFailures: failures };
}
