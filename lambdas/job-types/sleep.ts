import type { TaskHandler } from '../worker/types.js';

/** `sleep`: waits `payload.seconds` (default 1), giving up at once when cancelled or timed out. */
export const sleep: TaskHandler = async ({ task, signal }) => {
  const seconds = Number(task.payload.seconds ?? 1);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new Error('payload.seconds must be a non-negative number');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, seconds * 1000);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
  return JSON.stringify({ slept_seconds: seconds });
};
