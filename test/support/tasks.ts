import type { Database } from '../../lambdas/db/port.js';

/** Arranging jobs and tasks directly, for execution tests that need many of them or exact states. */
export async function insertJob(
  db: Database,
  fields: {
    userId: string;
    jobType?: string;
    payload?: unknown;
    priority?: number;
    maxRetries?: number;
    timeoutSeconds?: number;
    schedule?: unknown;
    nextRunAt?: Date | null;
  },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>({
    text: `INSERT INTO jobs (user_id, job_type, payload, priority, max_retries, timeout_seconds, schedule_interval, next_run_at)
           VALUES ($1::uuid, $2, $3::jsonb, $4, $5, $6, $7::jsonb, $8::timestamptz) RETURNING id`,
    values: [
      fields.userId,
      fields.jobType ?? 'echo',
      JSON.stringify(fields.payload ?? { prompt: 'test' }),
      fields.priority ?? 50,
      fields.maxRetries ?? 3,
      fields.timeoutSeconds ?? 300,
      JSON.stringify(fields.schedule ?? { type: 'manual' }),
      fields.nextRunAt ?? null,
    ],
  });
  return rows[0]?.id ?? '';
}

export async function insertTasks(db: Database, jobId: string, count: number): Promise<void> {
  await db.query({
    text: `INSERT INTO tasks (job_id, payload, priority)
           SELECT j.id, j.payload || jsonb_build_object('n', n), j.priority FROM jobs j, generate_series(1, $2::int) n
            WHERE j.id = $1::uuid`,
    values: [jobId, count],
  });
}

/** The user's open tasks (created or processing, not deleted), counted from the tasks themselves. */
export async function openTaskCount(db: Database, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>({
    text: `SELECT count(*) AS n FROM tasks WHERE user_id = $1::uuid AND status IN ('created', 'processing') AND NOT is_deleted`,
    values: [userId],
  });
  return Number(rows[0]?.n);
}

export async function taskRow(db: Database, taskId: string) {
  const { rows } = await db.query({ text: 'SELECT * FROM tasks WHERE id = $1::uuid', values: [taskId] });
  return rows[0] as Record<string, unknown>;
}

export async function jobStatus(db: Database, jobId: string): Promise<string> {
  const { rows } = await db.query<{ status: string }>({
    text: 'SELECT status FROM jobs WHERE id = $1::uuid',
    values: [jobId],
  });
  return rows[0]?.status ?? '';
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds or the time is up; returns whether it held. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}
