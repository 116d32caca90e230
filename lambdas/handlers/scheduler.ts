import { config } from '../config.js';
import { database } from '../db/index.js';
import { takeDueForDispatch } from '../domain/execution.js';
import { schedulerTick } from '../domain/scheduling.js';
import { createLogger } from '../logger.js';
import { enqueueTasks } from '../queue/task-queue.js';

const log = createLogger({ component: 'scheduler' });

/**
 * EventBridge, every minute: materialise due occurrences, take back tasks whose worker vanished, settle jobs left
 * processing, and send every due task to the queue. A task the queue loses is sent again two minutes later.
 */
export async function handler(): Promise<{
  created: number;
  reaped: number;
  settled: number;
  dispatched: number;
}> {
  const db = database();
  const { created, reaped, settled } = await schedulerTick(db);
  const queueUrl = config().QUEUE_URL;
  if (!queueUrl) throw new Error('QUEUE_URL is not configured');
  const due = await takeDueForDispatch(db);
  const refused = await enqueueTasks(queueUrl, due);
  const summary = { created, reaped, settled, dispatched: due.length - refused.length };
  log.info('scheduler tick', { ...summary, refused: refused.length });
  return summary;
}
