import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import { type BenchShape, countingPool, lanes, type Result, timed, until } from './support.js';

const quiet = new Logger(() => () => {});

/**
 * graphile-worker through its own API: `addJob()` one at a time, its batch `addJobs()`, and its own runner
 * (`run`) with `concurrency` = WORKERS × BATCH, a local queue of BATCH jobs per fetch and batched completion
 * (`completeJobBatchDelay: 0`) — its documented throughput settings. The task computes the same result as the
 * service's echo handler, but graphile-worker keeps no result (it deletes a finished job).
 */
export async function benchGraphileWorker(
  url: string,
  { tasks, workers, batch }: BenchShape,
): Promise<Result> {
  const pool = new pg.Pool({ connectionString: url, max: workers + 2 });
  pool.on('error', () => {});
  const counter = countingPool(pool);
  const utils = await makeWorkerUtils({ pgPool: pool, logger: quiet });
  await utils.migrate();
  const enqueue = await timed(counter, () =>
    lanes(tasks, workers, async (i) => void (await utils.addJob('bench', { prompt: `bench ${i}` }))),
  );
  let completed = 0;
  const processPhase = await timed(counter, async () => {
    const runner = await run({
      pgPool: pool,
      concurrency: workers * batch,
      noHandleSignals: true,
      pollInterval: 1_000,
      logger: quiet,
      taskList: {
        bench: async (payload) => {
          completed += 1;
          // graphile-worker tasks return nothing (it deletes a finished job); the result is made all the same.
          void JSON.stringify(payload);
        },
      },
      preset: { worker: { localQueue: { size: batch }, completeJobBatchDelay: 0 } },
    });
    // A job is done once its completion is written: wait until the table is empty.
    await until(() => completed >= tasks);
    await runner.stop();
  });
  const left = await pool.query(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs`);
  if (completed !== tasks || left.rows[0]?.n !== 0)
    throw new Error(`graphile-worker ran ${completed} of ${tasks}, ${left.rows[0]?.n} left`);
  const enqueueBatch = await timed(counter, () =>
    lanes(Math.ceil(tasks / batch), workers, async (i) => {
      const size = Math.min(batch, tasks - i * batch);
      await utils.addJobs(
        Array.from({ length: size }, (_, k) => ({
          identifier: 'bench_batch',
          payload: { prompt: `bench ${i * batch + k}` },
        })),
      );
    }),
  );
  await utils.release();
  await pool.end();
  return { enqueue, process: processPhase, enqueueBatch };
}
