import type pg from 'pg';
import type { Database } from '../lambdas/db/port.js';

/** One measured phase: its wall time and the SQL statements sent meanwhile. */
export interface Phase {
  seconds: number;
  statements: number;
}

/** What one queue did in one run: enqueue one at a time, process (drain), and, where it has one, batch enqueue. */
export interface Result {
  enqueue: Phase;
  process: Phase;
  enqueueBatch?: Phase;
}

export interface BenchShape {
  tasks: number;
  workers: number;
  batch: number;
  /** Jobs the service's tasks are spread over (the peers have no parent job). */
  jobs: number;
}

export type Counter = { statements: number };

/** Counts every statement through the port, transactions included. */
export function counting(db: Database) {
  const counter: Counter = { statements: 0 };
  const wrapped: Database = {
    query: (statement) => {
      counter.statements += 1;
      return db.query(statement);
    },
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: (statement) => {
            counter.statements += 1;
            return tx.query(statement);
          },
        }),
      ),
    close: () => db.close(),
    answerLimitBytes: db.answerLimitBytes,
  };
  return { db: wrapped, counter };
}

/** Counts every query any client of a node-postgres pool sends (how the peers reach the database). */
export function countingPool(pool: pg.Pool): Counter {
  const counter: Counter = { statements: 0 };
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      counter.statements += 1;
      return query(...args);
    };
  });
  return counter;
}

export async function timed(counter: Counter, work: () => Promise<void>): Promise<Phase> {
  const before = counter.statements;
  const started = performance.now();
  await work();
  return { seconds: (performance.now() - started) / 1000, statements: counter.statements - before };
}

/** Runs `work` for 0..count-1 with `concurrency` parallel lanes. */
export async function lanes(count: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** Resolves once `done()` holds, checking every few milliseconds. */
export async function until(done: () => boolean, timeoutMs = 600_000): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for the drain');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
