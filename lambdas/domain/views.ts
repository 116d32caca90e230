/** Rows → the service's representations: every seed column but is_deleted, timestamps ISO 8601 UTC, version a number. */

export interface JobView {
  id: string;
  user_id: string;
  status: string;
  job_type: string;
  payload: Record<string, unknown>;
  schedule_interval: Record<string, unknown>;
  max_retries: number;
  priority: number;
  timeout_seconds: number;
  /** The next scheduled occurrence (cron, timedelta); null for manual or cancelled jobs. */
  next_run_at: string | null;
  /**
   * Why the next occurrence could not be computed (next_run_at is then when the scheduler tries again); null
   * when the schedule is fine. Cleared by the next successful computation.
   */
  schedule_error: string | null;
  /** The latest occurrence skipped because its user was at USER_MAX_QUEUED, and why; null when none was. */
  skipped_occurrence: { scheduled_for: string; reason: string } | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface TaskView {
  id: string;
  job_id: string;
  status: string;
  payload: Record<string, unknown>;
  result: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  /** Attempts made so far. */
  attempt: number;
  last_error: string | null;
  /** When it is (or was) due. */
  run_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Where the next page starts: the last row's (created_at in microseconds, id). */
export interface PagePosition {
  createdMicros: string;
  id: string;
}

export interface Page<T> {
  items: T[];
  next: PagePosition | null;
}

type Row = Record<string, unknown>;

const iso = (value: unknown) => (value instanceof Date ? value : new Date(String(value))).toISOString();
const isoOrNull = (value: unknown) => (value === null || value === undefined ? null : iso(value));
const textOrNull = (value: unknown) => (value === null || value === undefined ? null : String(value));

export function toJobView(row: Row): JobView {
  return {
    id: String(row.id),
    user_id: String(row.user_id),
    status: String(row.status),
    job_type: String(row.job_type),
    payload: row.payload as Record<string, unknown>,
    schedule_interval: row.schedule_interval as Record<string, unknown>,
    max_retries: Number(row.max_retries),
    priority: Number(row.priority),
    timeout_seconds: Number(row.timeout_seconds),
    next_run_at: isoOrNull(row.next_run_at),
    schedule_error: textOrNull(row.schedule_error),
    skipped_occurrence:
      row.skipped_occurrence_at === null || row.skipped_occurrence_at === undefined
        ? null
        : {
            scheduled_for: iso(row.skipped_occurrence_at),
            reason: String(row.skipped_occurrence_reason),
          },
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: Number(row.version),
  };
}

export function toTaskView(row: Row): TaskView {
  return {
    id: String(row.id),
    job_id: String(row.job_id),
    status: String(row.status),
    payload: row.payload as Record<string, unknown>,
    result: textOrNull(row.result),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: Number(row.version),
    attempt: Number(row.attempt),
    last_error: textOrNull(row.last_error),
    run_at: iso(row.run_at),
    started_at: isoOrNull(row.started_at),
    finished_at: isoOrNull(row.finished_at),
  };
}

/** Turns `limit + 1` fetched rows into a page and the position after it. */
export function toPage<T>(rows: Row[], limit: number, view: (row: Row) => T): Page<T> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  const next =
    rows.length > limit && last ? { createdMicros: String(last.created_us), id: String(last.id) } : null;
  return { items: pageRows.map(view), next };
}

/**
 * Fetches a page of `limit` items, asking for fewer when the database cannot return that many at once (the Data
 * API's 1 MiB response limit, reached by pages of large payloads or results). Keyset pagination makes a shorter
 * page valid: its cursor continues exactly where it stops.
 */
export async function fetchPage<T>(
  limit: number,
  fetch: (rowsWanted: number) => Promise<Row[]>,
  view: (row: Row) => T,
  isTooLarge: (error: unknown) => boolean,
): Promise<Page<T>> {
  for (let size = limit; ; size = Math.ceil(size / 2)) {
    try {
      return toPage(await fetch(size + 1), size, view);
    } catch (error) {
      if (!isTooLarge(error) || size === 1) throw error;
    }
  }
}
