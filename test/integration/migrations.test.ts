import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate, migrationNames, migrationStatus } from '../../lambdas/migrator/migrator.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { connect, DRIVERS, type DriverConnection } from '../support/drivers.js';
import {
  columns,
  indexNames,
  publicFunctions,
  publicTables,
  triggerNames,
} from '../support/introspection.js';

let ALL: string[];
beforeAll(async () => {
  ALL = await migrationNames(MIGRATIONS_DIR);
});

describe.each(DRIVERS)('migrations through the %s adapter', (driver) => {
  let test: TestDatabase;
  let connection: DriverConnection;
  beforeEach(async () => {
    test = await freshDatabase({ empty: true });
    connection = await connect(driver, test);
  });
  afterEach(async () => {
    await connection.close();
    await test.drop();
  });

  const up = () => migrate(connection.db, { direction: 'up', migrationsDir: MIGRATIONS_DIR });
  const down = (count: number) =>
    migrate(connection.db, { direction: 'down', count, migrationsDir: MIGRATIONS_DIR });

  it('up builds the schema, down removes everything up created, up again rebuilds it', async () => {
    expect(ALL[0]).toBe('001_create_jobs_and_tasks_tables');
    expect(await up()).toEqual(ALL);
    expect(await publicTables(test.db)).toEqual([
      'jobs',
      'pgmigrations',
      'tasks',
      'user_queue_bounds',
      'webhook_deliveries',
    ]);
    expect(await triggerNames(test.db, 'jobs')).toEqual(['update_jobs_updated_at']);

    expect(await down(ALL.length)).toEqual([...ALL].reverse());
    expect(await publicTables(test.db)).toEqual(['pgmigrations']);
    expect(await publicFunctions(test.db)).toEqual([]);
    expect((await migrationStatus(connection.db, MIGRATIONS_DIR)).applied).toEqual([]);

    expect(await up()).toEqual(ALL);
    expect(await publicTables(test.db)).toEqual([
      'jobs',
      'pgmigrations',
      'tasks',
      'user_queue_bounds',
      'webhook_deliveries',
    ]);
  });

  it('down 1 reverts only the latest migration', async () => {
    await up();
    const latest = ALL.at(-1);
    expect(await down(1)).toEqual([latest]);
    const status = await migrationStatus(connection.db, MIGRATIONS_DIR);
    expect(status.pending).toEqual([latest]);
    expect(await indexNames(test.db, 'jobs')).toContain('idx_jobs_user_status');
  });

  it('down to the seed leaves exactly the seed: later columns and indexes are gone', async () => {
    await up();
    await down(ALL.length - 1);
    const jobColumns = (await columns(test.db, 'jobs')).map((c) => c.column_name);
    expect(jobColumns).toEqual([
      'id',
      'user_id',
      'status',
      'payload',
      'job_type',
      'schedule_interval',
      'max_retries',
      'priority',
      'is_deleted',
      'created_at',
      'updated_at',
      'version',
    ]);
    expect(await indexNames(test.db, 'jobs')).not.toContain('idx_jobs_user_created_id');
  });

  it('running up twice is a no-op', async () => {
    await up();
    const before = await migrationStatus(connection.db, MIGRATIONS_DIR);
    expect(await up()).toEqual([]);
    expect(await migrationStatus(connection.db, MIGRATIONS_DIR)).toEqual(before);
    expect(before.pending).toEqual([]);
  });

  it('status lists pending migrations before up and applied ones after', async () => {
    expect(await migrationStatus(connection.db, MIGRATIONS_DIR)).toEqual({ applied: [], pending: ALL });
    await up();
    const status = await migrationStatus(connection.db, MIGRATIONS_DIR);
    expect(status.applied.map((m) => m.name)).toEqual(ALL);
    expect(status.applied[0]?.runOn).toBeInstanceOf(Date);
  });

  it('a failing migration leaves nothing half-applied: the whole run rolls back', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bgjobs-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await writeFile(
        path.join(dir, '999_broken.sql'),
        '-- Up Migration\nCREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n-- Down Migration\nDROP TABLE half_done;\n',
      );
      await expect(migrate(connection.db, { direction: 'up', migrationsDir: dir })).rejects.toThrow(
        /no_such_table/,
      );
      expect(await publicTables(test.db)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('concurrent runs apply each migration once (transaction-scoped advisory lock)', async () => {
    const results = await Promise.all([up(), up(), up(), up()]);
    expect(results.flat()).toEqual(ALL);
    expect((await migrationStatus(connection.db, MIGRATIONS_DIR)).applied).toHaveLength(ALL.length);
  });
});
