import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import { sql } from '../../lambdas/db/port.js';
import { startTcpProxy } from './tcp-proxy.js';

/**
 * Run by db-connection-faults.test.ts in a process of its own, so that an unhandled 'error' event is seen for what
 * it is, a crash. Breaks pg adapter transactions by real means — the backend terminated from another connection
 * while the transaction is idle, the connection reset as BEGIN is sent — and prints what each call then did, as
 * JSON. Argument: the database URL.
 */
const [url = ''] = process.argv.slice(2);
const proxy = await startTcpProxy(url);
const db = createPgDatabase({ connectionString: proxy.url, maxConnections: 1 });
const admin = createPgDatabase({ connectionString: url, maxConnections: 1 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outcome = (work: Promise<unknown>) =>
  work.then(
    () => 'ok',
    (error: Error) => error.name,
  );
const selectOne = async () => (await db.query(sql('SELECT 1 AS one'))).rows[0]?.one;

const terminated = await outcome(
  db.transaction(async (tx) => {
    const pid = Number((await tx.query(sql('SELECT pg_backend_pid() AS pid'))).rows[0]?.pid);
    await admin.query(sql('SELECT pg_terminate_backend($1::int)', [pid]));
    await sleep(300); // the termination reaches the client while it is idle in the transaction
    await tx.query(sql('SELECT 1'));
  }),
);
const afterTerminate = [await selectOne(), await selectOne()];

proxy.resetOnClientText('BEGIN');
const resetBegins = [];
for (let n = 0; n < 3; n += 1) resetBegins.push(await outcome(db.transaction(async () => 1)));
proxy.resetOnClientText(undefined);
const afterBegin = await db.transaction(async (tx) => (await tx.query(sql('SELECT 2 AS two'))).rows[0]?.two);

console.log(JSON.stringify({ terminated, afterTerminate, resetBegins, afterBegin }));
await Promise.all([db.close(), admin.close()]);
await proxy.close();
