import { config } from '../config.js';
import { database } from '../db/index.js';
import { takeDueForDispatch } from '../domain/execution.js';
import { isolatedStep, schedulerTick } from '../domain/scheduling.js';
import { createLogger } from '../logger.js';
import { enqueueTasks } from '../queue/task-queue.js';

const log = createLogger({ component: 'scheduler' });

/**
 * EventBridge, every minute: materialise due occurrences, take back tasks whose worker vanished, settle jobs left
 * processing, and send every due task to the queue. Each step runs whatever the others do (a failure is logged);
 * a task the queue loses is sent again two minutes later.
 */
export async function handler(): Promise<{
  created: number;
  reaped: number;
  settled: number;
  dispatched: number;
  failed: string[];
}> {
  const db = database();
  const { created, reaped, settled, failed } = await schedulerTick(db, log);
  const queueUrl = config().QUEUE_URL;
  if (!queueUrl) throw new Error('QUEUE_URL is not configured');
  const dispatched = await isolatedStep(
    log,
    'dispatch',
    async () => {
      const due = await takeDueForDispatch(db);
      return due.length - (await enqueueTasks(queueUrl, due)).length;
    },
    failed,
  );
  const summary = { created, reaped, settled, dispatched, failed };
  log.info('scheduler tick', summary);
  return summary;
}
