import { createHash, randomUUID } from 'node:crypto';
import { config } from '../config.js';
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
import { CONFIRM_AFTER_SECONDS, deliverySweepNotice, occurrenceNotice, type WorkNotice } from './notices.js';
import { nextOccurrence, type Schedule } from './occurrences.js';
import { occurrenceOrRetry } from './scheduler-pass.js';
import { fetchPage, type JobView, type Page, type PagePosition, toJobView } from './views.js';
import { decryptSecret } from './webhook-secret.js';
import { type PreparedWebhook, prepareWebhook, type WebhookRules } from './webhooks.js';

const defaultRules = (): WebhookRules => ({ allowPrivate: config().WEBHOOK_ALLOW_PRIVATE_TARGETS });

/** The job as the response that set its webhook shows it: with the secret, this once. */
async function withSecret(job: JobView, encrypted: unknown, rules: () => WebhookRules): Promise<JobView> {
  if (!job.webhook || typeof encrypted !== 'string') return job;
  return { ...job, webhook: { ...job.webhook, secret: await decryptSecret(encrypted, rules().key) } };
}

/** What a caller asks for when creating a job (validated at the edge). */
export interface JobSpec {
  job_type: string;
  payload: Record<string, unknown>;
  schedule_interval: Schedule;
  max_retries: number;
  priority: number;
  timeout_seconds: number;
  webhook?: { url: string } | null;
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
  options: { id?: string; announce?: Announce; webhookRules?: WebhookRules } = {},
): Promise<{ job: JobView; replayed: boolean }> {
  const rules = () => options.webhookRules ?? defaultRules();
  // Checked (and its secret made) before anything is sent: a refused URL changes nothing.
  const webhook = spec.webhook ? await prepareWebhook(spec.webhook.url, rules()) : null;
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
    webhook,
  });
  // No row means a concurrent request with the same key committed after our snapshot: the second run sees it.
  const row = (await db.query(statement)).rows[0] ?? (await db.query(statement)).rows[0];
  if (!row) throw new Error('idempotent insert returned no row twice');
  if (row.replayed && row.request_hash !== requestHash) throw new IdempotencyMismatchError();
  // Replaying a deleted job would answer 201 for something GET calls 404; creating a new one would break the key.
  if (row.replayed && row.is_deleted) throw new IdempotencyKeyJobDeletedError();
  // A replay shows the secret the first request made (the caller may have lost that answer).
  return {
    job: await withSecret(toJobView(row), row.webhook_secret, rules),
    replayed: Boolean(row.replayed),
  };
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
  changes: Omit<JobChanges, 'schedule' | 'nextRunAt' | 'scheduleError' | 'webhook'> & {
    schedule?: Schedule;
    webhook?: { url: string } | null;
  },
  announce?: Announce,
  webhookRules?: WebhookRules,
): Promise<JobView> {
  const webhook: PreparedWebhook | null | undefined = changes.webhook
    ? await prepareWebhook(changes.webhook.url, webhookRules ?? defaultRules())
    : changes.webhook;
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
        webhook,
      }),
    )
  ).rows[0];
  if (!row) throw new NotFoundError('job');
  if (row.id === null) throw new VersionConflictError(Number(row.current_version));
  const job = toJobView(row);
  return webhook && job.webhook ? { ...job, webhook: { url: job.webhook.url, secret: webhook.secret } } : job;
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
  return toJobView(await cancelJobAnnounced(db, userId, jobId, false, announce));
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
