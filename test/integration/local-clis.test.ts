import { ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataApiClient } from '../../lambdas/db/index.js';
import { LOCAL_CLUSTER_ARN, LOCAL_SECRET_ARN } from '../../local/data-api/local-arns.js';
import { startApi, type TestApi } from '../support/api.js';
import { fetchChecked } from '../support/contract.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { runScript, spawnScript, stopProcess, waitForOutput } from '../support/processes.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.stop());

describe('npm run --silent token', () => {
  it('prints one token and nothing else; the local server accepts it as that user', async () => {
    const user = '8c1f2e3d-4b5a-4697-8877-665544332211';
    const run = await runScript('local/cli/token.ts', [user], { LOCAL_DATA_DIR: api.dataDir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = JSON.parse(Buffer.from(run.stdout.split('.')[1] ?? '', 'base64url').toString()) as {
      exp?: unknown;
    };
    expect(claims.exp, 'the server refuses a token without exp').toBeTypeOf('number');
    const response = await fetchChecked(`${api.url}/jobs`, {
      headers: { authorization: `Bearer ${run.stdout.trim()}` },
    });
    expect(response.status).toBe(200);
    const created = await fetchChecked(`${api.url}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.stdout.trim()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ job_type: 'echo', payload: { prompt: 'mine' } }),
    });
    expect(((await created.json()) as { user_id: string }).user_id).toBe(user);
  });

  it('refuses a subject that is not a UUID, on stderr', async () => {
    const run = await runScript('local/cli/token.ts', ['alice'], { LOCAL_DATA_DIR: api.dataDir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^token: usage: npm run --silent token -- <user-uuid>/);
  });
});

describe('npm run data-api', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it('serves the Data API on DATA_API_PORT over DATABASE_URL, with resume fault injection, and stops on SIGTERM', async () => {
    const child = spawnScript('local/cli/data-api.ts', [], {
      DATABASE_URL: db.url,
      DATA_API_PORT: '0',
      DATA_API_RESUMING_CALLS: '1',
    });
    try {
      const [, endpoint = ''] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
      const client = createDataApiClient(endpoint);
      const call = () =>
        client.send(
          new ExecuteStatementCommand({
            resourceArn: LOCAL_CLUSTER_ARN,
            secretArn: LOCAL_SECRET_ARN,
            database: db.name,
            sql: 'SELECT 1 AS one',
          }),
        );
      await expect(call()).rejects.toMatchObject({ name: 'DatabaseResumingException' });
      expect((await call()).records).toEqual([[{ longValue: 1 }]]);
      client.destroy();
    } finally {
      expect(await stopProcess(child, 'SIGTERM')).toBe(0);
    }
  });
});
