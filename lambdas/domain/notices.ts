/**
 * What the event-driven path passes around instead of polling the database: a notice that names one piece of
 * work and when it is due. In AWS each notice is one SQS message (lambdas/queue/); a notice for a later time waits
 * in the queue (DelaySeconds, chained beyond 15 minutes), so finding out that nothing is due costs no database call.
 */
export type WorkNotice =
  /** Run this task (once due: `due` is its run_at when it waits for a retry). */
  | { kind: 'task'; taskId: string; due?: Date }
  /** A scheduled job's occurrence at `at`: make its task and send the next occurrence's notice. */
  | { kind: 'occurrence'; jobId: string; at: Date };

/** When a notice's work is due; undefined means now. */
export function dueTime(notice: WorkNotice): Date | undefined {
  return notice.kind === 'occurrence' ? notice.at : notice.due;
}

export const taskNotice = (taskId: string, due?: Date | null): WorkNotice =>
  due ? { kind: 'task', taskId, due } : { kind: 'task', taskId };

export const occurrenceNotice = (jobId: string, at: Date): WorkNotice => ({ kind: 'occurrence', jobId, at });
