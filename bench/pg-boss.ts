import pg from 'pg';
import PgBoss from 'pg-boss';
import { type BenchShape, countingPool, lanes, type Result, timed } from './support.js';

/**
 * pg-boss through its own API: `send()` one at a time, its batch `insert()`, and WORKERS workers each looping
 * `fetch({ batchSize })` → `complete()` per job with that job's own result (pg-boss's `complete(ids[], data)` takes
 * one output for all ids, so a per-task result needs one call per job).
 */
export async function benchPgBoss(url: string, { tasks, workers, batch }: BenchShape): Promise<Result> {
  const pool = new pg.Pool({ connectionString: url, max: workers + 2 });
  const counter = countingPool(pool);
  const boss = new PgBoss({
    db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
    supervise: false,
    schedule: false,
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('bench');
  const enqueue = await timed(counter, () =>
    lanes(tasks, workers, async (i) => void (await boss.send('bench', { prompt: `bench ${i}` }))),
  );
  let completed = 0;
  const processPhase = await timed(counter, () =>
    lanes(workers, workers, async () => {
      for (;;) {
        const jobs = await boss.fetch<{ prompt: string }>('bench', { batchSize: batch });
        if (jobs.length === 0) return;
        await Promise.all(
          jobs.map((job) => boss.complete('bench', job.id, { result: JSON.stringify(job.data) })),
        );
        completed += jobs.length;
      }
    }),
  );
  if (completed !== tasks) throw new Error(`pg-boss completed ${completed} of ${tasks}`);
  await boss.createQueue('bench_batch');
  const enqueueBatch = await timed(counter, () =>
    lanes(Math.ceil(tasks / batch), workers, async (i) => {
      const size = Math.min(batch, tasks - i * batch);
      await boss.insert(
        Array.from({ length: size }, (_, k) => ({
          name: 'bench_batch',
          data: { prompt: `bench ${i * batch + k}` },
        })),
      );
    }),
  );
  await boss.stop({ graceful: false, wait: true });
  await pool.end();
  return { enqueue, process: processPhase, enqueueBatch };
}
