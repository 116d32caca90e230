import { randomUUID } from 'node:crypto';
import type { Database } from '../db/port.js';
import { type DeliverySettings, deliverDue, deliverySettings } from '../domain/deliveries.js';
import { pollingClaimer } from '../domain/execution.js';
import { schedulerTick } from '../domain/scheduler-pass.js';
import { HANDLERS } from '../job-types/implementations.js';
import { USER_MAX_QUEUED_DEFAULT } from '../limits.js';
import type { Logger } from '../logger.js';
import { type Outcome, runTask } from './run-task.js';
import type { WorkerSettings } from './settings.js';
import { successBatcher } from './success-batcher.js';
import type { TaskHandler } from './types.js';

/** Webhook attempts in flight at once, locally. */
const MAX_DELIVERIES = 8;

export interface WorkerPool {
  /** Outcomes so far, by kind (for tests and the console). */
  readonly outcomes: Record<Outcome, number>;
  stop(): Promise<void>;
}

/**
 * The in-process scheduler and worker pool `npm start` runs: one claim statement fetches as many due tasks as
 * there are free slots, and successes are recorded in batches (success-batcher.ts); an idle pool polls every
 * POLL_MS. Stopping waits briefly for running tasks; any still
 * running are left to their leases, so another worker re-runs them.
 */
export function startLocalWorkers(
  db: Database,
  settings: WorkerSettings,
  log: Logger,
  handlers: Readonly<Record<string, TaskHandler>> = HANDLERS,
  userMaxQueued = USER_MAX_QUEUED_DEFAULT,
  deliveries?: DeliverySettings,
): WorkerPool {
  const workerId = `local-${randomUUID()}`;
  const claimNext = pollingClaimer(db, workerId);
  // Successes of the pool's tasks are recorded in batches: one statement for all that finished meanwhile.
  const successes = successBatcher(db, workerId);
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
  // Stopping ends every sleep at once: a loop asleep for POLL_MS must not hold `stop()` up.
  const stopping = new AbortController();
  const sleep = (ms: number, woken?: (wakeUp: () => void) => void) =>
    new Promise<void>((resolve) => {
      if (stopping.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.signal.addEventListener('abort', done);
      woken?.(done);
    });
  // The claim loop's sleep also ends when a task ends (a slot is free).
  let wake: () => void = () => {};
  const nap = (ms: number) =>
    sleep(ms, (wakeUp) => {
      wake = wakeUp;
    });

  // Handlers running: a slot is taken until its handler returns. A task whose handler has returned holds no slot
  // while its outcome is written (successes wait for their batch), but handlers and such writes together are capped
  // at twice the slots, so a slow database slows claiming rather than piling up outcomes.
  let busy = 0;
  const freeSlots = () =>
    Math.min(settings.WORKER_CONCURRENCY - busy, 2 * settings.WORKER_CONCURRENCY - running.size);
  const poll = async () => {
    while (!stopped) {
      const free = freeSlots();
      let claimed = 0;
      if (free > 0) {
        try {
          const tasks = await claimNext({
            limit: free,
            leaseSeconds: settings.LEASE_SECONDS,
            userMaxRunning: settings.USER_MAX_RUNNING,
          });
          claimed = tasks.length;
          for (const task of tasks) {
            let slotTaken = true;
            const freeSlot = () => {
              if (!slotTaken) return;
              slotTaken = false;
              busy -= 1;
              wake();
            };
            busy += 1;
            const run = runTask(db, task, workerId, settings, log, handlers, successes.complete, freeSlot)
              .then((outcome) => {
                outcomes[outcome] += 1;
              })
              .catch((error: Error) => log.error('task run failed', { task_id: task.id, error: error.name }))
              .finally(() => {
                freeSlot();
                running.delete(run);
                wake();
              });
            running.add(run);
          }
        } catch (error) {
          log.warn('claim failed', { error: (error as Error).name });
        }
      }
      // Counted again after the claim: a slot freed while it was on its way woke no sleep.
      if (claimed === 0 || freeSlots() <= 0) await nap(settings.POLL_MS);
    }
  };

  const tick = async () => {
    try {
      await schedulerTick(db, undefined, userMaxQueued);
    } catch (error) {
      log.warn('scheduler tick failed', { error: (error as Error).name });
    }
  };
  // Webhook deliveries: due ones are claimed every POLL_MS, up to MAX_DELIVERIES in flight (an attempt mostly
  // waits on the receiver, so these do not take task slots).
  const delivering = new Set<Promise<unknown>>();
  const deliver = async () => {
    let webhookSettings: DeliverySettings;
    try {
      webhookSettings = deliveries ?? deliverySettings();
    } catch (error) {
      // No configuration (a pool started on a bare database connection, as some tests do): no webhooks then.
      log.warn('webhook deliveries off: no configuration', { error: (error as Error).name });
      return;
    }
    while (!stopped) {
      const free = MAX_DELIVERIES - delivering.size;
      if (free > 0) {
        try {
          for (const attempt of await deliverDue(db, workerId, free, webhookSettings)) {
            const tracked = attempt
              .catch((error: Error) => log.error('webhook attempt failed', { error: error.name }))
              .finally(() => delivering.delete(tracked));
            delivering.add(tracked);
          }
        } catch (error) {
          log.warn('delivery claim failed', { error: (error as Error).name });
        }
      }
      await sleep(settings.POLL_MS);
    }
  };
  const scheduler = setInterval(() => void tick(), settings.SCHEDULER_INTERVAL_MS);
  void tick();
  const polling = poll();
  const deliveryLoop = deliver();

  return {
    outcomes,
    async stop() {
      stopped = true;
      clearInterval(scheduler);
      stopping.abort();
      await polling;
      await deliveryLoop;
      await Promise.race([
        Promise.allSettled([...running, ...delivering]),
        new Promise((resolve) => setTimeout(resolve, 3_000)),
      ]);
    },
  };
}
