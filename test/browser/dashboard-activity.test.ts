import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes.js';
import { startApi, type TestApi, type TestUser } from '../support/api.js';
import { chromiumMissing, launchChromium, screenshot } from '../support/browser.js';
import { eventually } from '../support/tasks.js';

/** "Activity": GET /stats drawn as a chart with the counts by status, for this user only, live. */
// GET /stats comes from another branch (issue 12's API half); until it is merged this file says so and skips.
const statsMissing = ROUTES.some((route) => route.path === '/stats')
  ? undefined
  : 'SKIPPED: this branch has no GET /stats route yet';
const skipReason = chromiumMissing ?? statsMissing;
if (skipReason) console.warn(`dashboard activity browser tests: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('dashboard Activity in Chromium', { timeout: 90_000 }, () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let user: TestUser;

  /** Runs a job of the user's to its end through the API and returns the task's final status. */
  async function runToEnd(owner: TestUser, body: Record<string, unknown>, cancel = false): Promise<string> {
    const job = await owner.call<{ id: string }>('POST', '/jobs', { body });
    const task = await owner.call<{ id: string }>('POST', `/jobs/${job.body.id}/run`);
    const status = async () =>
      (await owner.call<{ status: string }>('GET', `/tasks/${task.body.id}`)).body.status;
    if (cancel) {
      await eventually(async () => (await status()) === 'processing', 20_000);
      await owner.call('POST', `/tasks/${task.body.id}/cancel`);
    }
    await eventually(async () => ['completed', 'failed', 'cancelled'].includes(await status()), 20_000);
    return status();
  }

  const count = (status: string) => page.locator(`.counts dt:text-is("${status}") + dd`);

  beforeAll(async () => {
    api = await startApi('pg', { WORKER_CONCURRENCY: 2, POLL_MS: 100, SCHEDULER_INTERVAL_MS: 200 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    user = await api.user();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
  });

  it('charts the tasks that ended per minute and counts them by status, updating without a reload', async () => {
    await page.goto(`${api.url}/#token=${user.token}`);
    const chart = page.getByRole('img', { name: /^Tasks finished per minute over the last hour:/ });
    await expect.poll(() => chart.getAttribute('aria-label')).toContain('0 completed, 0 failed, 0 cancelled');

    expect(await runToEnd(user, { job_type: 'echo', payload: { prompt: 'one' } })).toBe('completed');
    expect(await runToEnd(user, { job_type: 'echo', payload: { prompt: 'two' } })).toBe('completed');
    const failing = { job_type: 'sleep', payload: { prompt: 'bad', seconds: -1 }, max_retries: 0 };
    expect(await runToEnd(user, failing)).toBe('failed');
    const long = { job_type: 'sleep', payload: { prompt: 'long', seconds: 120 } };
    expect(await runToEnd(user, long, true)).toBe('cancelled');
    // Another user's work never shows in this user's activity.
    const stranger = await api.user();
    expect(await runToEnd(stranger, { job_type: 'echo', payload: { prompt: 'theirs' } })).toBe('completed');
    await stranger.call('POST', '/jobs', { body: { job_type: 'echo', payload: { prompt: 'open' } } });

    await expect
      .poll(() => chart.getAttribute('aria-label'), { timeout: 10_000 })
      .toContain('2 completed, 1 failed, 1 cancelled');
    expect(await count('completed').textContent()).toBe('2');
    expect(await count('failed').textContent()).toBe('1');
    expect(await count('cancelled').textContent()).toBe('1');
    expect(await count('created').textContent()).toBe('0');
    expect(await chart.locator('rect.bar-completed').count()).toBeGreaterThan(0);
    expect(await chart.locator('rect.bar-failed').count()).toBe(1);
    expect(await chart.locator('rect.bar-cancelled').count()).toBe(1);

    await page.getByLabel('Window').selectOption('24h');
    const day = page.getByRole('img', { name: /^Tasks finished per 15 minutes over the last 24 hours:/ });
    await expect.poll(() => day.getAttribute('aria-label')).toContain('2 completed, 1 failed, 1 cancelled');
    await page.getByLabel('Window').selectOption('1h');
    await screenshot(page, 'dashboard-activity');
  });
});

if (skipReason) it.skip(`dashboard activity in Chromium: ${skipReason}`, () => {});
