import { z } from 'zod';

/**
 * The Lambda/runtime configuration: read from the environment once, typed, and failing fast with every
 * problem named. Secrets never live here (the Data API reads the database secret by ARN).
 */
const Environment = z
  .object({
    DB_DRIVER: z.enum(['pg', 'data-api']).default('pg'),
    DATABASE_URL: z.string().min(1).optional(),
    CLUSTER_ARN: z.string().min(1).optional(),
    SECRET_ARN: z.string().min(1).optional(),
    DATABASE_NAME: z.string().min(1).default('postgres'),
    /** A local Data API endpoint; unset in AWS. */
    DATA_API_ENDPOINT: z.url().optional(),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** The task queue (AWS); locally unset, the in-process workers poll instead. */
    QUEUE_URL: z.url().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.DB_DRIVER === 'pg' && !env.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'required when DB_DRIVER=pg' });
    }
    if (env.DB_DRIVER === 'data-api') {
      for (const key of ['CLUSTER_ARN', 'SECRET_ARN'] as const) {
        if (!env[key])
          ctx.addIssue({ code: 'custom', path: [key], message: 'required when DB_DRIVER=data-api' });
      }
    }
  });

export type Config = z.infer<typeof Environment>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = Environment.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Forgets the parsed configuration, so the next `config()` reads the environment again (local stack, tests). */
export function resetConfig(): void {
  cached = undefined;
}
