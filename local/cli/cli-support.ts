import type { Config } from '../../lambdas/config.js';

/** Names the database a command talks to, with the password masked. */
export function describeTarget(settings: Config): string {
  if (settings.DB_DRIVER === 'data-api') {
    return `Data API ${settings.DATA_API_ENDPOINT ?? '(AWS)'} database ${settings.DATABASE_NAME}`;
  }
  try {
    const url = new URL(settings.DATABASE_URL ?? '');
    if (url.password) url.password = '***';
    return `database ${url.toString()}`;
  } catch {
    return 'database (unparseable DATABASE_URL)';
  }
}

/** A CLI failure is one clear line on stderr and exit code 1 — never a stack trace. */
export function failAndExit(command: string) {
  return (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    const detail = cause && !message.includes(cause.message) ? ` (${cause.message})` : '';
    process.stderr.write(`${command}: ${message.split('\n')[0]}${detail}\n`);
    process.exit(1);
  };
}
