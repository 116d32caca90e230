/**
 * Captures what the logger (lambdas/logger.ts) and the metrics (lambdas/metrics.ts) write straight to the process's
 * stdout and stderr while `work` runs, one entry per line, and restores both streams afterwards.
 */
export async function captureLines<T>(
  work: (lines: { stdout: string[]; stderr: string[] }) => Promise<T>,
): Promise<T> {
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const streams = [
    [process.stdout, lines.stdout],
    [process.stderr, lines.stderr],
  ] as const;
  const originals = streams.map(([stream]) => stream.write);
  for (const [stream, into] of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      into.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    }) as typeof stream.write;
  }
  try {
    return await work(lines);
  } finally {
    streams.forEach(([stream], index) => {
      stream.write = originals[index] as typeof stream.write;
    });
  }
}
