import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type LocalDataApi, startLocalDataApi } from '../../local/data-api/server.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { type AssetOutcome, bundledAssets, createRuntimeSandbox, invokeAsset } from './asset-sandbox.js';
import { synthStack } from './synth.js';

/**
 * A suite's bundled stack: synthesizes it with bundling into a runtime-like sandbox (once, in beforeAll), keeps a
 * database behind the local Data API for the assets to use, and invokes an asset by its id's prefix with the
 * environment the template gives it plus the local endpoints. Everything is removed after the suite.
 */
export function useBundledAssets() {
  let sandbox = '';
  let db: TestDatabase | undefined;
  let api: LocalDataApi | undefined;
  const assets = new Map<string, { file: string; env: Record<string, string> }>();

  beforeAll(async () => {
    sandbox = await mkdtemp(path.join(tmpdir(), 'bgjobs-assets-'));
    await createRuntimeSandbox(sandbox);
    const outdir = path.join(sandbox, 'cdk.out');
    const { template } = synthStack({
      bundle: true,
      outdir,
      context: { 'aws:cdk:enable-asset-metadata': true },
    });
    for (const [id, asset] of bundledAssets(template, outdir)) assets.set(id, asset);
    db = await freshDatabase({ empty: true });
    api = await startLocalDataApi({ databaseUrl: db.url });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await db?.drop();
    await rm(sandbox, { recursive: true, force: true });
  });

  const started = () => {
    if (!db || !api) throw new Error('the bundled stack is set up in beforeAll');
    return { db, api };
  };
  const localEnv = () => ({
    DATA_API_ENDPOINT: started().api.endpoint,
    DATABASE_NAME: started().db.name,
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: 'error',
  });
  const asset = (prefix: string) => {
    const entry = [...assets.entries()].find(([id]) => id.startsWith(prefix));
    if (!entry) throw new Error(`no asset for ${prefix}; have ${[...assets.keys()].join(', ')}`);
    return entry[1];
  };
  const invoke = (
    prefix: string,
    events: unknown[],
    extraEnv: Record<string, string> = {},
  ): Promise<AssetOutcome> => {
    const { file, env } = asset(prefix);
    return invokeAsset(file, events, { ...env, ...localEnv(), ...extraEnv });
  };
  return {
    assets,
    asset,
    invoke,
    localEnv,
    get sandbox() {
      return sandbox;
    },
    get db() {
      return started().db;
    },
  };
}
