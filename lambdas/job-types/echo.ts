import type { TaskHandler } from '../worker/types.js';

/** `echo`: the result is the task's payload as JSON. Handy to smoke-test a deployment. */
export const echo: TaskHandler = async ({ task }) => JSON.stringify(task.payload);
