import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createPgDatabase } from '../../lambdas/db/pg-adapter.js';
import { migrate } from '../../lambdas/migrator/migrator.js';
import { createDatabase, dropDatabase } from '../../lambdas/sql/admin.js';
import { startEmbeddedPostgres } from '../../local/embedded-postgres.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A connection string with the right to create databases (its database name is ignored). */
    adminUrl: string;
    /** A database with every migration applied, to clone per test file. */
    templateDatabase: string;
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

/**
 * One PostgreSQL for the whole run — `DATABASE_URL` when given, else an embedded one in a temporary folder —
 * and one migrated template database that each test file clones (CREATE DATABASE … TEMPLATE is a file copy).
 */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  let stopServer = async () => {};
  if (!adminUrl) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bgjobs-test-pg-'));
    const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
    adminUrl = postgres.url;
    stopServer = async () => {
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  const templateDatabase = `bgjobs_template_${process.pid}`;
  const admin = createPgDatabase({ connectionString: adminUrl, maxConnections: 1 });
  try {
    await admin.query(dropDatabase(templateDatabase));
    await admin.query(createDatabase(templateDatabase));
    const template = createPgDatabase({ connectionString: withDatabase(adminUrl, templateDatabase) });
    await migrate(template, { direction: 'up', migrationsDir: MIGRATIONS_DIR });
    await template.close();
  } catch (error) {
    await admin.close();
    await stopServer();
    throw error;
  }
  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);

  return async () => {
    await admin.query(dropDatabase(templateDatabase)).catch(() => {});
    await admin.close();
    await stopServer();
  };
}
