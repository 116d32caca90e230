import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type WorkerSettings, workerSettings } from '../../lambdas/worker/settings.js';
import { type LocalAuth, localAuth } from '../../local/auth.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { assertContract } from './contract.js';
import { freshDatabase, type TestDatabase } from './database.js';
import type { Driver } from './drivers.js';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestApi {
  url: string;
  stack: LocalStack;
  database: TestDatabase;
  auth: LocalAuth;
  /** The stack's local data folder (its token signing key lives there). */
  dataDir: string;
  /** A new user with a valid token. */
  user(): Promise<TestUser>;
  stop(): Promise<void>;
}

export interface TestUser {
  id: string;
  token: string;
  call<T = Record<string, unknown>>(method: string, path: string, init?: CallInit): Promise<ApiResponse<T>>;
}

export interface CallInit {
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Real HTTP against the real local stack (this file's own database; `pg` or the Data API path underneath). Every
 * response is held to docs/openapi.json (test/support/contract.ts): one the document does not describe fails the test.
 */
export async function startApi(driver: Driver = 'pg', workers?: Partial<WorkerSettings>): Promise<TestApi> {
  const database = await freshDatabase({ empty: true });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bgjobs-api-'));
  const stack = await startLocalStack({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: database.url,
    dbDriver: driver,
    dataDir,
    embedded: { dataDir: path.join(dataDir, 'unused'), port: 1, persistent: false },
    log: () => {},
    workers: workers ? { ...workerSettings({}), ...workers } : undefined,
  });
  const auth = await localAuth(dataDir);
  const call =
    (token: string | undefined) =>
    async <T>(method: string, route: string, init: CallInit = {}) => {
      const headers: Record<string, string> = { ...init.headers };
      if (token) headers.authorization = `Bearer ${token}`;
      if (init.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const response = await fetch(`${stack.url}${route}`, {
        method,
        headers,
        body:
          init.body === undefined
            ? undefined
            : typeof init.body === 'string'
              ? init.body
              : JSON.stringify(init.body),
      });
      const text = await response.text();
      const result = {
        status: response.status,
        headers: response.headers,
        body: (text ? JSON.parse(text) : undefined) as T,
      };
      // Every response a suite receives must be one docs/openapi.json describes.
      const requestPath = new URL(route, stack.url).pathname;
      await assertContract({ method, path: requestPath, ...result });
      return result;
    };
  return {
    url: stack.url,
    stack,
    database,
    auth,
    dataDir,
    async user() {
      const id = randomUUID();
      const token = await auth.mint(id);
      return { id, token, call: call(token) };
    },
    async stop() {
      await stack.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const echoJob = (overrides: Record<string, unknown> = {}) => ({
  job_type: 'echo',
  payload: { prompt: 'Summarise the report', resource_type: 'document', resource_id: 'doc-1' },
  ...overrides,
});
