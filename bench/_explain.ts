import { startEmbeddedPostgres } from '../local/embedded-postgres.js';
import { openService, enqueueOnly } from './service.js';
import { claimTasks } from '../lambdas/sql/execution.js';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
const server = await startEmbeddedPostgres({ dataDir: '/tmp/prof/data', port: 54999 } as never);
const admin = new pg.Client({ connectionString: server.url }); await admin.connect();
await admin.query('DROP DATABASE IF EXISTS prof'); await admin.query('CREATE DATABASE prof'); await admin.end();
const url = server.urlFor('prof');
const raw = await openService(url, 8);
await enqueueOnly(raw, { tasks: 10000, workers: 8, batch: 10, jobs: 100 } as never);
const c = new pg.Client({ connectionString: url }); await c.connect();
for (let round = 0; round < 3; round++) {
  for (let i = 0; i < 150; i++) { const s = claimTasks('w', 16, 30, randomUUID()); await c.query(s.text, s.values as never); }
  await c.query(`UPDATE tasks SET status='completed', finished_at=now() WHERE status='processing'`);
  const s = claimTasks('w', 16, 30, randomUUID());
  const t = performance.now(); await c.query(s.text, s.values as never); console.log('claim ms', (performance.now()-t).toFixed(2));
  const s2 = claimTasks('w', 16, 30, randomUUID()); const r = await c.query('EXPLAIN (ANALYZE, BUFFERS) ' + s2.text, s2.values as never).catch(e=>({rows:[{'QUERY PLAN': String(e)}]}));
  if (round === 2) console.log(r.rows.map((x: any) => x['QUERY PLAN']).join('\n'));
}
await c.end(); await (raw as any).close?.(); await server.stop(); process.exit(0);
