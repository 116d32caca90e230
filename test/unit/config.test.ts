import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lambdas/config.js';
import { workerSettings } from '../../lambdas/worker/settings.js';

describe('runtime configuration', () => {
  it('fills defaults for the pg driver', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://x@localhost/db' })).toMatchObject({
      DB_DRIVER: 'pg',
      DATABASE_NAME: 'postgres',
      LOG_LEVEL: 'info',
      DATA_API_RETRY_BUDGET_MS: 45_000,
    });
  });

  it('fails fast, naming every missing or bad setting at once', () => {
    expect(() => parseConfig({})).toThrow(
      new ConfigError('Invalid configuration: DATABASE_URL: required when DB_DRIVER=pg'),
    );
    const error = (() => {
      try {
        parseConfig({ DB_DRIVER: 'data-api', LOG_LEVEL: 'loud', DATA_API_ENDPOINT: 'not a url' });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['CLUSTER_ARN', 'SECRET_ARN', 'LOG_LEVEL', 'DATA_API_ENDPOINT'])
      expect(error?.message).toContain(name);
  });

  it('reads the Data API settings', () => {
    expect(
      parseConfig({
        DB_DRIVER: 'data-api',
        CLUSTER_ARN: 'arn:c',
        SECRET_ARN: 'arn:s',
        DATABASE_NAME: 'bg_jobs',
        DATA_API_RETRY_BUDGET_MS: '20000',
      }),
    ).toMatchObject({ DB_DRIVER: 'data-api', DATABASE_NAME: 'bg_jobs', DATA_API_RETRY_BUDGET_MS: 20_000 });
  });

  it('reads USER_MAX_QUEUED: 10,000 by default, 0 for no limit, and refuses anything but a whole number in range', () => {
    const url = 'postgres://x@localhost/db';
    expect(parseConfig({ DATABASE_URL: url }).USER_MAX_QUEUED).toBe(10_000);
    expect(parseConfig({ DATABASE_URL: url, USER_MAX_QUEUED: '0' }).USER_MAX_QUEUED).toBe(0);
    expect(parseConfig({ DATABASE_URL: url, USER_MAX_QUEUED: '25' }).USER_MAX_QUEUED).toBe(25);
    for (const bad of ['-1', '2.5', 'many', '3000000000'])
      expect(() => parseConfig({ DATABASE_URL: url, USER_MAX_QUEUED: bad }), bad).toThrow(/USER_MAX_QUEUED/);
  });

  it('checks worker settings too', () => {
    expect(workerSettings({})).toMatchObject({
      WORKER_CONCURRENCY: 4,
      LEASE_SECONDS: 30,
      HEARTBEAT_MS: 1000,
    });
    expect(() => workerSettings({ WORKER_CONCURRENCY: '-1' })).toThrow(/WORKER_CONCURRENCY/);
  });

  it('USER_MAX_RUNNING: 0 (no cap) by default, a whole number from 0, anything else fails at start', () => {
    expect(workerSettings({}).USER_MAX_RUNNING).toBe(0);
    expect(workerSettings({ USER_MAX_RUNNING: '5' }).USER_MAX_RUNNING).toBe(5);
    for (const bad of ['-1', '2.5', 'many'])
      expect(() => workerSettings({ USER_MAX_RUNNING: bad })).toThrow(/USER_MAX_RUNNING/);
  });
});
