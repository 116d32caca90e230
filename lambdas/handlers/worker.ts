import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { database } from '../db/index.js';
import { claim } from '../domain/execution.js';
import { createLogger } from '../logger.js';
import { parseTaskMessage } from '../queue/task-queue.js';
import { runTask } from '../worker/run-task.js';
import { workerSettings } from '../worker/settings.js';

const settings = workerSettings();
const workerId = `lambda-${randomUUID()}`;
const log = createLogger({ component: 'worker', worker_id: workerId });

/**
 * SQS → one task per message: claim that task (if someone else has it, or it ended, the message is simply done),
 * run it through the same code as local workers. Only infrastructure failures are reported back, per message,
 * for SQS to redeliver; a failing handler is a task retry, recorded in the database.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const db = database();
  const failures: { itemIdentifier: string }[] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const { taskId } = parseTaskMessage(record.body);
        const [task] = await claim(db, workerId, { limit: 1, leaseSeconds: settings.LEASE_SECONDS, taskId });
        if (!task) return;
        const outcome = await runTask(db, task, workerId, settings, log);
        log.info('task run', { task_id: task.id, attempt: task.attempt, outcome });
      } catch (error) {
        log.error('message failed', { message_id: record.messageId, error: (error as Error).name });
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
}
