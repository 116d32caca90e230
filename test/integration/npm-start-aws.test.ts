import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAuth } from '../../local/auth.js';
import { startLocalDataApi } from '../../local/data-api/server.js';
import { startLocalSqs } from '../../local/sqs/server.js';
import { fetchChecked } from '../support/contract.js';
import { expectDashboardServed } from '../support/dashboard.js';
import { freshDatabase } from '../support/database.js';
import { freePort } from '../support/ports.js';
import { spawnScript, stopProcess, waitForOutput } from '../support/processes.js';
import { eventually } from '../support/tasks.js';

const START_AWS = 'local/start-aws.ts';

/** Processes whose command line mentions `pattern`, optionally children of `parent` (pgrep exits 1 on none). */
function processesMatching(pattern: string, parent?: number): string[] {
  const args = parent === undefined ? ['-af', pattern] : ['-af', '-P', String(parent), pattern];
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'bgjobs-start-aws-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Creates an echo job as a fresh user, runs it, and waits for its task to complete. */
async function runEchoJob(url: string) {
  const token = await (await localAuth(dataDir)).mint('0d9b8f3e-4a51-4c1e-8e0f-6b7f5c2d1a00');
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const body = JSON.stringify({
    job_type: 'echo',
    payload: { prompt: 'hi', resource_type: 'doc', resource_id: '1' },
  });
  const job = (await (await fetchChecked(`${url}/jobs`, { method: 'POST', headers, body })).json()) as {
    id: string;
  };
  const run = await fetchChecked(`${url}/jobs/${job.id}/run`, { method: 'POST', headers });
  expect(run.status).toBe(202);
  const task = (await run.json()) as { id: string };
  const current = async () =>
    (await (await fetchChecked(`${url}/tasks/${task.id}`, { headers })).json()) as { status: string };
  expect(await eventually(async () => (await current()).status === 'completed', 30_000)).toBe(true);
  expect(await current()).toMatchObject({ status: 'completed', attempt: 1 });
}

describe('npm run start:aws', () => {
  it('prints its endpoints, serves /health and the dashboard at /, runs a job through SQS and the worker Lambda, and leaves nothing on SIGINT', async () => {
    const child = spawnScript(START_AWS, [], {
      PORT: '0',
      LOCAL_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      WORKER_MAX_CONCURRENCY: '2',
      LOG_LEVEL: 'warn',
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    let containers: string[] = [];
    try {
      const [, url] = await waitForOutput(child, /listening on (http:\/\/\S+)/, 90_000);
      expect(output).toMatch(/SQS endpoint: http:\/\/127\.0\.0\.1:\d+/);
      expect(output).toMatch(/Data API endpoint: http:\/\/127\.0\.0\.1:\d+/);
      expect(output).not.toContain('in-process workers');
      const health = await fetchChecked(`${url}/health`);
      expect(health.status).toBe(200);
      await expectDashboardServed(url as string);

      await runEchoJob(url as string);
      // The worker ran in a Lambda container: a child process loading lambdas/handlers/worker.ts.
      containers = processesMatching('container-entry.ts .*lambdas/handlers/worker.ts', child.pid);
      expect(containers.length).toBeGreaterThan(0);
      expect(processesMatching(dataDir).length).toBeGreaterThan(0);
    } finally {
      expect(await stopProcess(child, 'SIGINT')).toBe(0);
    }
    const pids = containers.map((line) => line.split(' ')[0]);
    expect(
      processesMatching('container-entry.ts').filter((line) => pids.includes(line.split(' ')[0])),
    ).toEqual([]);
    expect(processesMatching(dataDir)).toEqual([]);
  });

  it('uses an already running SQS endpoint and Data API endpoint when SQS_ENDPOINT and DATA_API_ENDPOINT are set', async () => {
    const database = await freshDatabase({ empty: true });
    const sqs = await startLocalSqs();
    const dataApi = await startLocalDataApi({ databaseUrl: database.url });
    const child = spawnScript(START_AWS, [], {
      PORT: '0',
      LOCAL_DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      SQS_ENDPOINT: sqs.endpoint,
      DATA_API_ENDPOINT: dataApi.endpoint,
      LOG_LEVEL: 'warn',
    });
    try {
      const [, url] = await waitForOutput(child, /listening on (http:\/\/\S+)/, 90_000);
      expect([...sqs.service.queues.keys()].sort()).toEqual(['bg-jobs-tasks', 'bg-jobs-tasks-dlq']);
      await runEchoJob(url as string);
      expect(sqs.calls.SendMessageBatch).toBe(1);
      // The task is completed before the worker's invocation returns; the message is deleted only after that.
      expect(await eventually(async () => sqs.calls.DeleteMessageBatch === 1, 10_000)).toBe(true);
      expect(dataApi.calls.Execute).toBeGreaterThan(0);
      expect(await stopProcess(child, 'SIGTERM')).toBe(0);
    } finally {
      await stopProcess(child, 'SIGKILL');
      await sqs.close();
      await dataApi.close();
      await database.drop();
    }
  });
});
