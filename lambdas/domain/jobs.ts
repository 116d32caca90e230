import { createHash, randomUUID } from 'node:crypto';
import { ResponseTooLargeError } from '../db/errors.js';
import type { Database } from '../db/port.js';
import { JOB, type JobView } from '../shapes/job.js';
import type { JobSpec, JobUpdate } from '../shapes/job-requests.js';
import type { Page, PagePosition } from '../shapes/page.js';
import {
  cancelJob as cancelJobSql,
  insertJob,
  selectJob,
  selectJobs,
  updateJob as updateJobSql,
} from '../sql/jobs.js';
import { settle } from '../sql/outcome.js';
import {
  IdempotencyKeyJobDeletedError,
  IdempotencyMismatchError,
  NotFoundError,
  NoticeNotSentError,
  VersionConflictError,
} from './errors.js';
import { occurrenceNotice, type WorkNotice } from './notices.js';
import { fetchPage } from './pages.js';
import { nextOccurrence } from './schedule.js';
import { occurrenceOrRetry } from './scheduling.js';

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

/** Canonical JSON (sorted keys) so that the same request always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Creates a job with the id given in `options` or a new one. The id is chosen before anything is sent, so the
 * insert is safe to send again after a lost answer, and a caller can use the id before the job is committed.
 */
export async function createJob(
  db: Database,
  userId: string,
  spec: JobSpec,
  idempotencyKey?: string,
  options: { id?: string; announce?: Announce } = {},
): Promise<{ job: JobView; replayed: boolean }> {
  const requestHash = idempotencyKey ? createHash('sha256').update(canonical(spec)).digest('hex') : null;
  const id = options.id ?? randomUUID();
  const now = new Date();
  const first = occurrenceOrRetry(() => nextOccurrence(spec.schedule_interval, now), now);
  if (first.next)
    await announceFirst(options.announce, [occurrenceNotice(id, first.next, { confirm: true })]);
  const statement = insertJob({
    ...spec,
    id,
    user_id: userId,
    next_run_at: first.next,
    schedule_error: first.error,
    idempotency_key: idempotencyKey ?? null,
    request_hash: requestHash,
  });
  // No row means a concurrent request with the same key committed after our snapshot: the second run sees it.
  const row = (await db.query(statement)).rows[0] ?? (await db.query(statement)).rows[0];
  if (!row) throw new Error('idempotent insert returned no row twice');
  if (row.replayed && row.request_hash !== requestHash) throw new IdempotencyMismatchError();
  // Replaying a deleted job would answer 201 for something GET calls 404; creating a new one would break the key.
  if (row.replayed && row.is_deleted) throw new IdempotencyKeyJobDeletedError();
  return { job: JOB.view(row), replayed: Boolean(row.replayed) };
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

export async function updateJob(
  db: Database,
  userId: string,
  jobId: string,
  expectedVersion: number,
  changes: JobUpdate,
  announce?: Announce,
): Promise<JobView> {
  // A new schedule starts counting now; its notice goes out before the write. A failure to compute it is recorded
  // on the job and retried a minute later, never a 500.
  const now = new Date();
  const schedule = changes.schedule_interval;
  const first = schedule ? occurrenceOrRetry(() => nextOccurrence(schedule, now), now) : undefined;
  if (first?.next) await announceFirst(announce, [occurrenceNotice(jobId, first.next, { confirm: true })]);
  const outcome = settle(
    (
      await db.query(
        updateJobSql(userId, jobId, expectedVersion, {
          ...changes,
          next_run_at: first?.next,
          schedule_error: first?.error,
        }),
      )
    ).rows,
  );
  if (!outcome.found) throw new NotFoundError('job');
  if (outcome.refused) throw new VersionConflictError(Number(outcome.refused.current_version));
  return JOB.view(outcome.row);
}

/** Cancels the job and its waiting and running tasks; cancelling a cancelled job changes nothing. */
export async function cancelJob(db: Database, userId: string, jobId: string): Promise<JobView> {
  const row = (await db.query(cancelJobSql(userId, jobId, { softDelete: false }))).rows[0];
  if (!row) throw new NotFoundError('job');
  return JOB.view(row);
}

/** Soft-deletes the job (it then reads as not found) and cancels its waiting and running tasks. */
export async function deleteJob(db: Database, userId: string, jobId: string): Promise<void> {
  const row = (await db.query(cancelJobSql(userId, jobId, { softDelete: true }))).rows[0];
  if (!row) throw new NotFoundError('job');
}
