import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activity, STATS_WINDOWS } from '../../lambdas/domain/stats.js';
import { selectActivity } from '../../lambdas/sql/stats.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';

/**
 * GET /stats on a table with a long history: 200,000 of the caller's tasks that ended days ago, 60,000 of other
 * users' tasks that ended within the hour, and a few of the caller's at known times. The statement must read the
 * caller's window through idx_tasks_user_finished (never the history), and count exactly.
 */
let test: TestDatabase;
const USER = '3f0c8a52-6d1e-4b7a-9c2d-5e8f1a0b3c4d';
const HISTORY = 200_000;
const MINUTE = 60_000;

interface Placed {
  status: 'completed' | 'failed' | 'cancelled';
  minutesAgo: number;
  deleted?: boolean;
}
/**
 * The caller's recent tasks that ended, each half a minute off a minute mark so a test that starts a minute later
 * still finds it in a known bucket. Every one has finished_at set to when it ended, as the service writes it for
 * each final status (cancelled included); migration 015's backfill of older cancels is in cancelled-finished-at.
 */
const PLACED: Placed[] = [
  ...Array.from({ length: 3 }, () => ({ status: 'completed' as const, minutesAgo: 5.5 })),
  ...Array.from({ length: 2 }, () => ({ status: 'completed' as const, minutesAgo: 20.5 })),
  { status: 'failed', minutesAgo: 30.5 },
  ...Array.from({ length: 4 }, () => ({ status: 'cancelled' as const, minutesAgo: 45.5 })),
  { status: 'completed', minutesAgo: 45.5, deleted: true },
  // Within 6 hours and 24 hours, not within the hour.
  ...Array.from({ length: 5 }, () => ({ status: 'completed' as const, minutesAgo: 180.5 })),
  ...Array.from({ length: 2 }, () => ({ status: 'cancelled' as const, minutesAgo: 600.5 })),
];
let placedAt: { status: string; at: number; deleted: boolean }[] = [];

beforeAll(async () => {
  test = await freshDatabase();
  const { rows } = await test.db.query<{ id: string }>({
    text: `INSERT INTO jobs (user_id, job_type) VALUES ($1::uuid, 'echo') RETURNING id`,
    values: [USER],
  });
  const job = rows[0]?.id ?? '';
  // The history: ended between 2 and 25 days ago, a third of each final status.
  await test.db.query({
    text: `INSERT INTO tasks (job_id, user_id, status, finished_at, updated_at)
           SELECT $1::uuid, $2::uuid, s.status,
                  s.ended, s.ended
             FROM (SELECT (ARRAY['completed', 'failed', 'cancelled'])[n % 3 + 1] AS status,
                          now() - interval '2 days' - n * interval '10 seconds' AS ended
                     FROM generate_series(1, $3::int) n) s`,
    values: [job, USER, HISTORY],
  });
  // Other users' recent work: 600 users × 100 tasks that ended within the hour.
  await test.db.query({
    text: `WITH other AS (
             INSERT INTO jobs (user_id, job_type) SELECT gen_random_uuid(), 'echo' FROM generate_series(1, 600)
             RETURNING id, user_id)
           INSERT INTO tasks (job_id, user_id, status, finished_at)
           SELECT other.id, other.user_id, 'completed', now() - n * interval '30 seconds'
             FROM other, generate_series(1, 100) n`,
    values: [],
  });
  const now = Date.now();
  placedAt = PLACED.map((p) => ({
    status: p.status,
    at: now - p.minutesAgo * MINUTE,
    deleted: Boolean(p.deleted),
  }));
  for (const placed of placedAt) {
    const ended = new Date(placed.at);
    await test.db.query({
      text: `INSERT INTO tasks (job_id, user_id, status, finished_at, updated_at, is_deleted)
             VALUES ($1::uuid, $2::uuid, $3::text, $4::timestamptz, $5::timestamptz, $6::boolean)`,
      values: [job, USER, placed.status, ended, ended, placed.deleted],
    });
  }
  // Open now: 7 waiting (one of them deleted, not counted), 2 running.
  await test.db.query({
    text: `INSERT INTO tasks (job_id, user_id, status, is_deleted)
           SELECT $1::uuid, $2::uuid, CASE WHEN n <= 7 THEN 'created' ELSE 'processing' END, n = 7
             FROM generate_series(1, 9) n`,
    values: [job, USER],
  });
  await test.db.query({ text: 'VACUUM ANALYZE tasks', values: [] });
  await test.db.query({ text: 'VACUUM ANALYZE jobs', values: [] });
}, 120_000);
afterAll(() => test.drop());

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

async function analyzedPlan(windowSeconds: number, bucketSeconds: number) {
  const statement = selectActivity(USER, windowSeconds, bucketSeconds);
  const { rows } = await test.db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>({
    text: `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`,
    values: statement.values,
  });
  const root = rows[0]?.['QUERY PLAN'][0]?.Plan;
  if (!root) throw new Error('no plan');
  return { root, nodes: nodesOf(root) };
}

/** The caller's placed tasks that ended within the window of the answer (from its first bucket's start). */
const placedWithin = (since: string, status?: string) =>
  placedAt.filter(
    (p) => !p.deleted && p.at >= Date.parse(since) && (status === undefined || p.status === status),
  );

describe('GET /stats statement on a long history', () => {
  it('reads only the window of the caller, through idx_tasks_user_finished and idx_tasks_user_open', async () => {
    const { rows: size } = await test.db.query<{ pages: number }>({
      text: `SELECT (pg_relation_size('tasks') / current_setting('block_size')::int)::int AS pages`,
      values: [],
    });
    const tablePages = size[0]?.pages ?? 0;
    expect(tablePages).toBeGreaterThan(2000);
    const view = await activity(test.db, USER, '1h');
    const { root, nodes } = await analyzedPlan(3600, 60);
    expect(nodes.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    // Whichever way the planner reads the index (index scan, or bitmap then heap), no node reads a row to drop it.
    for (const node of nodes) {
      expect(node['Rows Removed by Filter'] ?? 0, node['Node Type']).toBe(0);
      expect(node['Rows Removed by Index Recheck'] ?? 0, node['Node Type']).toBe(0);
    }
    const ended = nodes.filter((n) => n['Index Name'] === 'idx_tasks_user_finished');
    const open = nodes.filter((n) => n['Index Name'] === 'idx_tasks_user_open');
    expect(ended).toHaveLength(1);
    expect(open).toHaveLength(1);
    const [endedScan] = ended;
    // Every row the index scan returned was counted: nothing read and thrown away, no history touched.
    const rowsRead = (endedScan?.['Actual Rows'] ?? 0) * (endedScan?.['Actual Loops'] ?? 0);
    const inWindow = view.counts.completed + view.counts.failed + view.counts.cancelled;
    expect(rowsRead).toBe(inWindow);
    expect(inWindow).toBe(10);
    // The whole statement touches a handful of pages, against thousands in the table.
    const blocks = (root['Shared Hit Blocks'] ?? 0) + (root['Shared Read Blocks'] ?? 0);
    expect(blocks).toBeLessThan(50);
    expect(blocks * 40).toBeLessThan(tablePages);
  });

  it('over 24 hours it still reads only the window: the history is days old', async () => {
    const view = await activity(test.db, USER, '24h');
    const { nodes } = await analyzedPlan(86_400, 900);
    const [endedScan] = nodes.filter((n) => n['Index Name'] === 'idx_tasks_user_finished');
    const rowsRead = (endedScan?.['Actual Rows'] ?? 0) * (endedScan?.['Actual Loops'] ?? 0);
    expect(rowsRead).toBe(view.counts.completed + view.counts.failed + view.counts.cancelled);
    expect(rowsRead).toBe(PLACED.filter((p) => !p.deleted).length);
    expect(nodes.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  });

  it('counts exactly: per status, per bucket, open tasks now; deleted tasks and other users never', async () => {
    const view = await activity(test.db, USER, '1h');
    expect(view.window_seconds).toBe(3600);
    expect(view.bucket_seconds).toBe(60);
    expect(view.buckets).toHaveLength(60);
    const first = view.buckets[0]?.start ?? '';
    expect(Date.parse(first) % 60_000).toBe(0);
    expect(view.buckets.map((b) => Date.parse(b.start))).toEqual(
      view.buckets.map((_, index) => Date.parse(first) + index * 60_000),
    );
    expect(Date.parse(view.buckets.at(-1)?.start ?? '')).toBeLessThanOrEqual(Date.now());
    expect(view.counts).toEqual({ created: 6, processing: 2, completed: 5, failed: 1, cancelled: 4 });
    // Each placed task in the bucket its end time falls in; every other bucket empty.
    const expected = view.buckets.map((b) => ({ start: b.start, completed: 0, failed: 0, cancelled: 0 }));
    for (const placed of placedWithin(first)) {
      const bucket = expected[Math.floor((placed.at - Date.parse(first)) / 60_000)];
      if (bucket) bucket[placed.status as 'completed'] += 1;
    }
    expect(view.buckets).toEqual(expected);
  });

  it('each window has its bucket width and its own counts', async () => {
    for (const [window, settings] of Object.entries(STATS_WINDOWS)) {
      const view = await activity(test.db, USER, window as keyof typeof STATS_WINDOWS);
      expect(view.buckets).toHaveLength(settings.windowSeconds / settings.bucketSeconds);
      expect(view.bucket_seconds).toBe(settings.bucketSeconds);
      const since = view.buckets[0]?.start ?? '';
      for (const status of ['completed', 'failed', 'cancelled'] as const) {
        expect(view.counts[status], `${window} ${status}`).toBe(placedWithin(since, status).length);
        expect(view.buckets.reduce((sum, b) => sum + b[status], 0)).toBe(view.counts[status]);
      }
    }
    const quarter = await activity(test.db, USER, '15m');
    expect(quarter.counts).toMatchObject({ completed: 3, failed: 0, cancelled: 0 });
    const day = await activity(test.db, USER, '24h');
    expect(day.counts).toEqual({ created: 6, processing: 2, completed: 10, failed: 1, cancelled: 6 });
  });

  it('someone with no tasks gets every bucket, all zero', async () => {
    const view = await activity(test.db, '00000000-0000-4000-8000-000000000000', '6h');
    expect(view.buckets).toHaveLength(72);
    expect(view.buckets.every((b) => b.completed + b.failed + b.cancelled === 0)).toBe(true);
    expect(view.counts).toEqual({ created: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 });
  });
});
