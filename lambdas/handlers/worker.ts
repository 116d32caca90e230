import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { config } from '../config.js';
import { database } from '../db/index.js';
import { createLogger, takeColdStart } from '../logger.js';
import { sendNotices, setVisibility } from '../queue/task-queue.js';
import { handleNoticeBatch } from '../worker/notice-batch.js';
import { workerSettings } from '../worker/settings.js';

const settings = workerSettings();

/** SQS → the worker: each message is a work notice (a task or a job occurrence); see handleNoticeBatch. */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  const log = createLogger({
    component: 'worker',
    ...(context ? { request_id: context.awsRequestId } : {}),
    cold_start: takeColdStart(),
  });
  const queueUrl = config().QUEUE_URL;
  if (!queueUrl) throw new Error('QUEUE_URL is not configured');
  return handleNoticeBatch(event, {
    db: database(),
    send: (notices) => sendNotices(queueUrl, notices),
    setVisibility: (entries) => setVisibility(queueUrl, entries),
    settings,
    log,
    userMaxQueued: config().USER_MAX_QUEUED,
  });
}
