import { randomUUID } from 'node:crypto';
import { OutcomeUnknownError } from '../db/errors.js';
import { DATA_API_ANSWER_BYTES, type Database } from '../db/port.js';
import { claimTasks } from '../sql/claims.js';
import {
  cancelStrandedTasks,
  completeTask,
  failAttempt,
  reapExpiredLeases,
  refreshJobStatuses,
  renewLease,
  selectUnsettledJobs,
} from '../sql/execution.js';
import { completeTasks } from '../sql/outcome-batch.js';

/** A task a worker holds: what to run, and the version that fences every write it makes. */
export interface ClaimedTask {
  id: string;
  jobId: string;
  version: number;
  attempt: number;
  payload: Record<string, unknown>;
  userId: string;
  jobType: string;
  jobPayload: Record<string, unknown>;
  timeoutSeconds: number;
  /** When the attempt was due (run_at as claimed): the queue delay is measured from it. */
  runAt?: Date;
  /** Its job had a webhook when claimed (the AWS worker then sends the delivery's notice after the task ends). */
  webhook?: true;
}

/** A claim statement's row (claimTasks, claimNamedTask) as the task a worker holds. */
export function toClaimedTask(row: Record<string, unknown>): ClaimedTask {
  return {
    id: String(row.id),
    jobId: String(row.job_id),
    version: Number(row.version),
    attempt: Number(row.attempt),
    payload: row.payload as Record<string, unknown>,
    userId: String(row.user_id),
    jobType: String(row.job_type),
    jobPayload: row.job_payload as Record<string, unknown>,
    timeoutSeconds: Number(row.timeout_seconds),
    ...(row.run_at == null ? {} : { runAt: new Date(row.run_at as string | Date) }),
    ...(row.webhook === true ? { webhook: true as const } : {}),
  };
}

/**
 * Derives the jobs' statuses from their tasks. A derivation that lost a race to another is redone from a fresh
 * snapshot, so the status that stays is computed from the latest task states.
 */
export async function refreshJobs(db: Database, jobIds: string[], attempts = 10): Promise<void> {
  let pending = [...new Set(jobIds)];
  for (let attempt = 0; attempt < attempts && pending.length > 0; attempt += 1) {
    pending = (await db.query(refreshJobStatuses(pending))).rows.map((row) => row.stale);
  }
}

/**
 * Derives the statuses after a write that has committed. Its failure must not undo what the write returned — the
 * tasks a claim leased, an outcome recorded — so it is not thrown: a job left behind is derived again by its
 * tasks' ends or, once nothing is open, by the scheduler's settling (in AWS, where no scheduler runs, by the
 * worker, which derives it again before it lets the message go: lambdas/worker/notice-worker.ts).
 */
async function refreshJobsAfterWrite(db: Database, jobIds: string[]): Promise<void> {
  await refreshJobs(db, jobIds).catch(() => {});
}

/**
 * At most this many tasks per claim: one claim statement stays short. Where the database caps an answer's size
 * (the Data API: 1 MiB) a claim takes fewer (`claimBatchLimit`).
 */
export const MAX_CLAIM_BATCH = 256;

/** The most a claimed row can take in an answer: the Data API refuses a row over 64 KiB, whatever the claim's size. */
const CLAIMED_ROW_BYTES = 64 * 1024;

/** What an answer carries besides its rows: the column metadata and the records' framing (~3 KB for a claim). */
const ANSWER_FRAME_BYTES = 16 * 1024;

/**
 * How many tasks one claim may take over `db`. A claim is a write that returns its rows: were its answer over the
 * adapter's limit, the claim would commit while the worker never saw its tasks (their attempts burned until the
 * leases expired). Over the Data API that is 15; over `pg`, whose answers have no limit, MAX_CLAIM_BATCH.
 */
export function claimBatchLimit(db: Pick<Database, 'answerLimitBytes'>): number {
  const answer = db.answerLimitBytes ?? DATA_API_ANSWER_BYTES;
  return Math.max(
    1,
    Math.min(MAX_CLAIM_BATCH, Math.floor((answer - ANSWER_FRAME_BYTES) / CLAIMED_ROW_BYTES)),
  );
}

export interface ClaimOptions {
  limit: number;
  leaseSeconds: number;
  /** USER_MAX_RUNNING: a user's tasks are claimed only while fewer than this run; 0 means no cap. */
  userMaxRunning?: number;
  /** Only this task. */
  taskId?: string;
  claimToken?: string;
}

/**
 * Claims due tasks, fairly across users (see `claimTasks`); their jobs turn `processing`. One claim token per call
 * (a new one unless given): the claim sent again after a lost answer returns the same tasks and burns no attempt
 * twice.
 */
export async function claim(db: Database, workerId: string, options: ClaimOptions): Promise<ClaimedTask[]> {
  const limit = Math.min(options.limit, claimBatchLimit(db));
  const token = options.claimToken ?? randomUUID();
  const { rows } = await db.query(
    claimTasks(workerId, limit, options.leaseSeconds, token, options.userMaxRunning ?? 0, options.taskId),
  );
  const tasks = rows.map(toClaimedTask);
  // Only jobs not already processing need their status moved.
  await refreshJobsAfterWrite(
    db,
    rows.filter((row) => row.job_status !== 'processing').map((row) => String(row.job_id)),
  );
  return tasks;
}

/**
 * Claims for a worker that polls (the local pool): a new claim token per poll, except after a claim whose outcome
 * stayed unknown (its answer lost on every resend the adapter made). That claim may have leased tasks the worker
 * never saw, so the next poll sends its token again and gets them back, instead of leaving them leased to nobody
 * until the lease expires (their attempt burned; on a last attempt, the task failed without running).
 */
export function pollingClaimer(db: Database, workerId: string) {
  let unsettledToken: string | undefined;
  return async (options: Omit<ClaimOptions, 'claimToken' | 'taskId'>): Promise<ClaimedTask[]> => {
    const claimToken = unsettledToken ?? randomUUID();
    try {
      const tasks = await claim(db, workerId, { ...options, claimToken });
      unsettledToken = undefined;
      return tasks;
    } catch (error) {
      if (error instanceof OutcomeUnknownError) unsettledToken = claimToken;
      throw error;
    }
  };
}

export type LeaseState = { held: true } | { held: false; reason: 'cancelled' | 'lost' };

export async function renew(
  db: Database,
  task: ClaimedTask,
  workerId: string,
  leaseSeconds: number,
): Promise<LeaseState> {
  const row = (await db.query(renewLease(task.id, workerId, task.version, leaseSeconds))).rows[0];
  if (row?.extended) return { held: true };
  return { held: false, reason: row?.status === 'cancelled' ? 'cancelled' : 'lost' };
}

/** Records success; false when the worker no longer held the task (its result is discarded). */
export async function complete(
  db: Database,
  task: ClaimedTask,
  workerId: string,
  result: string,
): Promise<boolean> {
  const row = (await db.query(completeTask(task.id, workerId, task.version, result))).rows[0];
  // While another task of the job is open, the job stays processing: that task's end derives the status.
  if (row && !row.others_open) await refreshJobsAfterWrite(db, [task.jobId]);
  return row !== undefined;
}

/**
 * Records the success of several tasks this worker holds in one statement, each fenced on its own version, then
 * derives — in one more statement, and only when needed — the status of the jobs whose last open task this batch
 * ended. Returns the ids recorded (now or by an earlier send of the same batch); a task missing was no longer
 * held, and its result is discarded.
 */
export async function completeMany(
  db: Database,
  workerId: string,
  items: readonly { task: ClaimedTask; result: string }[],
): Promise<Set<string>> {
  const statement = completeTasks(
    workerId,
    items.map(({ task, result }) => ({ id: task.id, version: task.version, result })),
  );
  const { rows } = await db.query(statement);
  const settled = rows.filter((row) => !row.others_open).map((row) => String(row.job_id));
  if (settled.length > 0) await refreshJobsAfterWrite(db, settled);
  return new Set(rows.map((row) => String(row.id)));
}

/** Records a failed attempt; returns 'created' (a retry is scheduled), 'failed', or null when no longer held. */
export async function fail(
  db: Database,
  task: ClaimedTask,
  workerId: string,
  error: string,
  retryDelayMs: number,
): Promise<'created' | 'failed' | null> {
  const row = (await db.query(failAttempt(task.id, workerId, task.version, error, retryDelayMs))).rows[0];
  if (!row) return null;
  // A retry keeps the task open, so the job stays processing; only a final failure may change the job.
  if (row.status === 'failed' && !row.others_open) await refreshJobsAfterWrite(db, [task.jobId]);
  return row.status === 'failed' ? 'failed' : 'created';
}

/**
 * Exponential backoff with equal jitter: uniform in [d/2, d], where d = base·2^(n-1) capped at an hour. Half the
 * delay is kept, so retries spread out without ever coming back sooner than half the backoff.
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Loose ends: cancels waiting tasks stranded under cancelled or deleted jobs, and derives again the status of jobs
 * left `processing` with nothing open. Returns one sum: the tasks cancelled plus the jobs derived again.
 */
export async function settleJobs(db: Database, limit = 500): Promise<number> {
  const stranded = (await db.query(cancelStrandedTasks(limit))).rows.length;
  const { rows } = await db.query(selectUnsettledJobs(limit));
  await refreshJobs(
    db,
    rows.map((row) => row.id),
  );
  return stranded + rows.length;
}

/** Takes back tasks whose worker vanished; returns how many. */
export async function reap(db: Database, limit = 500): Promise<number> {
  const { rows } = await db.query(reapExpiredLeases(limit));
  await refreshJobs(db, [...new Set(rows.map((row) => row.job_id))]);
  return rows.length;
}
