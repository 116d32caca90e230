import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { config } from '../config.js';
import { database } from '../db/index.js';
import { impliedNotices } from '../domain/dispatch.js';
import { createLogger } from '../logger.js';
import { sendNotices } from '../queue/task-queue.js';

const log = createLogger({ component: 'resync' });

/** Stable: one resource for the stack's life, re-run (Update) on every deploy whose code or schema changed. */
export const RESYNC_RESOURCE_ID = 'bg-jobs-notice-resync';

/**
 * CloudFormation custom resource (CDK Provider framework), run after the schema migrated: sends the notice of
 * every scheduled job's next occurrence and of every open task (see `impliedNotices`). Duplicates of notices
 * already queued are dropped on arrival, so this is safe on every deploy and after a rollback. Delete does nothing.
 */
export async function handler(
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const queueUrl = config().QUEUE_URL;
  if (!queueUrl) throw new Error('QUEUE_URL is not configured');
  let sent = 0;
  for await (const notices of impliedNotices(database())) {
    await sendNotices(queueUrl, notices);
    sent += notices.length;
  }
  log.info('notices resent', { request_type: event.RequestType, sent });
  return { PhysicalResourceId: RESYNC_RESOURCE_ID, Data: { Sent: String(sent) } };
}
