import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_TYPES } from '../../lambdas/job-types/names.js';
import { ROOT_DIR } from '../../local/paths.js';

/**
 * Lists that used to be kept by hand are generated or dropped: the migrations are listed by their folder (each
 * says what it adds), and the OpenAPI document names the job types the code registers.
 */
const read = (file: string) => readFileSync(path.join(ROOT_DIR, file), 'utf8');

describe('no hand-kept list goes stale', () => {
  it('every migration opens by saying what it adds, and docs/architecture.md lists none by hand', () => {
    const files = readdirSync(path.join(ROOT_DIR, 'migrations')).filter((name) => name.endsWith('.sql'));
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      const [marker, firstComment] = read(`migrations/${file}`).split('\n');
      expect(marker, file).toBe('-- Up Migration');
      expect(firstComment, file).toMatch(/^-- \S.{20,}/);
    }
    const schemaSection = read('docs/architecture.md').split('## Schema')[1] ?? '';
    const listed = files.filter((file) => {
      const number = file.slice(0, 3);
      return number !== '001' && new RegExp(`\\(${number}\\)|\\b${number}\\b`).test(schemaSection);
    });
    expect(listed).toEqual([]);
  });

  it('the OpenAPI document names exactly the registered job types', () => {
    const document = read('docs/openapi.json');
    const create = JSON.parse(document).paths['/jobs'].post.requestBody.content['application/json'].schema;
    expect(create.properties.job_type.description).toBe(`A registered handler: ${JOB_TYPES.join(', ')}.`);
    // The dashboard's "Job type" select is this list.
    expect(create.properties.job_type.enum).toEqual(JOB_TYPES);
  });
});
