import { createHash, randomUUID } from 'node:crypto';
import type { Database } from '../db/port.js';
import { JOB, type JobView } from '../shapes/job.js';
import type { JobSpec, JobUpdate } from '../shapes/job-requests.js';
import { insertJob, updateJob as updateJobSql } from '../sql/jobs.js';
import { settle } from '../sql/outcome.js';
import {
  IdempotencyKeyJobDeletedError,
  IdempotencyMismatchError,
  NotFoundError,
  VersionConflictError,
} from './errors.js';
import { type Announce, announceFirst } from './jobs.js';
import { occurrenceNotice } from './notices.js';
import { nextOccurrence } from './occurrences.js';
import { occurrenceOrRetry } from './scheduler-pass.js';

/**
 * The job writes that take a schedule, creating and changing a job: they compute its first occurrence, so they
 * alone load the cron parser. The reads and cancellations (jobs.ts) do not, and neither do the functions that
 * serve them.
 */
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
