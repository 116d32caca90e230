import '../quiet-sdk-warning.js';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseConfig } from '../../lambdas/config.js';
import { openDatabase } from '../../lambdas/db/index.js';
import { migrate, migrationNames, migrationStatus } from '../../lambdas/migrator/migrator.js';
import { withLocalArns } from '../data-api/local-arns.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { describeTarget, failAndExit } from './cli-support.js';

const USAGE = 'usage: npm run migrate -- up | down [N] | status | create NAME';
const SEED_DATABASE_URL = 'postgres://postgres:postgres@localhost:5432/bg_jobs';
const migrationsDir = process.env.MIGRATIONS_DIR ?? MIGRATIONS_DIR;

async function createMigrationFile(rawName: string | undefined): Promise<string> {
  const name = rawName
    ?.toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  if (!name) throw new Error(USAGE);
  const existing = await migrationNames(migrationsDir);
  const next = Math.max(0, ...existing.map((file) => Number.parseInt(file, 10) || 0)) + 1;
  const file = path.join(migrationsDir, `${String(next).padStart(3, '0')}_${name}.sql`);
  const template = '-- Up Migration\n\n\n-- Down Migration\n';
  await writeFile(file, template, { flag: 'wx' });
  return file;
}

async function main(argv: string[]): Promise<void> {
  const [command, argument] = argv;
  if (command === 'create') {
    console.log(`created ${path.relative(process.cwd(), await createMigrationFile(argument))}`);
    return;
  }
  if (command !== 'up' && command !== 'down' && command !== 'status') throw new Error(USAGE);
  const count = argument === undefined ? undefined : Number(argument);
  if (count !== undefined && !(Number.isInteger(count) && count > 0))
    throw new Error(`N must be a positive integer`);

  const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? SEED_DATABASE_URL };
  const settings = parseConfig(process.env.DATA_API_ENDPOINT ? withLocalArns(env) : env);
  const db = openDatabase(settings);
  try {
    if (command === 'status') {
      const status = await migrationStatus(db, migrationsDir);
      for (const m of status.applied) console.log(`applied  ${m.name}  (${m.runOn.toISOString()})`);
      for (const name of status.pending) console.log(`pending  ${name}`);
      console.log(`${status.applied.length} applied, ${status.pending.length} pending`);
      return;
    }
    const ran = await migrate(db, { direction: command, count, migrationsDir });
    for (const name of ran) console.log(`${command === 'up' ? 'applied' : 'reverted'}  ${name}`);
    console.log(ran.length === 0 ? 'nothing to migrate' : `${ran.length} migration(s) ${command}`);
  } catch (error) {
    throw new Error(`${describeTarget(settings)}: ${(error as Error).message}`, { cause: error });
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch(failAndExit('migrate'));
