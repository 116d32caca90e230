import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../lambdas/domain/errors.js';
import { updateJob } from '../../lambdas/domain/job-writes.js';
import type { WorkNotice } from '../../lambdas/domain/notices.js';
import { createLogger } from '../../lambdas/logger.js';
import { handleNotice } from '../../lambdas/worker/notice-worker.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';

/**
 * Review finding: a notice whose work was never written (the write after it failed: 404, version conflict) or
 * no longer exists must die within a bounded number of queue hops. Today a far notice hops every 900 s until its
 * due time without ever asking the database, so one PATCH of a job that does not exist, with a schedule whose
 * next occurrence is years away, costs a Lambda invocation and three SQS requests every 15 minutes for years.
 */
let test: TestDatabase;
const USER = '2d3e4f50-6172-4a83-8b94-e5f607182930';
const log = createLogger({}, 'error');
const settings = { LEASE_SECONDS: 30, HEARTBEAT_MS: 1000, RETRY_BASE_DELAY_MS: 60_000 };
beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(() => test.drop());

describe('a notice for work that was never written', () => {
  it('a PATCH answered 404 leaves no notice that hops on for years', async () => {
    const sent: WorkNotice[] = [];
    await expect(
      updateJob(
        test.db,
        USER,
        randomUUID(),
        1,
        { schedule_interval: { type: 'cron', expression: '0 0 29 2 *', timezone: 'UTC' } },
        async (notices) => {
          sent.push(...notices);
        },
      ),
    ).rejects.toBeInstanceOf(NotFoundError);

    // Follow whatever was sent through the queue, hop by hop (each hop waits its full 900 s delay).
    let clock = Date.now();
    let inFlight = [...sent];
    let hops = 0;
    while (inFlight.length > 0 && hops < 10) {
      hops += 1;
      clock += 900_000;
      const next: WorkNotice[] = [];
      for (const notice of inFlight) {
        await handleNotice(
          { messageId: randomUUID(), notice, receiveCount: 1, sentAt: new Date(clock - 900_000) },
          {
            db: test.db,
            send: async (notices) => {
              next.push(...notices);
            },
            settings,
            log,
            now: () => clock,
            sleep: async () => {},
          },
        );
      }
      inFlight = next;
    }
    // At most one hop to find out that no job has this occurrence; today it is still in flight after ten.
    expect(inFlight).toEqual([]);
    expect(hops).toBeLessThanOrEqual(2);
  });
});
