import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationNames } from '../../lambdas/migrator/migrator.js';
import { localAuth } from '../../local/auth.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import { fetchChecked } from '../support/contract.js';
import { expectDashboardServed } from '../support/dashboard.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/ports.js';
import { runScript, spawnScript, stopProcess, waitForOutput } from '../support/processes.js';

const START = 'local/start.ts';

function postgresProcessesUsing(dataDir: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', dataDir], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

let test: TestDatabase;
let dataDir: string;

/** GET /health/deep (the database state) with a token signed by the key the server keeps in `dir`. */
async function deepHealth(url: string, dir: string): Promise<Response> {
  const token = await (await localAuth(dir)).mint('5d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a');
  return fetchChecked(`${url}/health/deep`, { headers: { authorization: `Bearer ${token}` } });
}
beforeAll(async () => {
  test = await freshDatabase({ empty: true });
  dataDir = await mkdtemp(path.join(tmpdir(), 'bgjobs-start-'));
});
afterAll(async () => {
  await test.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('starts an embedded PostgreSQL, migrates, serves /health, /health/deep and the dashboard at /, and leaves nothing behind on SIGTERM', async () => {
    const child = spawnScript(START, [], {
      PORT: '0',
      LOCAL_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
    });
    try {
      const [, url = ''] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
      expect((await fetchChecked(`${url}/health`)).status).toBe(200);
      await expectDashboardServed(url);
      const response = await deepHealth(url, dataDir);
      expect(response.status).toBe(200);
      const health = (await response.json()) as {
        status: string;
        database: { reachable: boolean; name: string };
      };
      expect(health).toMatchObject({
        status: 'ok',
        database: { reachable: true, name: 'bg_jobs' },
        migrations: { latest: (await migrationNames(MIGRATIONS_DIR)).at(-1) },
      });
      expect(postgresProcessesUsing(dataDir).length).toBeGreaterThan(0);
    } finally {
      expect(await stopProcess(child, 'SIGTERM')).toBe(0);
    }
    expect(postgresProcessesUsing(dataDir)).toEqual([]);
  });

  it('uses DATABASE_URL instead when it is set, migrating that database', async () => {
    const child = spawnScript(START, [], {
      PORT: '0',
      DATABASE_URL: test.url,
      LOCAL_DATA_DIR: dataDir,
      WORKER_CONCURRENCY: '0',
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const [, url = ''] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
      const health = (await (await deepHealth(url, dataDir)).json()) as { database: { name: string } };
      expect(health.database.name).toBe(test.name);
      const { rows } = await test.db.query({ text: `SELECT to_regclass('public.jobs') AS t`, values: [] });
      expect(rows[0]).toEqual({ t: 'jobs' });
      // WORKER_CONCURRENCY=0: the API alone, no scheduler or workers.
      expect(output).not.toContain('in-process workers');
    } finally {
      expect(await stopProcess(child, 'SIGINT')).toBe(0);
    }
  });

  it('a busy port is a clear error before anything starts', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const run = await runScript(START, [], { PORT: String(port), DATABASE_URL: test.url });
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`start: port ${port} is already in use (set PORT)`);
    } finally {
      blocker.close();
    }
  });

  it('rejects a malformed PORT with the setting named', async () => {
    const run = await runScript(START, [], { PORT: 'eighty', DATABASE_URL: test.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^start: PORT: /);
  });
});

describe('npm start with DB_DRIVER=data-api', () => {
  it('serves through the AWS SDK and its own local Data API endpoint', async () => {
    const fresh = await freshDatabase({ empty: true });
    const child = spawnScript(START, [], {
      PORT: '0',
      DATABASE_URL: fresh.url,
      DB_DRIVER: 'data-api',
      LOCAL_DATA_DIR: dataDir,
    });
    try {
      const [, url = ''] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
      const health = (await (await deepHealth(url, dataDir)).json()) as {
        database: { name: string };
        status: string;
      };
      expect(health).toMatchObject({ status: 'ok', database: { name: fresh.name } });
      const { rows } = await fresh.db.query({ text: `SELECT to_regclass('public.tasks') AS t`, values: [] });
      expect(rows[0]).toEqual({ t: 'tasks' });
      expect(await stopProcess(child, 'SIGTERM')).toBe(0);
    } finally {
      await stopProcess(child, 'SIGKILL');
      await fresh.drop();
    }
  });
});

describe('embedded-postgres exit hooks', () => {
  it('loading it leaves the exit code alone, so a failing `vitest run` (which imports it) exits non-zero', async () => {
    const run = await runScript('test/support/exit-code-after-embedded-import.ts', ['3']);
    expect(run).toMatchObject({ code: 3, stderr: '' });
  });

  it('a process that crashes with an embedded PostgreSQL running still stops it', async () => {
    const crashDir = path.join(dataDir, 'crash');
    const run = await runScript('test/support/crash-with-embedded-postgres.ts', [
      crashDir,
      String(await freePort()),
    ]);
    expect(run.stdout).toContain('started');
    expect(run.code).not.toBe(0);
    // PostgreSQL's fast shutdown (SIGINT) takes a moment after the process is gone.
    for (let waited = 0; postgresProcessesUsing(crashDir).length > 0 && waited < 10_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(postgresProcessesUsing(crashDir)).toEqual([]);
  });
});
