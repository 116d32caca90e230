import type { Database } from '../db/port.js';
import { type ClaimedTask, complete, fail, refreshJobs, renew, retryDelayMs } from '../domain/execution.js';
import type { Logger } from '../logger.js';
import { HANDLERS } from './registry.js';
import type { WorkerSettings } from './settings.js';
import { ERROR_LIMIT, RESULT_LIMIT, type TaskHandler } from './types.js';

export type Outcome = 'completed' | 'retrying' | 'failed' | 'cancelled' | 'lost';

class StopReason extends Error {
  constructor(
    readonly kind: 'cancelled' | 'lost' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

const truncate = (text: string, limit: number) =>
  Buffer.byteLength(text) <= limit
    ? text
    : `${Buffer.from(text)
        .subarray(0, limit - 32)
        .toString()}… [truncated]`;

/**
 * Runs one claimed task to its end: the handler gets an AbortSignal that fires on cancellation (seen by the
 * heartbeat), on timeout, or when the lease is lost. Success is recorded once; a failure or a timeout schedules a
 * retry or fails the task; a cancelled or lost task is left as the database says.
 */
export async function runTask(
  db: Database,
  task: ClaimedTask,
  workerId: string,
  settings: Pick<WorkerSettings, 'LEASE_SECONDS' | 'HEARTBEAT_MS' | 'RETRY_BASE_DELAY_MS'>,
  log: Logger,
  handlers: Readonly<Record<string, TaskHandler>> = HANDLERS,
): Promise<Outcome> {
  const controller = new AbortController();
  const stop = (reason: StopReason) => controller.signal.aborted || controller.abort(reason);
  const timeout = setTimeout(
    () =>
      stop(new StopReason('timeout', `timed out after ${task.timeoutSeconds} s (attempt ${task.attempt})`)),
    task.timeoutSeconds * 1000,
  );
  const heartbeat = setInterval(async () => {
    try {
      const lease = await renew(db, task, workerId, settings.LEASE_SECONDS);
      if (!lease.held)
        stop(
          new StopReason(
            lease.reason,
            `task ${lease.reason === 'cancelled' ? 'was cancelled' : 'lease lost'}`,
          ),
        );
    } catch (error) {
      log.warn('heartbeat failed', { task_id: task.id, error: (error as Error).name });
    }
  }, settings.HEARTBEAT_MS);
  const aborted = new Promise<never>((_, reject) =>
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }),
  );
  aborted.catch(() => {});
  try {
    const handler = handlers[task.jobType];
    if (!handler) throw new Error(`no handler registered for job type "${task.jobType}"`);
    const work = handler({
      task: { id: task.id, attempt: task.attempt, payload: task.payload },
      job: { id: task.jobId, userId: task.userId, jobType: task.jobType, payload: task.jobPayload },
      signal: controller.signal,
      log,
    });
    // A handler that ignores its signal still loses the race: the attempt ends when the signal fires.
    const result = await Promise.race([work, aborted]);
    if (controller.signal.aborted) throw controller.signal.reason;
    return (await complete(db, task, workerId, truncate(String(result), RESULT_LIMIT)))
      ? 'completed'
      : 'lost';
  } catch (caught) {
    const reason = controller.signal.aborted ? controller.signal.reason : caught;
    if (reason instanceof StopReason && reason.kind === 'cancelled') {
      // Nothing to record (the cancel did), but the job may have nothing left running.
      await refreshJobs(db, [task.jobId]);
      return 'cancelled';
    }
    if (reason instanceof StopReason && reason.kind === 'lost') return 'lost';
    const message = truncate(reason instanceof Error ? reason.message : String(reason), ERROR_LIMIT);
    const status = await fail(
      db,
      task,
      workerId,
      message,
      retryDelayMs(task.attempt, settings.RETRY_BASE_DELAY_MS),
    );
    return status === null ? 'lost' : status === 'failed' ? 'failed' : 'retrying';
  } finally {
    clearTimeout(timeout);
    clearInterval(heartbeat);
  }
}
