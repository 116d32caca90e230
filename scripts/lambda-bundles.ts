import path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUNDLE } from '../infra/bundling.js';
import { ROOT_DIR } from '../local/paths.js';

/** A Lambda entry bundled exactly as the stack bundles it (infra/bundling.ts), in memory. */
export interface Bundle {
  handler: string;
  bytes: number;
  code: Uint8Array;
  /** Bytes of output by source: an npm package name, or `lambdas/…` for our own files. */
  bySource: Map<string, number>;
}

export async function bundleHandler(handler: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [path.join(ROOT_DIR, 'lambdas', 'handlers', `${handler}.ts`)],
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT_DIR,
    outfile: path.join(ROOT_DIR, 'cdk.out', 'bundle-budget', `${handler}.mjs`),
    format: LAMBDA_BUNDLE.format,
    platform: LAMBDA_BUNDLE.platform,
    target: LAMBDA_BUNDLE.target,
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: LAMBDA_BUNDLE.sourcemap,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    external: [...LAMBDA_BUNDLE.external],
    banner: { js: LAMBDA_BUNDLE.banner },
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild wrote nothing for ${handler}`);
  const bySource = new Map<string, number>();
  for (const meta of Object.values(result.metafile.outputs))
    for (const [input, { bytesInOutput }] of Object.entries(meta.inputs)) {
      const source = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input;
      bySource.set(source, (bySource.get(source) ?? 0) + bytesInOutput);
    }
  return { handler, bytes: output.contents.byteLength, code: output.contents, bySource };
}

/** The largest contributors, for a failure message: `zod 38.1 KB, lambdas/… 2.0 KB, …`. */
export function largestSources(bundle: Bundle, count = 8): string {
  return [...bundle.bySource]
    .sort(([, a], [, b]) => b - a)
    .slice(0, count)
    .map(([source, bytes]) => `${source} ${(bytes / 1024).toFixed(1)} KB`)
    .join(', ');
}
