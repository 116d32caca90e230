import { randomUUID } from 'node:crypto';
import type { Database } from '../db/port.js';
import { pollingClaimer } from '../domain/execution.js';
import { schedulerTick } from '../domain/scheduler-pass.js';
import { HANDLERS } from '../job-types/implementations.js';
import { USER_MAX_QUEUED_DEFAULT } from '../limits.js';
import type { Logger } from '../logger.js';
import { type Outcome, runTask } from './run-task.js';
import type { WorkerSettings } from './settings.js';
import type { TaskHandler } from './types.js';

export interface WorkerPool {
  /** Outcomes so far, by kind (for tests and the console). */
  readonly outcomes: Record<Outcome, number>;
  stop(): Promise<void>;
}

/**
 * The in-process scheduler and worker pool `npm start` runs: one claim statement fetches as many due tasks as
 * there are free slots; an idle pool polls every POLL_MS. Stopping waits briefly for running tasks; any still
 * running are left to their leases, so another worker re-runs them.
 */
export function startLocalWorkers(
  db: Database,
  settings: WorkerSettings,
  log: Logger,
  handlers: Readonly<Record<string, TaskHandler>> = HANDLERS,
  userMaxQueued = USER_MAX_QUEUED_DEFAULT,
): WorkerPool {
  const workerId = `local-${randomUUID()}`;
  const claimNext = pollingClaimer(db, workerId);
  const running = new Set<Promise<unknown>>();
  const outcomes: Record<Outcome, number> = {
    completed: 0,
    retrying: 0,
    failed: 0,
    cancelled: 0,
    lost: 0,
    unrecorded: 0,
  };
  let stopped = false;
  let wake: () => void = () => {};
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const poll = async () => {
    while (!stopped) {
      const free = settings.WORKER_CONCURRENCY - running.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const tasks = await claimNext({ limit: free, leaseSeconds: settings.LEASE_SECONDS });
          claimed = tasks.length;
          for (const task of tasks) {
            const run = runTask(db, task, workerId, settings, log, handlers)
              .then((outcome) => {
                outcomes[outcome] += 1;
              })
              .catch((error: Error) => log.error('task run failed', { task_id: task.id, error: error.name }))
              .finally(() => {
                running.delete(run);
                wake();
              });
            running.add(run);
          }
        } catch (error) {
          log.warn('claim failed', { error: (error as Error).name });
        }
      }
      if (claimed === 0 || running.size >= settings.WORKER_CONCURRENCY) await nap(settings.POLL_MS);
    }
  };

  const tick = async () => {
    try {
      await schedulerTick(db, undefined, userMaxQueued);
    } catch (error) {
      log.warn('scheduler tick failed', { error: (error as Error).name });
    }
  };
  const scheduler = setInterval(() => void tick(), settings.SCHEDULER_INTERVAL_MS);
  void tick();
  const polling = poll();

  return {
    outcomes,
    async stop() {
      stopped = true;
      clearInterval(scheduler);
      wake();
      await polling;
      await Promise.race([
        Promise.allSettled([...running]),
        new Promise((resolve) => setTimeout(resolve, 3_000)),
      ]);
    },
  };
}
