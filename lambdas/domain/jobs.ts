import { createHash, randomUUID } from 'node:crypto';
import { ResponseTooLargeError } from '../db/errors.js';
import type { Database } from '../db/port.js';
import {
  cancelJob as cancelJobSql,
  insertJob,
  type JobChanges,
  selectJob,
  selectJobs,
  updateJob as updateJobSql,
} from '../sql/jobs.js';
import {
  IdempotencyKeyJobDeletedError,
  IdempotencyMismatchError,
  NotFoundError,
  NoticeNotSentError,
  VersionConflictError,
} from './errors.js';
import { occurrenceNotice, type WorkNotice } from './notices.js';
import { nextOccurrence, type Schedule } from './occurrences.js';
import { occurrenceOrRetry } from './scheduler-pass.js';
import { fetchPage, type JobView, type Page, type PagePosition, toJobView } from './views.js';

/** What a caller asks for when creating a job (validated at the edge). */
export interface JobSpec {
  job_type: string;
  payload: Record<string, unknown>;
  schedule_interval: Schedule;
  max_retries: number;
  priority: number;
  timeout_seconds: number;
}

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
    id,
    userId,
    jobType: spec.job_type,
    payload: spec.payload,
    schedule: spec.schedule_interval,
    maxRetries: spec.max_retries,
    priority: spec.priority,
    timeoutSeconds: spec.timeout_seconds,
    nextRunAt: first.next,
    scheduleError: first.error,
    idempotencyKey: idempotencyKey ?? null,
    requestHash,
  });
  // No row means a concurrent request with the same key committed after our snapshot: the second run sees it.
  const row = (await db.query(statement)).rows[0] ?? (await db.query(statement)).rows[0];
  if (!row) throw new Error('idempotent insert returned no row twice');
  if (row.replayed && row.request_hash !== requestHash) throw new IdempotencyMismatchError();
  // Replaying a deleted job would answer 201 for something GET calls 404; creating a new one would break the key.
  if (row.replayed && row.is_deleted) throw new IdempotencyKeyJobDeletedError();
  return { job: toJobView(row), replayed: Boolean(row.replayed) };
}

export async function getJob(db: Database, userId: string, jobId: string): Promise<JobView> {
  const row = (await db.query(selectJob(userId, jobId))).rows[0];
  if (!row) throw new NotFoundError('job');
  return toJobView(row);
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
  return fetchPage(query.limit, fetch, toJobView, (error) => error instanceof ResponseTooLargeError);
}

export async function updateJob(
  db: Database,
  userId: string,
  jobId: string,
  expectedVersion: number,
  changes: Omit<JobChanges, 'schedule' | 'nextRunAt' | 'scheduleError'> & { schedule?: Schedule },
  announce?: Announce,
): Promise<JobView> {
  // A new schedule starts counting now; its notice goes out before the write. A failure to compute it is recorded
  // on the job and retried a minute later, never a 500.
  const now = new Date();
  const { schedule } = changes;
  const first = schedule ? occurrenceOrRetry(() => nextOccurrence(schedule, now), now) : undefined;
  if (first?.next) await announceFirst(announce, [occurrenceNotice(jobId, first.next, { confirm: true })]);
  const row = (
    await db.query(
      updateJobSql(userId, jobId, expectedVersion, {
        ...changes,
        nextRunAt: first?.next,
        scheduleError: first?.error,
      }),
    )
  ).rows[0];
  if (!row) throw new NotFoundError('job');
  if (row.id === null) throw new VersionConflictError(Number(row.current_version));
  return toJobView(row);
}

/** Cancels the job and its waiting and running tasks; cancelling a cancelled job changes nothing. */
export async function cancelJob(db: Database, userId: string, jobId: string): Promise<JobView> {
  const row = (await db.query(cancelJobSql(userId, jobId, { softDelete: false }))).rows[0];
  if (!row) throw new NotFoundError('job');
  return toJobView(row);
}

/** Soft-deletes the job (it then reads as not found) and cancels its waiting and running tasks. */
export async function deleteJob(db: Database, userId: string, jobId: string): Promise<void> {
  const row = (await db.query(cancelJobSql(userId, jobId, { softDelete: true }))).rows[0];
  if (!row) throw new NotFoundError('job');
}
