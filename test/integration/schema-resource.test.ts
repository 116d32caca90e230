import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CloudFormationCustomResourceCreateEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lambdas/logger.js';
import { onSchemaEvent } from '../../lambdas/migrator/custom-resource.js';
import { migrationNames } from '../../lambdas/migrator/migrator.js';
import { MIGRATIONS_DIR } from '../../local/paths.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';

let test: TestDatabase;
let dir: string;
beforeAll(async () => {
  test = await freshDatabase({ empty: true });
  dir = await mkdtemp(path.join(tmpdir(), 'bgjobs-many-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  for (let n = 100; n < 180; n += 1) {
    await writeFile(
      path.join(dir, `${n}_a_rather_long_migration_name_describing_change_${n}.sql`),
      '-- Up Migration\nSELECT 1;\n-- Down Migration\n',
    );
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await test.drop();
});

const create = {
  RequestType: 'Create',
  ResourceProperties: { ServiceToken: 'x' },
} as unknown as CloudFormationCustomResourceCreateEvent;

describe('the schema custom resource', () => {
  it('a first deploy of many migrations answers within CloudFormation’s 4 KB response limit', async () => {
    const response = await onSchemaEvent(create, {
      db: test.db,
      migrationsDir: dir,
      log: createLogger({}, 'error'),
    });
    const count = (await migrationNames(dir)).length;
    expect(count).toBeGreaterThan(80);
    expect(response.Data?.AppliedCount).toBe(String(count));
    expect(JSON.stringify(response).length).toBeLessThan(4096);
    expect(response.Data?.Applied).toMatch(
      new RegExp(`^${count} migrations, 001_create_jobs_and_tasks_tables … 179_a_rather_long`),
    );
  });
});
