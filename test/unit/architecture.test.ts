import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../local/paths.js';

/** The walls between layers (docs/architecture.md), checked on every run so they stay walls. */
function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT_DIR, dir)).flatMap((name) => {
    const relative = path.join(dir, name);
    return statSync(path.join(ROOT_DIR, relative)).isDirectory()
      ? sources(relative)
      : relative.endsWith('.ts')
        ? [relative]
        : [];
  });
}
const read = (file: string) => readFileSync(path.join(ROOT_DIR, file), 'utf8');
const imports = (file: string) => [...read(file).matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');

describe('architecture', () => {
  const lambdas = sources('lambdas');

  it('lambdas/ never imports local/, test/ or infra/', () => {
    const offenders = lambdas.filter((file) =>
      imports(file).some((spec) => /^(\.\.\/)+(local|test|infra)\//.test(spec)),
    );
    expect(offenders).toEqual([]);
  });

  it('only lambdas/db/ imports pg or the RDS Data API client', () => {
    const offenders = lambdas.filter(
      (file) =>
        !file.startsWith('lambdas/db/') &&
        imports(file).some((spec) => spec === 'pg' || spec === '@aws-sdk/client-rds-data'),
    );
    expect(offenders).toEqual([]);
  });

  it('no SQL text in lambdas/ outside lambdas/sql/ (the DB adapters only speak transaction control)', () => {
    const statement =
      /\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|ALTER\s+TABLE)/;
    const offenders = lambdas.filter(
      (file) => !file.startsWith('lambdas/sql/') && statement.test(read(file)),
    );
    expect(offenders).toEqual([]);
  });

  it('handlers stay small and never touch a SQL builder or a DB adapter directly', () => {
    for (const file of sources('lambdas/handlers')) {
      expect(read(file).split('\n').length, file).toBeLessThanOrEqual(45);
      expect(
        imports(file).filter((spec) => /\/db\/(pg-adapter|data-api)|\/sql\//.test(spec)),
        file,
      ).toEqual([]);
    }
  });

  it('infra/ reaches lambdas/ only through the route table, the metric-name list and entry paths', () => {
    // The metric names are plain data shared so that alarms watch exactly what the code emits; the limits' defaults
    // and bounds so that a context value the stack accepts is one the functions accept.
    const allowed = ['lambdas/http/routes.js', 'lambdas/metrics-names.js', 'lambdas/limits.js'];
    const offenders = sources('infra').filter((file) =>
      imports(file).some((spec) => spec.includes('lambdas/') && !allowed.some((ok) => spec.endsWith(ok))),
    );
    expect(offenders).toEqual([]);
  });

  it('the metric-name list and the limits stay plain data: they import nothing', () => {
    expect(imports('lambdas/metrics-names.ts')).toEqual([]);
    expect(imports('lambdas/limits.ts')).toEqual([]);
  });
});
