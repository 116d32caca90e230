import {
  BeginTransactionCommand,
  ExecuteStatementCommand,
  type RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataApiClient } from '../../lambdas/db/index.js';
import { sql } from '../../lambdas/db/port.js';
import { LOCAL_CLUSTER_ARN, LOCAL_SECRET_ARN } from '../../local/data-api/local-arns.js';
import { startLocalDataApi } from '../../local/data-api/server.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { runScript, spawnScript, stopProcess, waitForOutput } from '../support/processes.js';
import { sleep } from '../support/tasks.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * Connections that break while pinned to a transaction — the backend terminated, a BEGIN that never got an answer,
 * transactions abandoned — must neither crash the process nor use up its pool.
 */
let test: TestDatabase;
let proxy: TcpProxy;

beforeAll(async () => {
  test = await freshDatabase();
  proxy = await startTcpProxy(test.url);
});
afterAll(async () => {
  await proxy.close();
  await test.drop();
});

/** Terminates a backend from another connection, and waits until it is gone. */
async function terminate(pid: number): Promise<void> {
  await test.db.query(sql('SELECT pg_terminate_backend($1::int)', [pid]));
  for (let n = 0; n < 100; n += 1) {
    const { rows } = await test.db.query(sql('SELECT 1 FROM pg_stat_activity WHERE pid = $1::int', [pid]));
    if (rows.length === 0) break;
    await sleep(20);
  }
  await sleep(100); // the client has read the termination while idle in its transaction
}

describe('pg adapter: a transaction whose connection breaks', () => {
  it('a terminated backend or a reset BEGIN fails that transaction only; the process survives, the pool serves', async () => {
    const run = await runScript('test/support/pg-transaction-faults.ts', [test.url]);
    expect(run.stderr).not.toContain('Unhandled');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      terminated: 'DatabaseError',
      afterTerminate: [1, 1],
      resetBegins: ['DatabaseError', 'DatabaseError', 'DatabaseError'],
      afterBegin: 2,
    });
  });
});

const arns = () => ({ resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: test.name });
const selectOne = (client: RDSDataClient, transactionId?: string) =>
  client.send(new ExecuteStatementCommand({ ...arns(), sql: 'SELECT 1 AS one', transactionId }), {
    abortSignal: AbortSignal.timeout(5_000),
  });

describe('npm run data-api: a transaction whose connection breaks', () => {
  it('survives a backend terminated mid-transaction and 25 BEGINs reset, and still serves', async () => {
    const child = spawnScript('local/cli/data-api.ts', [], { DATABASE_URL: proxy.url, DATA_API_PORT: '0' });
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    try {
      const [, endpoint = ''] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
      const client = createDataApiClient(endpoint);
      const { transactionId } = await client.send(new BeginTransactionCommand(arns()));
      const { records } = await client.send(
        new ExecuteStatementCommand({ ...arns(), sql: 'SELECT pg_backend_pid() AS pid', transactionId }),
      );
      await terminate(Number(records?.[0]?.[0]?.longValue));
      await expect(selectOne(client, transactionId)).rejects.toThrow();

      proxy.resetOnClientText('BEGIN');
      try {
        for (let n = 0; n < 25; n += 1)
          await expect(client.send(new BeginTransactionCommand(arns()))).rejects.toThrow();
      } finally {
        proxy.resetOnClientText(undefined);
      }
      expect(child.exitCode).toBeNull();
      expect((await selectOne(client)).records).toEqual([[{ longValue: 1 }]]);
      // The failed BEGINs gave their clients back: a transaction still gets one.
      const again = await client.send(new BeginTransactionCommand(arns()), {
        abortSignal: AbortSignal.timeout(5_000),
      });
      expect((await selectOne(client, again.transactionId)).records).toEqual([[{ longValue: 1 }]]);
      client.destroy();
    } finally {
      expect(await stopProcess(child, 'SIGTERM'), stderr.join('')).toBe(0);
    }
  });
});

describe('local Data API: abandoned transactions', () => {
  it('25 transactions left open do not starve plain statements; a begin past the limit fails, then succeeds once one ends', async () => {
    const api = await startLocalDataApi({ databaseUrl: test.url, transactionWaitMs: 500 });
    const client = createDataApiClient(api.endpoint);
    try {
      const begins = await Promise.allSettled(
        Array.from({ length: 25 }, () =>
          client.send(new BeginTransactionCommand(arns()), { abortSignal: AbortSignal.timeout(10_000) }),
        ),
      );
      const open = begins.flatMap((begin) =>
        begin.status === 'fulfilled' ? [begin.value.transactionId] : [],
      );
      expect(open).toHaveLength(20);
      expect(begins.filter((begin) => begin.status === 'rejected')).toHaveLength(5);
      for (let n = 0; n < 30; n += 1) expect((await selectOne(client)).records).toEqual([[{ longValue: 1 }]]);
      await client.send(new RollbackTransactionCommand({ ...arns(), transactionId: open[0] }));
      const next = await client.send(new BeginTransactionCommand(arns()), {
        abortSignal: AbortSignal.timeout(5_000),
      });
      expect((await selectOne(client, next.transactionId)).records).toEqual([[{ longValue: 1 }]]);
    } finally {
      client.destroy();
      await api.close();
    }
  });
});
