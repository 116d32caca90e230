import type { Database } from '../db/port.js';
import { selectActivity } from '../sql/stats.js';

/**
 * The windows GET /stats offers, each with the width of its buckets: minutes up to an hour (15 or 60 bars), five
 * minutes for 6 hours (72), a quarter of an hour for a day (96), so a chart never draws more than 96 bars.
 */
export const STATS_WINDOWS = {
  '15m': { windowSeconds: 15 * 60, bucketSeconds: 60 },
  '1h': { windowSeconds: 3600, bucketSeconds: 60 },
  '6h': { windowSeconds: 6 * 3600, bucketSeconds: 300 },
  '24h': { windowSeconds: 24 * 3600, bucketSeconds: 900 },
} as const;

export type StatsWindow = keyof typeof STATS_WINDOWS;

const ENDED = ['completed', 'failed', 'cancelled'] as const;
const OPEN = ['created', 'processing'] as const;
type EndedStatus = (typeof ENDED)[number];
type Counts = Record<EndedStatus | (typeof OPEN)[number], number>;

export interface ActivityBucket extends Record<EndedStatus, number> {
  start: string;
}

export interface ActivityView {
  window_seconds: number;
  bucket_seconds: number;
  /** Oldest first, one per bucket, zero-filled; the last one is the current, partial bucket. */
  buckets: ActivityBucket[];
  /** created and processing: open now; completed, failed and cancelled: ended within the window's buckets. */
  counts: Counts;
}

const isEnded = (status: unknown): status is EndedStatus => ENDED.includes(status as EndedStatus);

/**
 * The caller's tasks that ended per bucket of the window, and their open tasks now, from one statement. The window
 * is the whole buckets ending with the current one, so `counts` of ended tasks are exactly the sums of the buckets.
 */
export async function activity(db: Database, userId: string, window: StatsWindow): Promise<ActivityView> {
  const { windowSeconds, bucketSeconds } = STATS_WINDOWS[window];
  const { rows } = await db.query(selectActivity(userId, windowSeconds, bucketSeconds));
  const since = rows.find((row) => row.kind === 'window')?.since;
  if (since === undefined || since === null) throw new Error('the activity statement returned no window row');
  const startMs = (since instanceof Date ? since : new Date(String(since))).getTime();
  const buckets: ActivityBucket[] = Array.from({ length: windowSeconds / bucketSeconds }, (_, index) => ({
    start: new Date(startMs + index * bucketSeconds * 1000).toISOString(),
    completed: 0,
    failed: 0,
    cancelled: 0,
  }));
  const counts: Counts = { created: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const row of rows) {
    const tasks = Number(row.tasks);
    if (row.kind === 'open' && OPEN.includes(row.status as (typeof OPEN)[number])) {
      counts[row.status as (typeof OPEN)[number]] = tasks;
    } else if (row.kind === 'ended' && isEnded(row.status)) {
      const bucket = buckets[Number(row.bucket)];
      // The statement bounds the ended time to the window's buckets, so every bucket it returns is in range.
      if (!bucket) throw new Error(`the activity statement returned bucket ${String(row.bucket)}`);
      bucket[row.status] += tasks;
      counts[row.status] += tasks;
    }
  }
  return { window_seconds: windowSeconds, bucket_seconds: bucketSeconds, buckets, counts };
}
