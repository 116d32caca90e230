import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAuth } from '../../local/auth.js';
import type { AwsStack } from '../../local/aws-stack.js';
import { startTestAwsStack, type TestAwsStack } from '../support/aws-stack.js';
import { fetchChecked } from '../support/contract.js';
import { eventually, sleep } from '../support/tasks.js';

/**
 * Idle costs nothing: under the AWS wiring, with scheduled jobs waiting for later occurrences and nothing due, a
 * whole minute passes without one Data API call (counted at the endpoint), so Aurora could pause. The waiting is
 * in SQS (delayed messages), not in a timer that asks the database.
 */
let aws: TestAwsStack;
let stack: AwsStack;

beforeAll(async () => {
  aws = await startTestAwsStack();
  stack = aws.stack;
}, 120_000);
afterAll(() => aws?.stop());

describe('an idle minute under the AWS wiring', () => {
  it('makes zero Data API calls while scheduled jobs wait for later occurrences', async () => {
    const token = await (await localAuth(aws.dataDir)).mint('7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const schedules = [
      { type: 'timedelta', seconds: 86_400 },
      { type: 'cron', expression: '0 3 1 1 *', timezone: 'Pacific/Chatham' },
    ];
    for (const schedule_interval of schedules) {
      const response = await fetchChecked(`${stack.url}/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ job_type: 'echo', payload: { prompt: 'later' }, schedule_interval }),
      });
      expect(response.status).toBe(201);
    }
    // Each job's first notice was sent before its write, so it comes back within a minute to confirm once that
    // the job has that occurrence (one read each), and then waits in the queue, delayed, with no database call.
    const queue = stack.sqs?.service.queues.get('bg-jobs-tasks');
    stack.dataApi?.resetCalls();
    expect(
      await eventually(
        async () =>
          (stack.dataApi?.calls.Execute ?? 0) >= 2 &&
          queue?.counts(Date.now()).delayed === 2 &&
          queue?.counts(Date.now()).inFlight === 0,
        90_000,
        200,
      ),
    ).toBe(true);
    // The /health probe an uptime monitor sends does not touch the database either.
    expect((await fetchChecked(`${stack.url}/health`)).status).toBe(200);

    stack.dataApi?.resetCalls();
    await sleep(60_000);
    expect(stack.dataApi?.calls).toEqual({});
    expect(queue?.counts(Date.now()).delayed).toBe(2);
  }, 200_000);
});
