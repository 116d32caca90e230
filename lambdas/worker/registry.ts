import { echo } from './handlers/echo.js';
import { sleep } from './handlers/sleep.js';
import type { TaskHandler } from './types.js';

/**
 * Job type → handler. To add a job type: write `handlers/<name>.ts` exporting a TaskHandler, and add one line here.
 * POST /jobs refuses a job_type that is not listed.
 */
export const HANDLERS: Readonly<Record<string, TaskHandler>> = {
  echo,
  sleep,
};

export const JOB_TYPES = Object.keys(HANDLERS);
export const isKnownJobType = (name: string) => Object.hasOwn(HANDLERS, name);
