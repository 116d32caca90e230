import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAuth } from '../../local/auth.js';
import type { AwsStack } from '../../local/aws-stack.js';
import { customResourceEvent } from '../../local/lambda/deploy-invocations.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import { startTestAwsStack, type TestAwsStack } from '../support/aws-stack.js';
import { fetchChecked } from '../support/contract.js';
import { eventually, sleep } from '../support/tasks.js';

/** startAwsStack in-process: the handles tests use (call counters, containers) and the deploy-time hook. */
let aws: TestAwsStack;
let stack: AwsStack;
const logged: string[] = [];

beforeAll(async () => {
  aws = await startTestAwsStack({
    workerEnvironment: { LOG_LEVEL: 'warn' },
    // The schema custom resource's handler, run once as CloudFormation would on deploy (a no-op: already migrated).
    deployInvocations: [
      {
        handler: 'migrate',
        event: customResourceEvent('Create', 'Schema'),
        environment: { MIGRATIONS_DIR: `${MIGRATIONS_DIR}/` },
      },
    ],
    log: (message) => logged.push(message),
  });
  stack = aws.stack;
});
afterAll(() => aws?.stop());

describe('startAwsStack', () => {
  it('ran the deploy-time invocations before the worker started', () => {
    expect(stack.deployResults).toEqual([
      expect.objectContaining({ PhysicalResourceId: expect.any(String) }),
    ]);
    expect(logged).toContain('deploy-time invocation of migrate succeeded');
  });

  it('makes no Data API calls while idle; the event source mapping long-polls SQS', async () => {
    stack.dataApi?.resetCalls();
    stack.sqs?.resetCalls();
    await sleep(1500);
    expect(stack.dataApi?.calls).toEqual({});
    // Each of the two pollers has one 20-second long poll open at most.
    expect(stack.sqs?.calls.ReceiveMessage ?? 0).toBeLessThanOrEqual(2);
  });

  it('a run travels API → SQS → worker container → Data API, and the message is deleted', async () => {
    const token = await (await localAuth(aws.dataDir)).mint('0d9b8f3e-4a51-4c1e-8e0f-6b7f5c2d1a00');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const job = (await (
      await fetchChecked(`${stack.url}/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          job_type: 'echo',
          payload: { prompt: 'hi', resource_type: 'doc', resource_id: '1' },
        }),
      })
    ).json()) as { id: string };
    stack.sqs?.resetCalls();
    const task = (await (
      await fetchChecked(`${stack.url}/jobs/${job.id}/run`, { method: 'POST', headers })
    ).json()) as {
      id: string;
    };
    const status = async () =>
      (
        (await (await fetchChecked(`${stack.url}/tasks/${task.id}`, { headers })).json()) as {
          status: string;
        }
      ).status;
    expect(await eventually(async () => (await status()) === 'completed', 30_000)).toBe(true);
    expect(await eventually(async () => (stack.sqs?.calls.DeleteMessageBatch ?? 0) >= 1, 5_000)).toBe(true);
    expect(stack.sqs?.calls.SendMessageBatch).toBe(1);
    expect(stack.containers().length).toBeGreaterThan(0);
    const queue = stack.sqs?.service.queues.get('bg-jobs-tasks');
    expect(queue?.counts(Date.now())).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
