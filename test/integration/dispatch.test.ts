import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeDueForDispatch } from '../../lambdas/domain/execution.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { insertJob, insertTasks } from '../support/tasks.js';

/** The AWS scheduler's hand-off to SQS: which tasks it sends, and when it sends one again. */
let test: TestDatabase;
const USER = '6a7b8c9d-0e1f-4a2b-83c4-d5e6f7a8b9c0';
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

/** The tasks sent, with their priorities. */
const dispatch = async (limit = 100) => {
  const ids = await takeDueForDispatch(test.db, limit);
  const { rows } = await test.db.query<{ id: string; priority: number }>({
    text: 'SELECT id, priority FROM tasks WHERE id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))',
    values: [JSON.stringify(ids)],
  });
  return rows;
};

describe('dispatching due tasks to the queue', () => {
  it('sends due waiting tasks, highest priority first, once; not future ones, not running ones', async () => {
    const low = await insertJob(test.db, { userId: USER, priority: 10 });
    const high = await insertJob(test.db, { userId: USER, priority: 90 });
    await insertTasks(test.db, low, 2);
    await insertTasks(test.db, high, 2);
    const future = await insertJob(test.db, { userId: USER });
    await insertTasks(test.db, future, 1);
    await test.db.query({
      text: `UPDATE tasks SET run_at = now() + interval '1 hour' WHERE job_id = $1::uuid`,
      values: [future],
    });
    const running = await insertJob(test.db, { userId: USER });
    await insertTasks(test.db, running, 1);
    await test.db.query({
      text: `UPDATE tasks SET status = 'processing' WHERE job_id = $1::uuid`,
      values: [running],
    });

    const first = await dispatch(3);
    expect(first.map((t) => t.priority).sort((a, b) => b - a)).toEqual([90, 90, 10]);
    expect((await dispatch()).map((t) => t.priority)).toEqual([10]);
    expect(await dispatch()).toEqual([]);
  });

  it('sends a task again when it is still waiting two minutes after it was sent (a lost message)', async () => {
    const job = await insertJob(test.db, { userId: USER });
    await insertTasks(test.db, job, 1);
    const [sent] = await dispatch();
    expect(sent).toBeDefined();
    expect(await dispatch()).toEqual([]);
    await test.db.query({
      text: `UPDATE tasks SET dispatched_at = now() - interval '3 minutes' WHERE id = $1::uuid`,
      values: [sent?.id ?? ''],
    });
    expect((await dispatch()).map((t) => t.id)).toEqual([sent?.id]);
  });
});
