/**
 * How every Lambda is bundled: the esbuild options `serviceFunction` hands the CDK (infra/constructs/lambda-function.ts)
 * and the bundle-budget test builds with (test/infra/bundle-budget.test.ts), one object so the two cannot drift.
 */

/**
 * The Powertools Tracer and the X-Ray SDK under it (about 120 KB minified) load only with `-c tracing=true`
 * (lambdas/tracing.ts imports them dynamically). Inside a function's bundle they would cost every cold start their
 * parse, traced or not; so they are left out of it and shipped beside it as the asset's own
 * `node_modules/@aws-lambda-powertools/tracer`, which the dynamic import finds only when it runs.
 */
export const TRACER_PACKAGE = '@aws-lambda-powertools/tracer';

export const LAMBDA_BUNDLE = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  sourcemap: false,
  mainFields: ['module', 'main'],
  /** The runtime provides the AWS SDK v3; `pg-native` is an optional peer of `pg` that is never installed. */
  external: ['@aws-sdk/*', 'pg-native', TRACER_PACKAGE],
  /** Bundled CommonJS packages call require(); ESM has none. Aliased so it cannot clash with bundled code. */
  banner:
    "import { createRequire as __bgjobsCreateRequire } from 'node:module'; const require = __bgjobsCreateRequire(import.meta.url);",
} as const;

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * Shell commands that write the tracer package into `outputDir/node_modules/` as one ESM file, bundled with the same
 * options (the AWS SDK stays the runtime's). The CDK runs them after bundling each function (its afterBundling
 * hook), so the package is in every asset.
 */
export function tracerPackageCommands(inputDir: string, outputDir: string): string[] {
  const target = `${outputDir}/node_modules/${TRACER_PACKAGE}`;
  const manifest = JSON.stringify({ name: TRACER_PACKAGE, type: 'module', exports: './index.mjs' });
  const args = [
    `${inputDir}/node_modules/${TRACER_PACKAGE}/lib/esm/index.js`,
    '--bundle',
    `--outfile=${target}/index.mjs`,
    '--log-level=error',
    `--format=${LAMBDA_BUNDLE.format}`,
    `--platform=${LAMBDA_BUNDLE.platform}`,
    `--target=${LAMBDA_BUNDLE.target}`,
    ...(LAMBDA_BUNDLE.minify ? ['--minify'] : []),
    `--main-fields=${LAMBDA_BUNDLE.mainFields.join(',')}`,
    ...LAMBDA_BUNDLE.external.filter((name) => name !== TRACER_PACKAGE).map((name) => `--external:${name}`),
    `--banner:js=${LAMBDA_BUNDLE.banner}`,
  ];
  return [
    `mkdir -p ${quote(target)}`,
    [`${inputDir}/node_modules/.bin/esbuild`, ...args].map(quote).join(' '),
    `printf '%s\\n' ${quote(manifest)} > ${quote(`${target}/package.json`)}`,
  ];
}
