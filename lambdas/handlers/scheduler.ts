import { config } from '../config.js';
import { database } from '../db/index.js';
import { schedulerTick } from '../domain/scheduling.js';
import { createLogger } from '../logger.js';
import { enqueueTasks } from '../queue/task-queue.js';
import { dispatchDueTasks } from '../sql/execution.js';

const log = createLogger({ component: 'scheduler' });

/**
 * EventBridge, every minute: materialise due occurrences, take back tasks whose worker vanished, and send every
 * due task to the queue. A task the queue loses is sent again two minutes later (dispatched_at).
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
  const { rows } = await db.query<{ id: string }>(dispatchDueTasks(1000));
  const refused = await enqueueTasks(
    queueUrl,
    rows.map((row) => row.id),
  );
  const summary = { created, reaped, settled, dispatched: rows.length - refused.length };
  log.info('scheduler tick', { ...summary, refused: refused.length });
  return summary;
}
