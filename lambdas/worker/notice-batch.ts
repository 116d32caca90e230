import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Database } from '../db/port.js';
import type { WorkNotice } from '../domain/notices.js';
import type { Logger } from '../logger.js';
import { decodeNotice, PoisonMessageError } from '../queue/task-queue.js';
import { handleNotice } from './notice-worker.js';
import type { WorkerSettings } from './settings.js';

export interface NoticeBatchDeps {
  db: Database;
  send: (notices: WorkNotice[]) => Promise<void>;
  setVisibility: (entries: { receiptHandle: string; seconds: number }[]) => Promise<void>;
  settings: Pick<WorkerSettings, 'LEASE_SECONDS' | 'HEARTBEAT_MS' | 'RETRY_BASE_DELAY_MS'> &
    Partial<Pick<WorkerSettings, 'USER_MAX_RUNNING'>>;
  log: Logger;
  /** USER_MAX_QUEUED, for the occurrences this batch takes. */
  userMaxQueued?: number;
}

/**
 * One SQS batch of work notices. While it runs, every message's visibility is kept at the lease length and renewed,
 * so a worker that dies leaves its messages to come back within one lease — the crash recovery that replaces a
 * database reaper. A message is reported as done (deleted) only once its work ended or was handed on to the notices
 * it sent; infrastructure failures and work not yet visible are reported back (partial batch response), with a
 * visibility that says when to try again.
 */
/** Seconds before a message whose handling failed for an infrastructure reason is tried again. */
export const infrastructureBackoff = (receives: number) =>
  receives <= 2 ? 2 : Math.min(900, 2 ** (receives + 2));

export async function handleNoticeBatch(event: SQSEvent, deps: NoticeBatchDeps): Promise<SQSBatchResponse> {
  const { log, settings } = deps;
  const held = new Map(event.Records.map((record) => [record.messageId, record.receiptHandle]));
  const keepHidden = () =>
    deps
      .setVisibility(
        [...held.values()].map((receiptHandle) => ({ receiptHandle, seconds: settings.LEASE_SECONDS })),
      )
      .catch((error: Error) => log.warn('visibility not extended', { error: error.name }));
  await keepHidden();
  const heartbeat = setInterval(() => void keepHidden(), (settings.LEASE_SECONDS * 1000) / 3);

  const failures: { itemIdentifier: string }[] = [];
  const later: { receiptHandle: string; seconds: number }[] = [];
  const keep = (messageId: string, receiptHandle: string, seconds: number) => {
    held.delete(messageId);
    failures.push({ itemIdentifier: messageId });
    later.push({ receiptHandle, seconds });
  };
  try {
    await Promise.all(
      event.Records.map(async (record) => {
        const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
        try {
          const disposition = await handleNotice(
            {
              messageId: record.messageId,
              notice: decodeNotice(record.body),
              receiveCount: receives,
              sentAt: new Date(Number(record.attributes.SentTimestamp)),
            },
            { db: deps.db, send: deps.send, settings, log, userMaxQueued: deps.userMaxQueued },
          );
          if (disposition.kind === 'later')
            keep(record.messageId, record.receiptHandle, disposition.afterSeconds);
        } catch (error) {
          // Poison never improves: visible again at once, it reaches the DLQ after maxReceiveCount receives.
          // Anything else (the database or SQS failing) backs off: 2 s twice (a lost answer, a blip), then
          // doubling from 32 s to 15 minutes, so the 10 receives before the DLQ span about 45 minutes of outage.
          const poison = error instanceof PoisonMessageError;
          keep(record.messageId, record.receiptHandle, poison ? 0 : infrastructureBackoff(receives));
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
  await deps
    .setVisibility(later)
    .catch((error: Error) => log.warn('visibility not set', { error: error.name }));
  return { batchItemFailures: failures };
}
