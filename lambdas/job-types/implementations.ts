import type { TaskHandler } from '../worker/types.js';
import { echo } from './echo.js';
import type { JobType } from './names.js';
import { sleep } from './sleep.js';

/**
 * Job type → handler, for workers only (the API knows the names alone, from ./names.ts). To add a job type: write
 * `<name>.ts` here exporting a TaskHandler, add its name to JOB_TYPES and one line here.
 */
export const HANDLERS: Readonly<Record<JobType, TaskHandler>> = {
  echo,
  sleep,
};
