import type { Logger } from '../logger.js';

/** What a job-type handler is given: the task, its job, a signal that fires on cancellation or timeout, a logger. */
export interface TaskContext {
  task: { id: string; attempt: number; payload: Record<string, unknown> };
  job: { id: string; userId: string; jobType: string; payload: Record<string, unknown> };
  /** Aborted when the task is cancelled, its attempt times out, or the worker loses its lease. Honour it. */
  signal: AbortSignal;
  log: Logger;
}

/**
 * Runs one attempt and returns the result text (bounded: see RESULT_LIMIT; U+0000 and lone surrogates are stored
 * as U+FFFD). Throwing fails the attempt. Until it returns, its worker slot stays busy, even past its signal.
 */
export type TaskHandler = (context: TaskContext) => Promise<string>;

/** Results and errors are capped so a task row stays far below the Data API's 64 KB per-row limit. */
export const RESULT_LIMIT = 32 * 1024;
export const ERROR_LIMIT = 2 * 1024;
