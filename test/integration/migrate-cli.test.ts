import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationNames } from '../../lambdas/migrator/migrator.js';
import { startLocalDataApi } from '../../local/data-api/server.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { indexNames, publicTables } from '../support/introspection.js';
import { freePort } from '../support/ports.js';
import { runScript } from '../support/processes.js';

const CLI = 'local/cli/migrate.ts';
let test: TestDatabase;
beforeAll(async () => {
  test = await freshDatabase({ empty: true });
});
afterAll(() => test.drop());

describe('npm run migrate', () => {
  it('up, status, down 1 and up again against DATABASE_URL', async () => {
    const env = { DATABASE_URL: test.url };
    const upRun = await runScript(CLI, ['up'], env);
    expect(upRun.code).toBe(0);
    expect(upRun.stdout).toContain('applied  001_create_jobs_and_tasks_tables');
    expect(await publicTables(test.db)).toEqual([
      'jobs',
      'pgmigrations',
      'tasks',
      'user_queue_bounds',
      'webhook_deliveries',
    ]);

    const status = await runScript(CLI, ['status'], env);
    expect(status.stdout).toMatch(/applied {2}001_create_jobs_and_tasks_tables/);

    const names = await migrationNames(MIGRATIONS_DIR);
    expect(status.stdout).toContain(`${names.length} applied, 0 pending`);
    const down = await runScript(CLI, ['down', '1'], env);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`reverted  ${names.at(-1)}`);
    expect(down.stdout).toContain('1 migration(s) down');
    const downAll = await runScript(CLI, ['down', String(names.length - 1)], env);
    expect(downAll.stdout).toContain('reverted  001_create_jobs_and_tasks_tables');
    expect(await publicTables(test.db)).toEqual(['pgmigrations']);

    expect((await runScript(CLI, ['status'], env)).stdout).toContain(`0 applied, ${names.length} pending`);
    expect((await runScript(CLI, ['up'], env)).code).toBe(0);
    expect((await runScript(CLI, ['up'], env)).stdout).toContain('nothing to migrate');
  });

  it('an unreachable database is one clear line on stderr and exit 1', async () => {
    const port = await freePort();
    const run = await runScript(CLI, ['up'], {
      DATABASE_URL: `postgres://u:secret@127.0.0.1:${port}/nowhere`,
    });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^migrate: database postgres:\/\/u:\*\*\*@127\.0\.0\.1:\d+\/nowhere: .*ECONNREFUSED/,
    );
    expect(run.stderr).not.toContain('secret');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a database that does not exist is one clear line too', async () => {
    const url = new URL(test.url);
    url.pathname = '/no_such_database';
    const run = await runScript(CLI, ['status'], { DATABASE_URL: url.toString() });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('database "no_such_database" does not exist');
  });

  it('rejects unknown commands and bad counts with the usage', async () => {
    const unknown = await runScript(CLI, ['sideways'], { DATABASE_URL: test.url });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('usage: npm run migrate -- up | down [N] | status | create NAME');
    const badCount = await runScript(CLI, ['down', 'two'], { DATABASE_URL: test.url });
    expect(badCount.code).toBe(1);
    expect(badCount.stderr).toContain('N must be a positive integer');
  });

  it('create writes the next numbered .sql file with both sections', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bgjobs-create-'));
    try {
      const first = await runScript(CLI, ['create', 'Add job timeouts'], { MIGRATIONS_DIR: dir });
      expect(first.code).toBe(0);
      const second = await runScript(CLI, ['create', 'second'], { MIGRATIONS_DIR: dir });
      expect(second.stdout).toContain('002_second.sql');
      const text = await readFile(path.join(dir, '001_add_job_timeouts.sql'), 'utf8');
      expect(text).toMatch(/-- Up Migration[\s\S]*-- Down Migration/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run migrate with DB_DRIVER=data-api', () => {
  it('migrates through the local Data API endpoint to the same schema as the pg path', async () => {
    const fresh = await freshDatabase({ empty: true });
    const api = await startLocalDataApi({ databaseUrl: fresh.url });
    try {
      const env = { DB_DRIVER: 'data-api', DATA_API_ENDPOINT: api.endpoint, DATABASE_NAME: fresh.name };
      const upRun = await runScript(CLI, ['up'], env);
      expect(upRun.stderr).toBe('');
      expect(upRun.stdout).toContain('applied  001_create_jobs_and_tasks_tables');
      expect(await publicTables(fresh.db)).toEqual([
        'jobs',
        'pgmigrations',
        'tasks',
        'user_queue_bounds',
        'webhook_deliveries',
      ]);
      expect(await indexNames(fresh.db, 'jobs')).toEqual(await indexNames(test.db, 'jobs'));
      const names = await migrationNames(MIGRATIONS_DIR);
      expect((await runScript(CLI, ['status'], env)).stdout).toContain(`${names.length} applied, 0 pending`);
      expect((await runScript(CLI, ['down', String(names.length)], env)).stdout).toContain(
        'reverted  001_create_jobs_and_tasks_tables',
      );
      expect(await publicTables(fresh.db)).toEqual(['pgmigrations']);
    } finally {
      await api.close();
      await fresh.drop();
    }
  });
});
