import { ResponseTooLargeError } from '../db/errors.js';
import type { Database } from '../db/port.js';
import { JOB, type JobView } from '../shapes/job.js';
import type { Page, PagePosition } from '../shapes/page.js';
import { cancelJob as cancelJobSql, selectJob, selectJobs } from '../sql/jobs.js';
import { NotFoundError, NoticeNotSentError } from './errors.js';
import { CONFIRM_AFTER_SECONDS, deliverySweepNotice, type WorkNotice } from './notices.js';
import { fetchPage } from './pages.js';

/** A job's reads and cancellations. Creating and changing one (which compute schedules) are job-writes.ts. */

/**
 * Sends work notices (in AWS: to the queue). Called before the write that creates the work, so that no committed
 * work is ever left without its notice: a notice whose write then failed finds nothing and is dropped.
 */
export type Announce = (notices: WorkNotice[]) => Promise<void>;

/** Announces, turning a failure into "nothing was changed" (the write has not been sent). */
export async function announceFirst(announce: Announce | undefined, notices: WorkNotice[]): Promise<void> {
  if (!announce) return;
  await announce(notices).catch((error: unknown) => {
    throw new NoticeNotSentError({ cause: error });
  });
}

/** When a notice sent before a write arrives: after that write surely ended (CONFIRM_AFTER_SECONDS). */
export const afterAnyWrite = () => new Date(Date.now() + CONFIRM_AFTER_SECONDS * 1000);

/**
 * Announces after a write committed. A failure is not the caller's: the notice sent before the write (delayed past
 * its end) does the same work a minute later.
 */
export async function announceAfter(announce: Announce | undefined, notices: WorkNotice[]): Promise<void> {
  if (!announce || notices.length === 0) return;
  await announce(notices).catch(() => {});
}

export async function getJob(db: Database, userId: string, jobId: string): Promise<JobView> {
  const row = (await db.query(selectJob(userId, jobId))).rows[0];
  if (!row) throw new NotFoundError('job');
  return JOB.view(row);
}

export interface JobListQuery {
  status?: string;
  job_type?: string;
  limit: number;
  after?: PagePosition;
}

/** The caller's jobs, newest first; a page may hold fewer than `limit` when its rows are large. */
export async function listJobs(db: Database, userId: string, query: JobListQuery): Promise<Page<JobView>> {
  const fetch = async (rows: number) =>
    (
      await db.query(
        selectJobs({
          userId,
          status: query.status,
          jobType: query.job_type,
          after: query.after,
          limit: rows,
        }),
      )
    ).rows;
  return fetchPage(query.limit, fetch, JOB.view, (error) => error instanceof ResponseTooLargeError);
}

/**
 * Cancels (or soft-deletes) the job and its waiting and running tasks. With a queue (AWS), the webhook deliveries
 * of those ends are announced as a sweep of the job: delayed before the write (in case this process dies after
 * committing) and at once after it when it made any.
 */
async function cancelJobAnnounced(
  db: Database,
  userId: string,
  jobId: string,
  softDelete: boolean,
  announce: Announce | undefined,
) {
  await announceFirst(announce, [deliverySweepNotice(jobId, afterAnyWrite())]);
  const row = (await db.query(cancelJobSql(userId, jobId, { softDelete }))).rows[0];
  if (!row) throw new NotFoundError('job');
  if (Number(row.deliveries_made) > 0) await announceAfter(announce, [deliverySweepNotice(jobId)]);
  return row;
}

/** Cancels the job and its waiting and running tasks; cancelling a cancelled job changes nothing. */
export async function cancelJob(
  db: Database,
  userId: string,
  jobId: string,
  announce?: Announce,
): Promise<JobView> {
  return JOB.view(await cancelJobAnnounced(db, userId, jobId, false, announce));
}

/** Soft-deletes the job (it then reads as not found) and cancels its waiting and running tasks. */
export async function deleteJob(
  db: Database,
  userId: string,
  jobId: string,
  announce?: Announce,
): Promise<void> {
  await cancelJobAnnounced(db, userId, jobId, true, announce);
}
