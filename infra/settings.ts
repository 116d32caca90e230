import type { App } from 'aws-cdk-lib';

/** Deploy-time settings from CDK context (`-c key=value` or cdk.json), with defaults, checked before synth. */
export interface StackSettings {
  /** Aurora Serverless v2 capacity in ACUs; min 0 lets the cluster auto-pause, so an idle stack costs nothing. */
  minCapacity: number;
  maxCapacity: number;
  autoPauseMinutes: number;
  /** `retain` (default): the cluster survives stack deletion and has deletion protection. `destroy`: throw-away stages. */
  removal: 'retain' | 'destroy';
  /** An external JWT issuer and audience instead of the Cognito user pool the stack creates. */
  jwtIssuer?: string;
  jwtAudience?: string[];
  corsOrigins: string[];
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /** The worker Lambda's reserved concurrency: also the cap on parallel database work from tasks. */
  workerConcurrency: number;
  logRetentionDays: number;
}

function number(app: App, key: string, fallback: number, min: number, max: number): number {
  const raw = app.node.tryGetContext(key);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`context ${key} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function list(app: App, key: string): string[] {
  const raw = app.node.tryGetContext(key);
  if (raw === undefined || raw === '') return [];
  return (Array.isArray(raw) ? raw : String(raw).split(','))
    .map((item) => String(item).trim())
    .filter(Boolean);
}

export function readSettings(app: App): StackSettings {
  const removal = app.node.tryGetContext('removal') ?? 'retain';
  if (removal !== 'retain' && removal !== 'destroy')
    throw new Error(`context removal must be retain or destroy, got ${removal}`);
  const jwtIssuer = app.node.tryGetContext('jwtIssuer') as string | undefined;
  const jwtAudience = list(app, 'jwtAudience');
  if (Boolean(jwtIssuer) !== jwtAudience.length > 0)
    throw new Error('context jwtIssuer and jwtAudience go together');
  const settings: StackSettings = {
    minCapacity: number(app, 'minCapacity', 0, 0, 256),
    maxCapacity: number(app, 'maxCapacity', 4, 1, 256),
    autoPauseMinutes: number(app, 'autoPauseMinutes', 10, 5, 1440),
    removal,
    ...(jwtIssuer ? { jwtIssuer, jwtAudience } : {}),
    corsOrigins: list(app, 'corsOrigins'),
    throttleRateLimit: number(app, 'throttleRateLimit', 50, 1, 10_000),
    throttleBurstLimit: number(app, 'throttleBurstLimit', 100, 1, 5_000),
    workerConcurrency: number(app, 'workerConcurrency', 10, 1, 1000),
    logRetentionDays: number(app, 'logRetentionDays', 30, 1, 3653),
  };
  if (settings.maxCapacity < settings.minCapacity)
    throw new Error('context maxCapacity must be at least minCapacity');
  return settings;
}
