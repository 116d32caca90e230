import type { Database } from '../db/port.js';
import { type ClaimedTask, complete, fail, refreshJobs, renew, retryDelayMs } from '../domain/execution.js';
import { HANDLERS } from '../job-types/implementations.js';
import type { Logger } from '../logger.js';
import { putMetric } from '../metrics.js';
import type { MetricName } from '../metrics-names.js';
import type { WorkerSettings } from './settings.js';
import { storableText } from './storable-text.js';
import { ERROR_LIMIT, RESULT_LIMIT, type TaskHandler } from './types.js';
import { HeldLease, LeaseRanOut, writeWithinLease } from './within-lease.js';

/**
 * How an attempt ended for this worker. `lost`: the task is no longer this worker's (cancelled, taken back, fenced).
 * `unrecorded`: the outcome could not be written before the lease ran out (the database unreachable); the task is
 * left to be taken back — by the local scheduler's reaper, or in AWS by this message coming back.
 */
export type Outcome = 'completed' | 'retrying' | 'failed' | 'cancelled' | 'lost' | 'unrecorded';

/**
 * Records a success, fenced on the claimed version; false when the worker no longer holds the task. One statement
 * per task by default; the local pool records through its batcher (success-batcher.ts).
 */
export type RecordSuccess = (task: ClaimedTask, result: string) => Promise<boolean>;

class StopReason extends Error {
  constructor(
    readonly kind: 'cancelled' | 'lost' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs one claimed task to its end: the handler gets an AbortSignal that fires on cancellation (seen by the
 * heartbeat), on timeout, or when the lease is lost. Success is recorded once; a failure or a timeout schedules a
 * retry or fails the task; a cancelled or lost task is left as the database says. The outcome write is sent again
 * while the lease lasts (the heartbeat keeps renewing it meanwhile). The promise settles only once the handler has
 * really returned, so a caller counting running tasks counts one that ignores its signal until it stops.
 * `handlerReturned` is called once the handler has returned, before its outcome is written: the slot it used is
 * free then, while the write (and the heartbeat that keeps the lease until it lands) goes on.
 */
export async function runTask(
  db: Database,
  task: ClaimedTask,
  workerId: string,
  settings: Pick<WorkerSettings, 'LEASE_SECONDS' | 'HEARTBEAT_MS' | 'RETRY_BASE_DELAY_MS'>,
  log: Logger,
  handlers: Readonly<Record<string, TaskHandler>> = HANDLERS,
  recordSuccess: RecordSuccess = (claimed, result) => complete(db, claimed, workerId, result),
  handlerReturned?: () => void,
): Promise<Outcome> {
  // job_type is bounded only for registered types; anything else (a row written by hand) is counted as `unknown`.
  const jobType = Object.hasOwn(handlers, task.jobType) ? task.jobType : 'unknown';
  const started = Date.now();
  putMetric('TaskStarted', 1, { job_type: jobType });
  const queueDelayMs = task.runAt ? Math.max(0, started - task.runAt.getTime()) : undefined;
  if (queueDelayMs !== undefined) putMetric('TaskQueueDelay', queueDelayMs, { job_type: jobType });
  let timedOut = false;
  const outcome = await attempt(
    db,
    task,
    workerId,
    settings,
    log,
    handlers,
    recordSuccess,
    (kind) => {
      timedOut = kind === 'timeout';
    },
    handlerReturned,
  );
  const durationMs = Date.now() - started;
  putMetric('TaskRunDuration', durationMs, { job_type: jobType });
  log.info('task run', {
    task_id: task.id,
    job_id: task.jobId,
    job_type: jobType,
    attempt: task.attempt,
    outcome,
    duration_ms: durationMs,
    ...(queueDelayMs === undefined ? {} : { queue_delay_ms: queueDelayMs }),
    ...(timedOut ? { timed_out: true } : {}),
  });
  const counted = OUTCOME_METRIC[outcome];
  if (counted) putMetric(counted, 1, { job_type: jobType });
  // A timeout is also a retry or a failure; it is counted under both names.
  if (timedOut && (outcome === 'retrying' || outcome === 'failed'))
    putMetric('TaskTimedOut', 1, { job_type: jobType });
  return outcome;
}

/** `lost` and `unrecorded` are not an outcome of the task (another attempt decides it): not counted. */
const OUTCOME_METRIC = {
  completed: 'TaskSucceeded',
  retrying: 'TaskRetried',
  failed: 'TaskFailed',
  cancelled: 'TaskCancelled',
  lost: undefined,
  unrecorded: undefined,
} as const satisfies Record<Outcome, MetricName | undefined>;

async function attempt(
  db: Database,
  task: ClaimedTask,
  workerId: string,
  settings: Pick<WorkerSettings, 'LEASE_SECONDS' | 'HEARTBEAT_MS' | 'RETRY_BASE_DELAY_MS'>,
  log: Logger,
  handlers: Readonly<Record<string, TaskHandler>>,
  recordSuccess: RecordSuccess,
  stopped: (kind: StopReason['kind']) => void,
  handlerReturned: () => void = () => {},
): Promise<Outcome> {
  const lease = new HeldLease(settings.LEASE_SECONDS * 1000);
  const controller = new AbortController();
  const stop = (reason: StopReason) => controller.signal.aborted || controller.abort(reason);
  const timeout = setTimeout(
    () =>
      stop(new StopReason('timeout', `timed out after ${task.timeoutSeconds} s (attempt ${task.attempt})`)),
    task.timeoutSeconds * 1000,
  );
  const heartbeat = setInterval(async () => {
    try {
      const sentAt = Date.now();
      const state = await renew(db, task, workerId, settings.LEASE_SECONDS);
      if (state.held) return lease.renewed(sentAt);
      lease.lost();
      stop(
        new StopReason(state.reason, `task ${state.reason === 'cancelled' ? 'was cancelled' : 'lease lost'}`),
      );
    } catch (error) {
      log.warn('heartbeat failed', { task_id: task.id, error: (error as Error).name });
    }
  }, settings.HEARTBEAT_MS);
  const aborted = new Promise<never>((_, reject) =>
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }),
  );
  aborted.catch(() => {});
  const retried = (error: unknown, delayMs: number) =>
    log.warn('outcome write retried', { task_id: task.id, error: (error as Error).name, delay_ms: delayMs });
  let work: Promise<string> | undefined;
  try {
    try {
      const handler = handlers[task.jobType];
      if (!handler) throw new Error(`no handler registered for job type "${task.jobType}"`);
      work = handler({
        task: { id: task.id, attempt: task.attempt, payload: task.payload },
        job: { id: task.jobId, userId: task.userId, jobType: task.jobType, payload: task.jobPayload },
        signal: controller.signal,
        log,
      });
      // Settles when the handler has really returned (its outcome may still be on its way to the database).
      work.then(handlerReturned, handlerReturned);
      // A handler that ignores its signal still loses the race: the attempt ends when the signal fires.
      const result = await Promise.race([work, aborted]);
      if (controller.signal.aborted) throw controller.signal.reason;
      const text = storableText(String(result), RESULT_LIMIT);
      return (await writeWithinLease(() => recordSuccess(task, text), lease, retried)) ? 'completed' : 'lost';
    } catch (caught) {
      // No handler, or one that threw before returning a promise: it has returned all the same.
      if (work === undefined) handlerReturned();
      if (caught instanceof LeaseRanOut) throw caught;
      const reason = controller.signal.aborted ? controller.signal.reason : caught;
      if (reason instanceof StopReason) stopped(reason.kind);
      if (reason instanceof StopReason && reason.kind === 'cancelled') {
        // Nothing to record (the cancel did), but the job may have nothing left running: the scheduler's settling
        // derives it should this fail.
        await refreshJobs(db, [task.jobId]).catch(() => {});
        return 'cancelled';
      }
      if (reason instanceof StopReason && reason.kind === 'lost') return 'lost';
      const message = storableText(reason instanceof Error ? reason.message : String(reason), ERROR_LIMIT);
      const delayMs = retryDelayMs(task.attempt, settings.RETRY_BASE_DELAY_MS);
      const status = await writeWithinLease(() => fail(db, task, workerId, message, delayMs), lease, retried);
      return status === null ? 'lost' : status === 'failed' ? 'failed' : 'retrying';
    }
  } catch (error) {
    if (!(error instanceof LeaseRanOut)) throw error;
    // Left to be taken back (the attempt counts); the task is no longer this worker's to write.
    log.error('outcome not recorded within the lease', {
      task_id: task.id,
      error: (error.cause as Error | undefined)?.name,
    });
    return 'unrecorded';
  } finally {
    clearTimeout(timeout);
    clearInterval(heartbeat);
    if (work) await untilReturned(work, task, log);
  }
}

/** Waits for a handler that kept running after its attempt ended (it ignored its signal). */
async function untilReturned(work: Promise<string>, task: ClaimedTask, log: Logger): Promise<void> {
  let returned = false;
  const settled = work.then(
    () => {
      returned = true;
    },
    () => {
      returned = true;
    },
  );
  await Promise.resolve();
  if (!returned)
    log.warn('handler still running after its attempt ended; its slot stays busy', { task_id: task.id });
  await settled;
}
