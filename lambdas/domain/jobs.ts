import { createHash } from 'node:crypto';
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
import { IdempotencyMismatchError, NotFoundError, VersionConflictError } from './errors.js';
import { nextOccurrence, type Schedule } from './schedule.js';
import { occurrenceOrRetry } from './scheduling.js';
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

/** Canonical JSON (sorted keys) so that the same request always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function createJob(
  db: Database,
  userId: string,
  spec: JobSpec,
  idempotencyKey?: string,
): Promise<{ job: JobView; replayed: boolean }> {
  const requestHash = idempotencyKey ? createHash('sha256').update(canonical(spec)).digest('hex') : null;
  const now = new Date();
  const first = occurrenceOrRetry(() => nextOccurrence(spec.schedule_interval, now), now);
  const statement = insertJob({
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
): Promise<JobView> {
  // A new schedule starts counting now; the next occurrence is kept by the scheduler from then on. A failure to
  // compute it is recorded on the job and retried by the scheduler, never a 500.
  const now = new Date();
  const { schedule } = changes;
  const first = schedule ? occurrenceOrRetry(() => nextOccurrence(schedule, now), now) : undefined;
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
