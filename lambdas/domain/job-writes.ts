import { createHash, randomUUID } from 'node:crypto';
import { config } from '../config.js';
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
import { decryptSecret } from './webhook-secret.js';
import { type PreparedWebhook, prepareWebhook, type WebhookRules } from './webhooks.js';

const defaultRules = (): WebhookRules => ({ allowPrivate: config().WEBHOOK_ALLOW_PRIVATE_TARGETS });

/** The job as the response that set its webhook shows it: with the secret, this once. */
async function withSecret(job: JobView, encrypted: unknown, rules: () => WebhookRules): Promise<JobView> {
  if (!job.webhook || typeof encrypted !== 'string') return job;
  return { ...job, webhook: { url: job.webhook.url, secret: await decryptSecret(encrypted, rules().key) } };
}

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
    await announceFirst(options.announce, [occurrenceNotice(id, first.next, { confirm: true, userId })]);
  const statement = insertJob({
    ...spec,
    id,
    user_id: userId,
    next_run_at: first.next,
    schedule_error: first.error,
    idempotency_key: idempotencyKey ?? null,
    request_hash: requestHash,
    webhook_secret: webhook?.encryptedSecret ?? null,
  });
  // No row means a concurrent request with the same key committed after our snapshot: the second run sees it.
  const row = (await db.query(statement)).rows[0] ?? (await db.query(statement)).rows[0];
  if (!row) throw new Error('idempotent insert returned no row twice');
  if (row.replayed && row.request_hash !== requestHash) throw new IdempotencyMismatchError();
  // Replaying a deleted job would answer 201 for something GET calls 404; creating a new one would break the key.
  if (row.replayed && row.is_deleted) throw new IdempotencyKeyJobDeletedError();
  // A replay shows the job's secret (the caller may have lost the first answer).
  return { job: await withSecret(JOB.view(row), row.webhook_secret, rules), replayed: Boolean(row.replayed) };
}

export async function updateJob(
  db: Database,
  userId: string,
  jobId: string,
  expectedVersion: number,
  changes: JobUpdate,
  announce?: Announce,
  webhookRules?: WebhookRules,
): Promise<JobView> {
  const webhook: PreparedWebhook | null | undefined = changes.webhook
    ? await prepareWebhook(changes.webhook.url, webhookRules ?? defaultRules())
    : changes.webhook;
  // A new schedule starts counting now; its notice goes out before the write. A failure to compute it is recorded
  // on the job and retried a minute later, never a 500.
  const now = new Date();
  const schedule = changes.schedule_interval;
  const first = schedule ? occurrenceOrRetry(() => nextOccurrence(schedule, now), now) : undefined;
  if (first?.next)
    await announceFirst(announce, [occurrenceNotice(jobId, first.next, { confirm: true, userId })]);
  const outcome = settle(
    (
      await db.query(
        updateJobSql(userId, jobId, expectedVersion, {
          ...changes,
          next_run_at: first?.next,
          schedule_error: first?.error,
          ...(webhook === undefined ? {} : { webhook_secret: webhook?.encryptedSecret ?? null }),
        }),
      )
    ).rows,
  );
  if (!outcome.found) throw new NotFoundError('job');
  if (outcome.refused) throw new VersionConflictError(Number(outcome.refused.current_version));
  const job = JOB.view(outcome.row);
  return webhook && job.webhook ? { ...job, webhook: { url: job.webhook.url, secret: webhook.secret } } : job;
}
