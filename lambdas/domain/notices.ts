/**
 * What the event-driven path passes around instead of polling the database: a notice that names one piece of
 * work and when it is due. In AWS each notice is one SQS message (lambdas/queue/); a notice for a later time waits
 * in the queue (DelaySeconds, chained beyond 15 minutes), so finding out that nothing is due costs no database call.
 */
export type WorkNotice =
  /**
   * Run this task (once due: `due` is its run_at when it waits for a retry). `deferrals` counts how often it was
   * sent on because its user was at USER_MAX_RUNNING (its delay grows with it).
   */
  (
    | { kind: 'task'; taskId: string; due?: Date; deferrals?: number }
    /**
     * A scheduled job's occurrence at `at`: make its task and send the next occurrence's notice. With `wakeAt`, it
     * arrives then, early, to wake a database that may have paused, and travels on to `at`. With `confirm`, it was
     * sent before the write that makes the occurrence (which may then have failed: 404, 412): it arrives within a
     * minute to confirm once that the job has it, instead of hopping on unchecked until `at`, perhaps years away.
     */
    | { kind: 'occurrence'; jobId: string; at: Date; wakeAt?: Date; confirm?: true }
    /** Attempt this webhook delivery (its id is its task's), once due: `due` is a retry's time. */
    | { kind: 'delivery'; deliveryId: string; due?: Date }
    /**
     * Send the notices of this job's deliveries that were never attempted: an API cancel made them. Sent right after
     * the cancel, and once more before it, delayed, in case the API's process dies between its write and its send.
     */
    | { kind: 'deliveries'; jobId: string; due?: Date }
  ) & {
    /**
     * The owner of the work: in AWS the message's MessageGroupId, the tenant an SQS fair queue balances by
     * (docs/sqs-endpoint.md). Absent on notices queued before it was added; SQS treats each such one as its own tenant.
     */
    userId?: string;
  };

/** When a notice's work is due; undefined means now. */
export function dueTime(notice: WorkNotice): Date | undefined {
  return notice.kind === 'occurrence' ? notice.at : notice.due;
}

/** When a notice should arrive: its wake-up time if it has one, else when it is due. */
export function arrivalTime(notice: WorkNotice): Date | undefined {
  return (notice.kind === 'occurrence' ? notice.wakeAt : undefined) ?? dueTime(notice);
}

/** How far ahead to wake a database that pauses; `aheadSeconds` 0 turns wake-ups off. */
export interface WakePolicy {
  pauseSeconds: number;
  aheadSeconds: number;
}

/**
 * Gives a wake-up time to each occurrence due after the database may have paused (it waits longer than the pause
 * delay), so that the resume (about 15 s, 30 s or more after a day) happens before the occurrence, not in it.
 */
export function withWakeUps(notices: WorkNotice[], now: Date, policy: WakePolicy): WorkNotice[] {
  if (policy.aheadSeconds <= 0 || policy.pauseSeconds <= 0) return notices;
  return notices.map((notice) =>
    notice.kind === 'occurrence' &&
    !notice.wakeAt &&
    notice.at.getTime() - now.getTime() > policy.pauseSeconds * 1000
      ? { ...notice, wakeAt: new Date(notice.at.getTime() - policy.aheadSeconds * 1000) }
      : notice,
  );
}

const owner = (userId: string | null | undefined) => (userId ? { userId: String(userId) } : {});

export const taskNotice = (taskId: string, due?: Date | null, userId?: string | null): WorkNotice => ({
  kind: 'task',
  taskId,
  ...(due ? { due } : {}),
  ...owner(userId),
});

export const deliveryNotice = (deliveryId: string, due?: Date | null): WorkNotice =>
  due ? { kind: 'delivery', deliveryId, due } : { kind: 'delivery', deliveryId };

export const deliverySweepNotice = (jobId: string, due?: Date): WorkNotice =>
  due ? { kind: 'deliveries', jobId, due } : { kind: 'deliveries', jobId };

export const occurrenceNotice = (
  jobId: string,
  at: Date,
  options: { confirm?: true; userId?: string | null } = {},
): WorkNotice => ({
  kind: 'occurrence',
  jobId,
  at,
  ...(options.confirm ? { confirm: options.confirm } : {}),
  ...owner(options.userId),
});

/** How soon an unconfirmed notice is checked: after the write it preceded surely ended (API Gateway: 30 s at most). */
export const CONFIRM_AFTER_SECONDS = 60;
