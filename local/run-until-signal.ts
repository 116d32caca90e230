/**
 * What `npm start` and `npm run start:aws` share: run `main`, then stop cleanly on SIGINT/SIGTERM (a second signal
 * changes nothing; a stop that hangs exits 1 after 10 s); a start that fails is one line on stderr and exit 1.
 */
export function runUntilSignal(name: string, main: () => Promise<{ stop(): Promise<void> }>): void {
  main()
    .then((stack) => {
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`${signal} received, shutting down`);
        const timer = setTimeout(() => process.exit(1), 10_000).unref();
        await stack.stop();
        clearTimeout(timer);
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    })
    .catch((error: Error) => {
      process.stderr.write(
        `${name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}\n`,
      );
      process.exit(1);
    });
}
