import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES, UNMATCHED_ROUTE } from '../../lambdas/http/routes.js';
import { DELIVERY } from '../../lambdas/shapes/delivery.js';
import { JOB } from '../../lambdas/shapes/job.js';
import { TASK } from '../../lambdas/shapes/task.js';
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
/**
 * Every module a file names literally: `from '…'` (imports and re-exports), a bare `import '…'` (side effects
 * only, still bundled) and `import('…')`, as esbuild follows them.
 */
const importSpecifiers = (text: string) =>
  [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)'([^']+)'/g)].map((m) => m[1] ?? '');
const imports = (file: string) => importSpecifiers(read(file));

/** The modules a file loads when it runs: type-only imports (`import type …`), which esbuild erases, left out. */
const valueImports = (file: string) => {
  const typeOnly = new Set([...read(file).matchAll(/^import type [^;]+ from '([^']+)'/gm)].map((m) => m[1]));
  return imports(file).filter((spec) => !typeOnly.has(spec));
};

/**
 * Every lambdas/ file `entry` loads, following relative imports; with `typesToo`, type-only imports as well
 * (stricter: not even a type may come from there).
 */
function closure(entry: string, typesToo = true): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of (typesToo ? imports(file) : valueImports(file)).filter((s) => s.startsWith('.'))) {
      visit(path.join(path.dirname(file), spec).replace(/\.js$/, '.ts'));
    }
  };
  visit(entry);
  return seen;
}

describe('architecture', () => {
  const lambdas = sources('lambdas');

  it('dashboard/ imports only its own files and preact: it reaches the service over HTTP alone', () => {
    const files = readdirSync(path.join(ROOT_DIR, 'dashboard', 'src')).map((name) => `dashboard/src/${name}`);
    expect(files.filter((file) => file.endsWith('.tsx')).length).toBeGreaterThan(0);
    const specifiers = files
      .filter((file) => /\.tsx?$/.test(file))
      .flatMap((file) => [...read(file).matchAll(/(?:from|import) '([^']+)'/g)].map((m) => m[1] ?? ''));
    expect(specifiers.filter((spec) => !/^(\.\/[\w-]+\.(js|css)|preact(\/hooks)?)$/.test(spec))).toEqual([]);
  });

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
      /\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+(\s+\w+)?\s+SET|DELETE\s+FROM|CREATE\s+TABLE|ALTER\s+TABLE|WITH\s+\w+\s+AS\s*\()/;
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

  it('job-type implementations reach only workers: no API entry, HTTP or domain file loads them', () => {
    const apiEntries = [...new Set([...ROUTES, UNMATCHED_ROUTE].map((route) => route.handler))].map(
      (handler) => `lambdas/handlers/${handler}.ts`,
    );
    const apiFiles = new Set(
      [...apiEntries, ...lambdas.filter((file) => /^lambdas\/(http|domain)\//.test(file))].flatMap((file) => [
        ...closure(file),
      ]),
    );
    const loadsImplementations = [...apiFiles].filter(
      (file) => file.startsWith('lambdas/job-types/') && file !== 'lambdas/job-types/names.ts',
    );
    expect(loadsImplementations).toEqual([]);
    expect(apiFiles).toContain('lambdas/job-types/names.ts');
    // The check sees what it guards: the worker entry does load the implementations through the same walk.
    expect(closure('lambdas/handlers/worker.ts')).toContain('lambdas/job-types/implementations.ts');
  });

  it('pg reaches no API entry: lambdas/db/index.ts loads its adapter by a computed specifier, on the local path', () => {
    const loaded = new Set(
      [...ROUTES, UNMATCHED_ROUTE].flatMap((route) => [
        ...closure(`lambdas/handlers/${route.handler}.ts`, false),
      ]),
    );
    expect(loaded).toContain('lambdas/db/index.ts');
    expect([...loaded].filter((file) => file === 'lambdas/db/pg-adapter.ts')).toEqual([]);
    expect([...loaded].filter((file) => valueImports(file).includes('pg'))).toEqual([]);
    // The same walk does reach pg from the local stack, which imports the adapter directly.
    expect(closure('local/stack.ts', false)).toContain('lambdas/db/pg-adapter.ts');
  });

  it('infra/ reaches lambdas/ only through the route table, the metric and environment names, the limits, and entry paths', () => {
    // Plain data shared so that alarms watch what the code emits and functions get the variables it reads, and
    // so that a per-user limit the stack accepts is one the functions accept.
    const allowed = [
      'lambdas/http/routes.js',
      'lambdas/metrics-names.js',
      'lambdas/environment-names.js',
      'lambdas/limits.js',
    ];
    const offenders = sources('infra').filter((file) =>
      imports(file).some((spec) => spec.includes('lambdas/') && !allowed.some((ok) => spec.endsWith(ok))),
    );
    expect(offenders).toEqual([]);
  });

  it('infra/ sets a variable only through the LambdaEnvironment type: no untyped addEnvironment', () => {
    const offenders = sources('infra').filter(
      (file) => file !== 'infra/constructs/lambda-function.ts' && /\.addEnvironment\(/.test(read(file)),
    );
    expect(offenders).toEqual([]);
  });

  it('what infra/ imports from lambdas/ stays plain data: it imports nothing', () => {
    for (const file of [
      'lambdas/metrics-names.ts',
      'lambdas/environment-names.ts',
      'lambdas/http/routes.ts',
      'lambdas/limits.ts',
    ])
      expect(imports(file), file).toEqual([]);
  });

  it('zod is loaded only through lambdas/shapes/zod.ts (zod/mini, English messages), as a namespace', () => {
    const offenders = lambdas.filter(
      (file) =>
        file !== 'lambdas/shapes/zod.ts' &&
        (imports(file).some((spec) => spec === 'zod' || spec.startsWith('zod/')) ||
          /import (type )?\{[^}]*\bz\b[^}]*\} from '[^']*shapes\/zod\.js'/.test(read(file))),
    );
    expect(offenders).toEqual([]);
  });

  it('jobs, tasks and deliveries are defined once: no view types, view functions or column lists outside their definition', () => {
    const definitions = ['lambdas/shapes/job.ts', 'lambdas/shapes/task.ts', 'lambdas/shapes/delivery.ts'];
    const declaresView =
      /^(export )?(interface (JobView|TaskView|DeliveryView)\b|type (JobView|TaskView|DeliveryView) =)/m;
    const offenders = lambdas.filter((file) => {
      if (definitions.includes(file)) return false;
      const text = read(file);
      if (declaresView.test(text) || /function to(Job|Task|Delivery)View/.test(text)) return true;
      // A hand-written column list: a line naming most of a representation's fields (the worker's claim names half
      // of a task's, for its own row: that is another shape).
      return text
        .split('\n')
        .some((line) =>
          [JOB.names, TASK.names, DELIVERY.names].some(
            (names) =>
              names.filter((name) => new RegExp(`\\b${name}\\b`).test(line)).length > (names.length * 2) / 3,
          ),
        );
    });
    expect(offenders).toEqual([]);
  });

  it('the import scan sees every form of import, bare side-effect imports included', () => {
    const text = [
      "import { a } from './named.js';",
      "import type { B } from './types.js';",
      "import './side-effect.js';",
      "export * from './re-export.js';",
      "const lazy = await import('./lazy.js');",
      "import {\n  c,\n} from './multi-line.js';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual([
      './named.js',
      './types.js',
      './side-effect.js',
      './re-export.js',
      './lazy.js',
      './multi-line.js',
    ]);
  });

  it('a statement’s row type is declared by its builder, never asserted by its reader', () => {
    // `db.query<R>(…)` and `rows as …` would let a reader claim a row the SQL does not return.
    const offenders = lambdas.filter(
      (file) => !file.startsWith('lambdas/db/') && /\.query<|\.rows as\b|\.rows\[0\] as\b/.test(read(file)),
    );
    expect(offenders).toEqual([]);
  });

  it('the domain reads a guarded statement only through settle(), never by testing a row id for null', () => {
    const offenders = sources('lambdas/domain').filter((file) =>
      /\.id === null|\.id !== null/.test(read(file)),
    );
    expect(offenders).toEqual([]);
  });
});
