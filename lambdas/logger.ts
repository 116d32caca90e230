/**
 * Structured JSON logs, one line per event, for CloudWatch Logs Insights. Callers pass identifiers and counts,
 * never tokens, secrets or payload contents.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Logger = Record<Level, (message: string, fields?: Record<string, unknown>) => void>;

/** LOG_LEVEL from the environment; anything unknown means info. */
export function configuredLevel(): Level {
  const level = process.env.LOG_LEVEL;
  return level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? level : 'info';
}

export function createLogger(base: Record<string, unknown> = {}, minimum: Level = configuredLevel()): Logger {
  const write =
    (level: Level) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[level] < ORDER[minimum]) return;
      const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...base, ...fields });
      if (level === 'error' || level === 'warn') console.error(line);
      else console.log(line);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
