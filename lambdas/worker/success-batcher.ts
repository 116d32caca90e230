import type { Database } from '../db/port.js';
import { type ClaimedTask, complete, completeMany } from '../domain/execution.js';
import { isTransient } from './within-lease.js';

/** At most this many successes per statement, and about this many bytes of results (a statement stays small). */
export const MAX_SUCCESS_BATCH = 64;
const MAX_BATCH_BYTES = 512 * 1024;

interface Waiting {
  task: ClaimedTask;
  result: string;
  settle: (recorded: boolean) => void;
  fail: (error: unknown) => void;
}

/**
 * Records successes of one worker in batches, as graphile-worker does: tasks that finish while a batch statement
 * is on its way wait for the next one, so under load one statement completes many tasks and with a single task
 * nothing waits (it goes at the next turn of the event loop). One batch is in flight at a time.
 *
 * Each caller gets its own task's answer — recorded, or no longer held — or the statement's error, and sends its
 * success again as it would a single write (run-task.ts: writeWithinLease); the batch statement is fenced per
 * task and safe to resend (sql/outcome-batch.ts). An error that resending cannot fix fails only its own task:
 * the batch is then recorded task by task, so one bad row does not fail its neighbours.
 */
export function successBatcher(db: Database, workerId: string) {
  const waiting: Waiting[] = [];
  let flushing = false;
  let scheduled = false;

  const take = (): Waiting[] => {
    let bytes = 0;
    let count = 0;
    while (count < waiting.length && count < MAX_SUCCESS_BATCH) {
      bytes += (waiting[count]?.result.length ?? 0) * 3;
      if (count > 0 && bytes > MAX_BATCH_BYTES) break;
      count += 1;
    }
    return waiting.splice(0, count);
  };

  const recordOneByOne = async (batch: Waiting[]) => {
    await Promise.all(
      batch.map(({ task, result, settle, fail }) => complete(db, task, workerId, result).then(settle, fail)),
    );
  };

  const flush = async () => {
    scheduled = false;
    if (flushing || waiting.length === 0) return;
    flushing = true;
    const batch = take();
    try {
      const recorded = await completeMany(db, workerId, batch);
      for (const item of batch) item.settle(recorded.has(item.task.id));
    } catch (error) {
      if (batch.length > 1 && !isTransient(error)) await recordOneByOne(batch);
      else for (const item of batch) item.fail(error);
    } finally {
      flushing = false;
      schedule();
    }
  };

  const schedule = () => {
    if (scheduled || flushing || waiting.length === 0) return;
    scheduled = true;
    setImmediate(() => void flush());
  };

  return {
    /** Records the task's success; resolves false when this worker no longer held the task. */
    complete(task: ClaimedTask, result: string): Promise<boolean> {
      return new Promise<boolean>((settle, fail) => {
        waiting.push({ task, result, settle, fail });
        schedule();
      });
    },
  };
}
