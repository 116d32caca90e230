import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activity } from '../../lambdas/domain/stats.js';
import { migrate } from '../../lambdas/migrator/migrator.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { indexNames } from '../support/introspection.js';

/**
 * Migration 015 on a database that has tasks cancelled before it: a cancel then left finished_at null, so 015 sets
 * it from updated_at (the cancel's time: nothing writes an ended task again). GET /stats, which reads finished_at,
 * then counts them when they were cancelled.
 */
let test: TestDatabase;
let before015: string;
const USER = '5b2d9e41-7c3a-4f8b-a1d6-0e9c8b7a6f5e';
const CANCELLED_AT = new Date(Date.now() - 10 * 60_000);
const COMPLETED_AT = new Date(Date.now() - 20 * 60_000);

beforeAll(async () => {
  test = await freshDatabase({ empty: true });
  before015 = await mkdtemp(path.join(tmpdir(), 'bgjobs-before-015-'));
  await cp(MIGRATIONS_DIR, before015, { recursive: true });
  for (const file of await readdir(before015)) {
    if (file >= '015') await rm(path.join(before015, file));
  }
  await migrate(test.db, { direction: 'up', migrationsDir: before015 });
}, 120_000);
afterAll(async () => {
  await rm(before015, { recursive: true, force: true });
  await test.drop();
});

describe('migration 015: cancelled tasks get their finished_at', () => {
  it('backfills a pre-015 cancel from updated_at, leaves other tasks, and swaps the index', async () => {
    const { rows } = await test.db.query<{ id: string }>({
      text: `INSERT INTO jobs (user_id, job_type) VALUES ($1::uuid, 'echo') RETURNING id`,
      values: [USER],
    });
    const job = rows[0]?.id ?? '';
    const { rows: tasks } = await test.db.query<{ id: string; status: string }>({
      text: `INSERT INTO tasks (job_id, user_id, status, finished_at, updated_at)
             VALUES ($1::uuid, $2::uuid, 'cancelled', NULL, $3::timestamptz),
                    ($1::uuid, $2::uuid, 'completed', $4::timestamptz, now()),
                    ($1::uuid, $2::uuid, 'created', NULL, $3::timestamptz)
             RETURNING id, status`,
      values: [job, USER, CANCELLED_AT, COMPLETED_AT],
    });
    expect(await indexNames(test.db, 'tasks')).toContain('idx_tasks_user_ended');

    await migrate(test.db, { direction: 'up', migrationsDir: MIGRATIONS_DIR });

    const { rows: after } = await test.db.query<{ status: string; finished_at: Date | null }>({
      text: 'SELECT status, finished_at FROM tasks WHERE id = ANY ($1::text::uuid[]) ORDER BY status',
      values: [`{${tasks.map((t) => t.id).join(',')}}`],
    });
    expect(after).toEqual([
      { status: 'cancelled', finished_at: CANCELLED_AT },
      { status: 'completed', finished_at: COMPLETED_AT },
      { status: 'created', finished_at: null },
    ]);
    const indexes = await indexNames(test.db, 'tasks');
    expect(indexes).toContain('idx_tasks_user_finished');
    expect(indexes).not.toContain('idx_tasks_user_ended');

    const view = await activity(test.db, USER, '1h');
    expect(view.counts).toMatchObject({ cancelled: 1, completed: 1, created: 1 });
  });
});
