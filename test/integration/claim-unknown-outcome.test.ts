import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutcomeUnknownError } from '../../lambdas/db/errors.js';
import { pollingClaimer } from '../../lambdas/domain/execution.js';
import { runJobNow } from '../../lambdas/domain/tasks.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { connect, type DriverConnection } from '../support/drivers.js';
import { insertJob } from '../support/tasks.js';

const USER = '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d';

/**
 * A claim whose answer is lost on every resend the adapter allows ends as an OutcomeUnknownError, with its tasks
 * perhaps leased. The polling worker's next claim must get them back (same claim token), not leave them leased to
 * a worker that never saw them until the lease expires — their attempt burned, the last one failing the task.
 */
describe('a claim whose outcome stayed unknown', () => {
  let test: TestDatabase;
  let connection: DriverConnection;
  beforeAll(async () => {
    test = await freshDatabase();
    connection = await connect('data-api', test);
  });
  afterAll(async () => {
    await connection.close();
    await test.drop();
  });

  it('is taken back by the next poll, its attempt counted once', async () => {
    const jobId = await insertJob(test.db, { userId: USER, maxRetries: 0 });
    const { id: taskId } = await runJobNow(test.db, USER, jobId);
    const claimNext = pollingClaimer(connection.db, 'worker-u');
    // Every answer lost, more times than the adapter resends (the test connection allows 5 attempts).
    connection.endpoint?.faults.set({ mode: 'error', count: 5, operations: ['execute'] });
    await expect(claimNext({ limit: 4, leaseSeconds: 60 })).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(connection.endpoint?.faults.lost).toBe(5);

    const tasks = await claimNext({ limit: 4, leaseSeconds: 60 });
    expect(tasks.map((task) => [task.id, task.attempt])).toEqual([[taskId, 1]]);
  });
});
