import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes.js';
import { JOB_TYPES } from '../../lambdas/job-types/names.js';
import { METRICS, type MetricName } from '../../lambdas/metrics-names.js';
import { localAuth } from '../../local/auth.js';
import { fetchChecked } from '../support/contract.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { spawnScript, stopProcess, waitForOutput } from '../support/processes.js';

/**
 * `npm start` with METRICS_STDOUT=true runs real tasks and serves real requests; every line it prints is parsed:
 * the embedded metrics (EMF) must name what lambdas/metrics-names.ts lists, with its units and dimension sets,
 * and never a user, job or task id as a dimension; every log line must be one JSON object with the shared fields.
 */
const SUB = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const NAMESPACE = 'ObservabilityTest';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

let test: TestDatabase;
let dataDir: string;
const lines: Record<string, unknown>[] = [];
const jobIds: string[] = [];

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const emfLines = () => lines.filter((line): line is Emf => '_aws' in line);
const emitted = (name: string, jobType?: string) =>
  emfLines().filter((line) => name in line && (jobType === undefined || line.job_type === jobType));

beforeAll(async () => {
  test = await freshDatabase({ empty: true });
  dataDir = await mkdtemp(path.join(tmpdir(), 'bgjobs-metrics-'));
  const child = spawnScript('local/start.ts', [], {
    PORT: '0',
    DATABASE_URL: test.url,
    LOCAL_DATA_DIR: dataDir,
    METRICS_STDOUT: 'true',
    METRICS_NAMESPACE: NAMESPACE,
    RETRY_BASE_DELAY_MS: '100',
    LOG_LEVEL: 'info',
  });
  let pending = '';
  const collect = (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const text of complete) if (text.startsWith('{')) lines.push(JSON.parse(text));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  try {
    const [, url = ''] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
    const token = await (await localAuth(dataDir)).mint(SUB);
    const call = async (method: string, route: string, body?: unknown) => {
      const response = await fetchChecked(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: (await response.json()) as { id: string } };
    };
    const jobs = [
      { job_type: 'echo', payload: { prompt: 'a secret prompt' } },
      // Throws at once: no retries left, so it fails.
      { job_type: 'sleep', payload: { prompt: 'fail', seconds: -1 }, max_retries: 0 },
      // Outlives its 1 s timeout: timed out, and failed.
      { job_type: 'sleep', payload: { prompt: 'hang', seconds: 30 }, max_retries: 0, timeout_seconds: 1 },
    ];
    for (const job of jobs) {
      const created = await call('POST', '/jobs', job);
      expect(created.status).toBe(201);
      jobIds.push(created.body.id);
      expect((await call('POST', `/jobs/${created.body.id}/run`)).status).toBeLessThan(300);
    }
    expect((await call('GET', '/jobs/not-a-uuid')).status).toBe(404);
    await waitFor(
      () => emitted('TaskSucceeded').length >= 1 && emitted('TaskFailed').length >= 2,
      'the three tasks to end',
    );
  } finally {
    expect(await stopProcess(child, 'SIGTERM')).toBe(0);
  }
}, 60_000);

afterAll(async () => {
  await test.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('embedded metrics from a local run (METRICS_STDOUT=true)', () => {
  it('every EMF line names a listed metric with its unit and dimension sets, in the configured namespace', () => {
    expect(emfLines().length).toBeGreaterThan(0);
    for (const line of emfLines()) {
      const [directive] = line._aws.CloudWatchMetrics;
      const [metric] = directive?.Metrics ?? [];
      const name = metric?.Name as MetricName;
      expect(Object.keys(METRICS)).toContain(name);
      expect(directive?.Namespace).toBe(NAMESPACE);
      expect(metric?.Unit).toBe(METRICS[name].unit);
      expect(directive?.Dimensions).toEqual(METRICS[name].dimensions);
      expect(typeof line[name]).toBe('number');
      for (const set of directive?.Dimensions ?? [])
        for (const key of set) expect(typeof line[key]).toBe('string');
    }
  });

  it('counts each task by outcome and job type, with queue delay and run duration in ms', () => {
    expect(emitted('TaskStarted', 'echo')).toHaveLength(1);
    expect(emitted('TaskSucceeded', 'echo')).toHaveLength(1);
    expect(emitted('TaskStarted', 'sleep')).toHaveLength(2);
    expect(emitted('TaskFailed', 'sleep')).toHaveLength(2);
    expect(emitted('TaskTimedOut', 'sleep')).toHaveLength(1);
    expect(emitted('TaskRetried')).toHaveLength(0);
    for (const name of ['TaskQueueDelay', 'TaskRunDuration']) {
      expect(emitted(name)).toHaveLength(3);
      for (const line of emitted(name)) expect(line[name]).toBeGreaterThanOrEqual(0);
    }
    const timedOut = emitted('TaskRunDuration', 'sleep').map((line) => Number(line.TaskRunDuration));
    expect(Math.max(...timedOut)).toBeGreaterThanOrEqual(1000);
    for (const line of emfLines().filter((l) => 'job_type' in l)) expect(JOB_TYPES).toContain(line.job_type);
  });

  it('counts API requests by route template and status class, never the raw path', () => {
    const requests = emitted('RequestCount');
    const templates = ROUTES.map((route) => `${route.method} ${route.path}`);
    for (const line of requests) expect([...templates, '$default']).toContain(line.route);
    expect(requests.filter((l) => l.route === 'POST /jobs' && l.status_class === '2xx')).toHaveLength(3);
    expect(requests.filter((l) => l.route === 'GET /jobs/{id}' && l.status_class === '4xx')).toHaveLength(1);
    expect(emitted('RequestLatency')).toHaveLength(requests.length);
  });

  it('never has a user, job or task id among its dimensions', () => {
    for (const line of emfLines()) {
      const dimensions = line._aws.CloudWatchMetrics.flatMap((d) => d.Dimensions.flat());
      expect(dimensions.every((key) => ['service', 'job_type', 'route', 'status_class'].includes(key))).toBe(
        true,
      );
      for (const key of dimensions) {
        expect(String(line[key])).not.toMatch(UUID);
        expect([SUB, ...jobIds]).not.toContain(line[key]);
      }
    }
  });
});

describe('log lines from a local run', () => {
  const logLines = () => lines.filter((line) => !('_aws' in line));

  it('are each one JSON object with level, time, message, service and function', () => {
    expect(logLines().length).toBeGreaterThan(0);
    for (const line of logLines()) {
      expect(line).toMatchObject({ service: 'background-job-service', function: 'local' });
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
      expect(typeof line.message).toBe('string');
    }
  });

  it('tell a task’s story by task_id and job_id, with its durations, and a request’s by request_id', () => {
    const runs = logLines().filter((line) => line.message === 'task run');
    expect(runs.map((line) => line.job_id).sort()).toEqual([...jobIds].sort());
    for (const run of runs) {
      expect(run.task_id).toMatch(UUID);
      expect(run).toHaveProperty('duration_ms');
      expect(run).toHaveProperty('queue_delay_ms');
    }
    const requests = logLines().filter((line) => line.message === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const request of requests) {
      expect(typeof request.request_id).toBe('string');
      expect(typeof request.cold_start).toBe('boolean');
    }
  });

  it('never carry a payload or a token', () => {
    const text = JSON.stringify(lines);
    expect(text).not.toContain('a secret prompt');
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});
