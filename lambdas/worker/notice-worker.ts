import type { Database } from '../db/port.js';
import type { DeliverySettings } from '../domain/deliveries.js';
import {
  claimNoticedTask,
  occurrenceIsNext,
  retryNotice,
  takeNoticedOccurrence,
} from '../domain/dispatch.js';
import { refreshJobs } from '../domain/execution.js';
import { wakeDatabase } from '../domain/health.js';
import { deliveryNotice, dueTime, type WorkNotice } from '../domain/notices.js';
import type { Logger } from '../logger.js';
import { handleDeliveryNotice } from './delivery-notice.js';
import { type Outcome, runTask } from './run-task.js';
import type { WorkerSettings } from './settings.js';

/** One received queue message, as the worker needs it (from an SQS event record). */
export interface ReceivedNotice {
  messageId: string;
  notice: WorkNotice;
  receiveCount: number;
  sentAt: Date;
}

/** What the worker does with the message afterwards. */
export type Disposition =
  /** Delete it: its work is done, or it was handed on in the notices already sent. */
  | { kind: 'done'; outcome?: Outcome | 'handed-on' | 'woke' | 'dropped' | 'deferred' }
  /** Keep it, visible again after this many seconds. */
  | { kind: 'later'; afterSeconds: number; reason: string };

export interface NoticeDeps {
  db: Database;
  send: (notices: WorkNotice[]) => Promise<void>;
  settings: Pick<WorkerSettings, 'LEASE_SECONDS' | 'HEARTBEAT_MS' | 'RETRY_BASE_DELAY_MS'> &
    Partial<Pick<WorkerSettings, 'USER_MAX_RUNNING'>>;
  log: Logger;
  /** USER_MAX_QUEUED: an occurrence of a user with this many open tasks is skipped (default: the config's default). */
  userMaxQueued?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Webhook delivery settings; from the configuration unless given. */
  deliveries?: DeliverySettings;
}

/**
 * The API sends a notice just before it commits the work the notice names (so that no commit is ever left without
 * its notice); a worker can therefore find nothing for a moment. It looks again briefly, then later, and after
 * this long it concludes the commit never happened (the API's statements end well within API Gateway's 30 s).
 */
const MISSING_GIVE_UP_MS = 30_000;
const MISSING_WAIT_IN_PROCESS_MS = 2_000;

const wakeOf = (notice: { wakeAt?: Date }) => (notice.wakeAt ? { wakeAt: notice.wakeAt } : {});
const ownerOf = (notice: WorkNotice) => (notice.userId ? { userId: notice.userId } : {});

/**
 * How long a task notice waits before it tries again when its user is at USER_MAX_RUNNING: 1 s, doubling with each
 * deferral up to a minute, jittered into its upper half so a user's deferred notices spread out. Each try costs one
 * SQS receive and one claim statement; the task itself waits, its attempts untouched.
 */
export function busyDelayMs(deferrals: number, random: () => number = Math.random): number {
  const ceiling = Math.min(60_000, 1_000 * 2 ** Math.max(0, deferrals));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Handles one notice: waits out the last second before its due time (SQS delays are whole seconds), hands a notice
 * due later back to the queue (chains past SQS's 15-minute limit, without a database call), and otherwise claims
 * and runs its task or takes its occurrence. Throws only on infrastructure failures (the message is then kept).
 */
export async function handleNotice(received: ReceivedNotice, deps: NoticeDeps): Promise<Disposition> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const { notice } = received;
  const due = dueTime(notice)?.getTime() ?? 0;
  if (notice.kind === 'occurrence' && notice.confirm && due - now() > 1_000) {
    // Sent before the write that makes it: confirm once that the write happened, then travel on unchecked.
    if (!(await occurrenceIsNext(deps.db, notice.jobId, notice.at)))
      return { kind: 'done', outcome: 'dropped' };
    await deps.send([
      { kind: 'occurrence', jobId: notice.jobId, at: notice.at, ...wakeOf(notice), ...ownerOf(notice) },
    ]);
    return { kind: 'done', outcome: 'handed-on' };
  }
  const wakeAt = notice.kind === 'occurrence' ? notice.wakeAt?.getTime() : undefined;
  if (notice.kind === 'occurrence' && wakeAt !== undefined && due - now() > 1_000) {
    if (wakeAt - now() > 1_000) {
      await deps.send([notice]);
      return { kind: 'done', outcome: 'handed-on' };
    }
    await wakeDatabase(deps.db);
    await deps.send([{ kind: 'occurrence', jobId: notice.jobId, at: notice.at, ...ownerOf(notice) }]);
    return { kind: 'done', outcome: 'woke' };
  }
  if (due - now() > 1_000) {
    await deps.send([notice]);
    return { kind: 'done', outcome: 'handed-on' };
  }
  if (due > now()) await sleep(due - now());

  if (notice.kind === 'delivery' || notice.kind === 'deliveries')
    return handleDeliveryNotice(notice, received, deps);

  const age = () => now() - received.sentAt.getTime();
  const missing = (): Disposition =>
    age() > MISSING_GIVE_UP_MS
      ? { kind: 'done', outcome: 'dropped' }
      : { kind: 'later', afterSeconds: Math.min(8, 2 ** received.receiveCount), reason: 'not found yet' };

  const takeOccurrence = async (jobId: string, at: Date) => {
    for (;;) {
      const taken = await takeNoticedOccurrence(
        deps.db,
        jobId,
        at,
        received.messageId,
        undefined,
        deps.userMaxQueued,
      );
      if (taken.kind === 'done' || age() > MISSING_WAIT_IN_PROCESS_MS) return taken;
      await sleep(250);
    }
  };
  let taskId: string;
  if (notice.kind === 'occurrence') {
    const taken = await takeOccurrence(notice.jobId, notice.at);
    if (taken.kind === 'missing') return missing();
    await deps.send(taken.send);
    if (!taken.taskId) return { kind: 'done', outcome: taken.send.length ? 'handed-on' : 'dropped' };
    // The occurrence's task runs here, held by this message: if this worker dies, the message comes back,
    // recognises its occurrence and takes the task back at once.
    taskId = taken.taskId;
  } else {
    taskId = notice.taskId;
  }

  const holder = { messageId: received.messageId, receiveCount: received.receiveCount };
  for (;;) {
    const claimed = await claimNoticedTask(
      deps.db,
      taskId,
      holder,
      deps.settings.LEASE_SECONDS,
      deps.settings.USER_MAX_RUNNING ?? 0,
    );
    switch (claimed.kind) {
      case 'busy': {
        // Sent on as a new message rather than kept (a visibility change): a kept message's receive count rises
        // with every try and would carry a long-waiting task to the DLQ.
        const deferrals = (notice.kind === 'task' ? (notice.deferrals ?? 0) : 0) + 1;
        const due = new Date(now() + busyDelayMs(deferrals - 1));
        await deps.send([{ kind: 'task', taskId, due, deferrals, userId: claimed.userId }]);
        return { kind: 'done', outcome: 'deferred' };
      }
      case 'settled':
        await deps.send(claimed.send);
        return { kind: 'done', outcome: claimed.send.length ? 'handed-on' : 'dropped' };
      case 'wait':
        // Due by this worker's clock but not yet by the database's (clocks a little apart): look again in a second
        // rather than hand the notice on with no delay, round and round.
        if ((dueTime(claimed.notice)?.getTime() ?? 0) - now() <= 1_000)
          return { kind: 'later', afterSeconds: 1, reason: 'not due yet by the database clock' };
        await deps.send([claimed.notice]);
        return { kind: 'done', outcome: 'handed-on' };
      case 'run': {
        const outcome = await runTask(deps.db, claimed.task, claimed.owner, deps.settings, deps.log);
        // Not recorded, the lease run out: keep the message, which comes back and takes the task back.
        if (outcome === 'unrecorded')
          return { kind: 'later', afterSeconds: Math.min(60, 2 ** received.receiveCount), reason: outcome };
        if (outcome === 'retrying') await deps.send(await retryNotice(deps.db, claimed.task.id));
        // The end's webhook delivery was inserted with it; its notice goes out before this message is let go, so a
        // worker dying in between leaves the message to come back and send it (claimNoticedTask's `send`).
        if (
          claimed.task.webhook &&
          (outcome === 'completed' || outcome === 'failed' || outcome === 'cancelled')
        )
          await deps.send([deliveryNotice(claimed.task.id)]);
        // The end's own derivation of the job's status swallows failures (locally the scheduler settles such a
        // job); in AWS nothing would, so derive it here and keep the message (throw) if that fails too.
        if (outcome === 'completed' || outcome === 'failed' || outcome === 'cancelled')
          await refreshJobs(deps.db, [claimed.task.jobId]);
        return { kind: 'done', outcome };
      }
      case 'missing':
        if (age() > MISSING_WAIT_IN_PROCESS_MS) return missing();
        await sleep(250);
    }
  }
}
