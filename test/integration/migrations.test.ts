import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, migrationStatus } from '../../lambdas/migrator/migrator.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { connect, DRIVERS, type DriverConnection } from '../support/drivers.js';
import { publicFunctions, publicTables, triggerNames } from '../support/introspection.js';

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

  it('up builds the schema, down removes everything up created, up again rebuilds it', async () => {
    expect(await up()).toEqual(['001_create_jobs_and_tasks_tables']);
    expect(await publicTables(test.db)).toEqual(['jobs', 'pgmigrations', 'tasks']);
    expect(await triggerNames(test.db, 'jobs')).toEqual(['update_jobs_updated_at']);

    expect(await migrate(connection.db, { direction: 'down', migrationsDir: MIGRATIONS_DIR })).toEqual([
      '001_create_jobs_and_tasks_tables',
    ]);
    expect(await publicTables(test.db)).toEqual(['pgmigrations']);
    expect(await publicFunctions(test.db)).toEqual([]);
    expect((await migrationStatus(connection.db, MIGRATIONS_DIR)).applied).toEqual([]);

    expect(await up()).toEqual(['001_create_jobs_and_tasks_tables']);
    expect(await publicTables(test.db)).toEqual(['jobs', 'pgmigrations', 'tasks']);
  });

  it('running up twice is a no-op', async () => {
    await up();
    const before = await migrationStatus(connection.db, MIGRATIONS_DIR);
    expect(await up()).toEqual([]);
    expect(await migrationStatus(connection.db, MIGRATIONS_DIR)).toEqual(before);
    expect(before.pending).toEqual([]);
  });

  it('status lists pending migrations before up and applied ones after', async () => {
    expect(await migrationStatus(connection.db, MIGRATIONS_DIR)).toEqual({
      applied: [],
      pending: ['001_create_jobs_and_tasks_tables'],
    });
    await up();
    const status = await migrationStatus(connection.db, MIGRATIONS_DIR);
    expect(status.applied.map((m) => m.name)).toEqual(['001_create_jobs_and_tasks_tables']);
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
    expect(results.flat()).toEqual(['001_create_jobs_and_tasks_tables']);
    expect((await migrationStatus(connection.db, MIGRATIONS_DIR)).applied).toHaveLength(1);
  });
});
