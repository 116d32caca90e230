import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dashboard } from '../../infra/constructs/dashboard.js';
import { buildDashboard } from '../../infra/dashboard-build.js';
import { readSettings } from '../../infra/settings.js';
import { sampleEvent } from '../support/events.js';
import { bundledAssets, createRuntimeSandbox, invokeAsset } from './asset-sandbox.js';

/**
 * The dashboard function's real asset — bundled by the stack's own construct, with the page built into it while
 * bundling — run in a runtime-like sandbox and asked for the page, its files and its config.
 */
let sandbox: string;
let asset: { file: string; env: Record<string, string> };
const CONFIG = {
  mode: 'cognito',
  authority: 'https://bgjobs-0123abcd-123456789012.auth.eu-central-1.amazoncognito.com',
  clientId: 'dashboardclient123',
  redirectUri: 'https://abc123.execute-api.eu-central-1.amazonaws.com/',
  apiUrl: 'https://abc123.execute-api.eu-central-1.amazonaws.com',
};

beforeAll(async () => {
  sandbox = await mkdtemp(path.join(tmpdir(), 'bgjobs-dashboard-'));
  await createRuntimeSandbox(sandbox);
  const outdir = path.join(sandbox, 'cdk.out');
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'DashboardOnly', { env: { account: '123456789012', region: 'eu-central-1' } });
  const httpApi = new apigw.HttpApi(stack, 'HttpApi');
  new Dashboard(stack, 'Dashboard', {
    httpApi,
    url: `${httpApi.apiEndpoint}/`,
    config: { mode: 'local', apiUrl: httpApi.apiEndpoint },
    settings: readSettings(app),
  });
  app.synth();
  const [found] = bundledAssets(Template.fromStack(stack), outdir).values();
  if (!found) throw new Error('no dashboard asset');
  asset = found;
}, 120_000);
afterAll(() => rm(sandbox, { recursive: true, force: true }));

interface Result {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

async function get(...paths: string[]): Promise<Result[]> {
  const events = paths.map((rawPath) =>
    sampleEvent({ routeKey: rawPath === '/' ? 'GET /' : 'GET /dashboard/{proxy+}', rawPath }),
  );
  const outcome = await invokeAsset(asset.file, events, {
    ...asset.env,
    DASHBOARD_CONFIG: JSON.stringify(CONFIG),
    AWS_REGION: 'eu-central-1',
  });
  expect(outcome.imported).toBe(true);
  return outcome.outcomes.map((o) => o.result as Result);
}

describe('the dashboard asset', () => {
  it('serves the page at / and every file the page loads, each with its type and a strict CSP', async () => {
    const [page] = await get('/');
    expect(page?.statusCode).toBe(200);
    expect(page?.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page?.headers['cache-control']).toBe('no-cache');
    expect(page?.headers['content-security-policy']).toBe(
      `default-src 'self'; connect-src 'self' ${CONFIG.apiUrl} ${CONFIG.authority}; img-src 'self' data:; style-src 'self'; base-uri 'none'; frame-ancestors 'none'`,
    );
    // Whatever the page references under /dashboard/ is in the asset (after the dashboard lands: app.js, app.css).
    const referenced = [...(page?.body ?? '').matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map(
      (m) => m[1] ?? '',
    );
    const files = await get('/dashboard/index.html', ...referenced);
    expect(files.map((f) => f.statusCode)).toEqual(files.map(() => 200));
    expect(files[0]?.body).toBe(page?.body);
  });

  it('config.json is the configuration the stack gave the function', async () => {
    const [config] = await get('/dashboard/config.json');
    expect(config?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(config?.body ?? '')).toEqual(CONFIG);
  });

  it('a path the build did not write is a problem+json 404, never a file read off the disk', async () => {
    const results = await get('/dashboard/nope.js', '/dashboard/../index.mjs', '/dashboard/%2e%2e/index.mjs');
    for (const result of results) {
      expect(result.statusCode).toBe(404);
      expect(result.headers['content-type']).toBe('application/problem+json');
    }
  });
});

describe('buildDashboard', () => {
  it('bundles the entry with its CSS into app.js and app.css beside index.html', async () => {
    const source = path.join(sandbox, 'source');
    await mkdir(path.join(source, 'src'), { recursive: true });
    await writeFile(path.join(source, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(path.join(source, 'src', 'styles.css'), 'main { color: rebeccapurple; }');
    await writeFile(
      path.join(source, 'src', 'main.tsx'),
      "import './styles.css';\nconst answer: number = 42;\ndocument.title = 'answer ' + String(answer);\n",
    );
    const out = path.join(sandbox, 'built');
    expect(buildDashboard(out, source)).toEqual(['app.css', 'app.js', 'index.html']);
    expect(await readFile(path.join(out, 'app.js'), 'utf8')).toContain('answer');
    expect(await readFile(path.join(out, 'app.css'), 'utf8')).toContain('#639');
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toBe('<!doctype html><title>t</title>');
  });

  it('without the dashboard sources it refuses, rather than deploy a page that is not there', () => {
    expect(() => buildDashboard(path.join(sandbox, 'none'), path.join(sandbox, 'no-such-dir'))).toThrow(
      /no dashboard sources/,
    );
  });
});
