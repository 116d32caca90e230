import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../infra/constructs/lambda-function.js';
import { resyncHash, schemaHash } from '../../infra/schema-hash.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bgjobs-hash-'));
  await cp(path.join(ROOT_DIR, 'migrations'), path.join(root, 'migrations'), { recursive: true });
  await cp(path.join(ROOT_DIR, 'lambdas'), path.join(root, 'lambdas'), { recursive: true });
  await cp(path.join(ROOT_DIR, 'package-lock.json'), path.join(root, 'package-lock.json'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('schema custom resource hash', () => {
  it('changes when a migration changes or is added', async () => {
    const before = schemaHash(root);
    await writeFile(
      path.join(root, 'migrations', '999_next.sql'),
      '-- Up Migration\nSELECT 1;\n-- Down Migration\n',
    );
    expect(schemaHash(root)).not.toBe(before);
  });

  it('changes when the migrator code changes', async () => {
    const before = schemaHash(root);
    await writeFile(path.join(root, 'lambdas', 'migrator', 'migrator.ts'), '// changed\n', { flag: 'a' });
    expect(schemaHash(root)).not.toBe(before);
  });

  it('does not change for anything else (an API handler, the domain)', async () => {
    const before = schemaHash(root);
    await writeFile(path.join(root, 'lambdas', 'handlers', 'get-job.ts'), '// changed\n', { flag: 'a' });
    await writeFile(path.join(root, 'lambdas', 'domain', 'jobs.ts'), '// changed\n', { flag: 'a' });
    expect(schemaHash(root)).toBe(before);
  });
});

describe('resync custom resource hash', () => {
  it('is stable while nothing changes, and changes with any Lambda code, a migration, or the resync token', async () => {
    const before = resyncHash(root);
    expect(resyncHash(root)).toBe(before);
    expect(resyncHash(root, 'again')).not.toBe(before);
    await writeFile(path.join(root, 'lambdas', 'handlers', 'worker.ts'), '// changed\n', { flag: 'a' });
    const afterWorker = resyncHash(root);
    expect(afterWorker).not.toBe(before);
    await writeFile(
      path.join(root, 'migrations', '999_next.sql'),
      '-- Up Migration\nSELECT 1;\n-- Down Migration\n',
    );
    expect(resyncHash(root)).not.toBe(afterWorker);
  });
});
