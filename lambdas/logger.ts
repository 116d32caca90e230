/**
 * Structured JSON logs, one line per event, for CloudWatch Logs Insights. Callers pass identifiers and counts,
 * never tokens, secrets or payload contents.
 *
 * Lines are written to the process's stdout/stderr directly, not through console.*: with Lambda's JSON log format
 * the runtime wraps whatever console.* prints into `message` as a string, whereas a line written straight to the
 * stream that is already a JSON object is stored as it is, so every field below is queryable.
 */
import { SERVICE_NAME } from './metrics-names.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Logger = Record<Level, (message: string, fields?: Record<string, unknown>) => void>;

/** LOG_LEVEL from the environment; anything unknown means info. */
export function configuredLevel(): Level {
  const level = process.env.LOG_LEVEL;
  return level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? level : 'info';
}

/** The service every line names (the same name as the metrics' `service` dimension). */
export const serviceName = () => SERVICE_NAME;

/** The Lambda function's name, or `local` outside Lambda. */
export const functionName = () => process.env.AWS_LAMBDA_FUNCTION_NAME || 'local';

let invoked = false;

/**
 * Called once at the start of each invocation: true the first time in this process (a cold start), false after.
 * Lambda runs one invocation at a time per container, so the first call is the cold one.
 */
export function takeColdStart(): boolean {
  const cold = !invoked;
  invoked = true;
  return cold;
}

/** X-Ray's trace id of the current invocation when tracing is on (Lambda sets it per invocation). */
function traceId(): string | undefined {
  const header = process.env._X_AMZN_TRACE_ID;
  return header ? /Root=([^;]+)/.exec(header)?.[1] : undefined;
}

export function createLogger(base: Record<string, unknown> = {}, minimum: Level = configuredLevel()): Logger {
  const write =
    (level: Level) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[level] < ORDER[minimum]) return;
      const trace = traceId();
      const own = {
        level,
        time: new Date().toISOString(),
        message,
        service: serviceName(),
        function: functionName(),
        ...(trace ? { xray_trace_id: trace } : {}),
      };
      // The line's own fields win over a caller's of the same name (a handler's `level` must not turn an error
      // into something `filter level = "error"` misses); assigning them first keeps them first on the line.
      const line = JSON.stringify(Object.assign({ ...own }, base, fields, own));
      (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
