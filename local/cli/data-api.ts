import '../quiet-sdk-warning.js';
import path from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../../lambdas/settings-issues.js';
import { startLocalDataApi } from '../data-api/server.js';
import { startEmbeddedPostgres } from '../embedded-postgres.js';
import { DATA_DIR } from '../paths.js';
import { failAndExit } from './cli-support.js';

/** `npm run data-api`: the local RDS Data API endpoint, over DATABASE_URL or the embedded PostgreSQL. */
const Settings = z.object({
  DATA_API_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: z.string().min(1).optional(),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54320),
  LOCAL_DATA_DIR: z.string().min(1).default(DATA_DIR),
  /** Fault injection: the first N calls fail with DatabaseResumingException. */
  DATA_API_RESUMING_CALLS: z.coerce.number().int().min(0).default(0),
  /** Fault injection: the first N calls run and commit, then their answer is lost (DATA_API_LOST_ANSWER_MODE). */
  DATA_API_LOST_ANSWERS: z.coerce.number().int().min(0).default(0),
  DATA_API_LOST_ANSWER_MODE: z.enum(['error', 'reset']).default('error'),
});

async function main() {
  const parsed = Settings.safeParse(process.env);
  if (!parsed.success) throw new Error(describeIssues(parsed.error.issues).join('; '));
  const settings = parsed.data;
  let databaseUrl = settings.DATABASE_URL;
  let stopPostgres = async () => {};
  if (!databaseUrl) {
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(settings.LOCAL_DATA_DIR, 'postgres'),
      port: settings.EMBEDDED_POSTGRES_PORT,
      persistent: true,
    });
    databaseUrl = postgres.url;
    stopPostgres = () => postgres.stop();
  }
  const api = await startLocalDataApi({
    databaseUrl,
    port: settings.DATA_API_PORT,
    resumingCalls: settings.DATA_API_RESUMING_CALLS,
    lostAnswers: { mode: settings.DATA_API_LOST_ANSWER_MODE, count: settings.DATA_API_LOST_ANSWERS },
  }).catch(async (error: NodeJS.ErrnoException) => {
    await stopPostgres();
    throw error.code === 'EADDRINUSE'
      ? new Error(`port ${settings.DATA_API_PORT} is already in use (set DATA_API_PORT)`)
      : error;
  });
  console.log(`Local RDS Data API listening on ${api.endpoint}  (DATA_API_ENDPOINT=${api.endpoint})`);
  const stop = async () => {
    await api.close();
    await stopPostgres();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch(failAndExit('data-api'));
