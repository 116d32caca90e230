import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the schema custom resource depends on: the migrations and the code that applies them — nothing else. */
export const SCHEMA_INPUTS = [
  'migrations',
  'lambdas/migrator',
  'lambdas/db',
  'lambdas/sql/migrations.ts',
  'lambdas/handlers/migrate.ts',
];

function files(root: string, relative: string): string[] {
  const full = path.join(root, relative);
  if (statSync(full).isFile()) return [relative];
  return readdirSync(full)
    .sort()
    .flatMap((name) => files(root, path.join(relative, name)));
}

/**
 * What the resync custom resource depends on: all Lambda code (the messages it sends are read by the worker, and
 * the rows it reads are written by the API), the migrations, and the locked dependencies.
 */
export const RESYNC_INPUTS = ['lambdas', 'migrations', 'package-lock.json'];

/**
 * A hash of the schema inputs. It is the custom resource's only changing property: a deploy that changes a
 * migration or the migrator re-runs it, any other deploy does not, and templates stay deterministic.
 */
export function schemaHash(root: string): string {
  return inputsHash(root, SCHEMA_INPUTS);
}

/** A hash of the resync inputs; `extra` (the `resync` context value) forces a re-run without a code change. */
export function resyncHash(root: string, extra = ''): string {
  return createHash('sha256')
    .update(inputsHash(root, RESYNC_INPUTS))
    .update('\0')
    .update(extra)
    .digest('hex');
}

/** sha256 over the named files and folders (recursively, sorted), path and content of each. */
export function inputsHash(root: string, inputs: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap((input) => files(root, input))) {
    hash
      .update(file.split(path.sep).join('/'))
      .update('\0')
      .update(readFileSync(path.join(root, file)))
      .update('\0');
  }
  return hash.digest('hex');
}
