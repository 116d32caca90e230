import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi, type TestUser } from '../support/api.js';
import { chromiumMissing, launchChromium, screenshot } from '../support/browser.js';

/**
 * The dashboard in a real Chromium against the real local stack (embedded PostgreSQL, in-process workers): every
 * assertion is about what a person sees, found by the accessible names the page promises.
 */
const SECONDS = 1000;

if (chromiumMissing) console.warn(`dashboard browser tests: ${chromiumMissing}`);

describe.skipIf(chromiumMissing !== undefined)('dashboard in Chromium', { timeout: 90 * SECONDS }, () => {
  let api: TestApi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let user: TestUser;

  const jobsTable = () => page.getByRole('table', { name: 'Jobs' });
  const tasksTable = () => page.getByRole('table', { name: 'Tasks' });
  const createForm = () => page.getByRole('form', { name: 'Create job' });

  /** Signs in the way the README says: the token in the fragment, which the page takes out of the URL. */
  async function signIn(target: Page, token: string): Promise<void> {
    await target.goto(`${api.url}/#token=${token}`);
    await expect.poll(() => target.getByRole('heading', { name: 'Jobs' }).isVisible()).toBe(true);
  }

  async function createThroughForm(fields: { type: string; payload: string; priority?: string }) {
    const form = createForm();
    await form.getByLabel('Job type').selectOption(fields.type);
    await form.getByLabel('Payload').fill(fields.payload);
    if (fields.priority) await form.getByLabel('Priority').fill(fields.priority);
    await form.getByRole('button', { name: 'Create job' }).click();
  }

  /** Creates through the form and reads the new id from the page's confirmation (a new one, not an earlier). */
  async function createdJobId(fields: { type: string; payload: string; priority?: string }): Promise<string> {
    const notice = page.getByRole('status').filter({ hasText: 'Created job' });
    const before = (await notice.count()) > 0 ? await notice.textContent() : null;
    await createThroughForm(fields);
    await expect
      .poll(async () => ((await notice.count()) > 0 ? notice.textContent() : null))
      .not.toBe(before);
    const id = /Created job ([0-9a-f-]{36})/.exec((await notice.textContent()) ?? '')?.[1];
    if (!id) throw new Error('no job id in the confirmation');
    return id;
  }

  /** Each test starts from the list, whatever view the one before ended on. */
  async function showList(): Promise<void> {
    const back = page.getByRole('button', { name: '← All jobs' });
    if ((await back.count()) > 0) await back.click();
    await jobsTable().waitFor();
  }

  const taskStatuses = async () =>
    (await tasksTable().locator('tbody tr .status').allTextContents()).join(',');

  beforeAll(async () => {
    api = await startApi('pg', { WORKER_CONCURRENCY: 2, POLL_MS: 100, SCHEDULER_INTERVAL_MS: 200 });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
    user = await api.user();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
  });

  it('signs in from #token=<jwt>, takes the token out of the address bar, and keeps it only in the tab', async () => {
    await signIn(page, user.token);
    expect(page.url()).toBe(`${api.url}/`);
    expect(await page.evaluate("sessionStorage.getItem('bgjobs.token')")).toBe(user.token);
    await expect.poll(() => page.getByText(user.id).isVisible()).toBe(true);
    expect(await page.getByRole('heading', { name: 'Activity' }).isVisible()).toBe(true);
  });

  it('a #token=<jwt> opened in a tab already showing the page signs in with that token', async () => {
    const second = await api.user();
    await page.goto(`${api.url}/#token=${second.token}`);
    await expect.poll(() => page.getByText(second.id).isVisible()).toBe(true);
    expect(page.url()).toBe(`${api.url}/`);
    await page.goto(`${api.url}/#token=${user.token}`);
    await expect.poll(() => page.getByText(user.id).isVisible()).toBe(true);
    expect(page.url()).toBe(`${api.url}/`);
  });

  it('signs in with a pasted token', async () => {
    const other = await context.browser()?.newContext();
    if (!other) throw new Error('no second context');
    try {
      const fresh = await other.newPage();
      await fresh.goto(`${api.url}/`);
      await fresh.getByLabel('Token', { exact: true }).fill(user.token);
      await fresh.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => fresh.getByRole('table', { name: 'Jobs' }).isVisible()).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('creates a job through the form and shows it in "Jobs" with its type, status, schedule and priority', async () => {
    await showList();
    const id = await createdJobId({
      type: 'echo',
      payload: '{"prompt": "Summarise the quarterly report", "resource_id": "doc-7"}',
      priority: '70',
    });
    const row = jobsTable().getByRole('row').filter({ hasText: id });
    await expect.poll(() => row.count(), { timeout: 5 * SECONDS }).toBe(1);
    expect(await row.getByRole('cell').allTextContents()).toEqual([
      id,
      'echo',
      'created',
      'manual',
      '70',
      expect.any(String),
      expect.any(String),
    ]);
    const stored = await user.call<{ priority: number; payload: { prompt: string } }>('GET', `/jobs/${id}`);
    expect(stored.body).toMatchObject({
      priority: 70,
      payload: { prompt: 'Summarise the quarterly report' },
    });
  });

  it('"Run now" shows a completed task with its result within 5 s', async () => {
    await showList();
    const prompt = `Say hello, then ${'and again '.repeat(10)}stop`;
    const id = await createdJobId({ type: 'echo', payload: JSON.stringify({ prompt }) });
    await jobsTable().getByRole('button', { name: id }).click();
    await page.getByRole('button', { name: 'Run now' }).click();
    const started = Date.now();
    await expect.poll(taskStatuses, { timeout: 5 * SECONDS, interval: 100 }).toBe('completed');
    const elapsed = Date.now() - started;
    console.log(`dashboard: Run now → completed task on screen in ${elapsed} ms`);
    const row = tasksTable().locator('tbody tr').first();
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('1');
    // A completed job can still be run again, or cancelled (which stops any schedule).
    expect(await page.getByRole('button', { name: 'Cancel job' }).isEnabled()).toBe(true);
    // A long result shows its start; the whole of it opens in place.
    const result = row.locator('.result details');
    expect(await result.locator('summary').textContent()).toMatch(/^\{"prompt":"Say hello, .*…$/);
    expect(await result.locator('pre').isVisible()).toBe(false);
    await result.locator('summary').click();
    expect(await result.locator('pre').textContent()).toContain(`${prompt}"`);
    await screenshot(page, 'dashboard-job');
    await page.getByRole('button', { name: '← All jobs' }).click();
  });

  it("checks the payload before sending and shows the API's field errors next to their fields", async () => {
    await showList();
    const form = createForm();
    await createThroughForm({ type: 'echo', payload: '{"prompt": ' });
    const payload = form.getByLabel('Payload');
    await expect.poll(() => payload.getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('#payload-error').textContent()).toMatch(/^Not valid JSON/);

    // Valid JSON the API refuses: no prompt, and a priority out of range.
    await createThroughForm({ type: 'echo', payload: '{"resource_id": "doc-1"}', priority: '500' });
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('Invalid request');
    expect(await form.locator('#payload-error').textContent()).toMatch(/^prompt: .*expected string/i);
    expect(await form.locator('#priority-error').textContent()).toMatch(/<=100/);
    expect(await form.getByLabel('Priority').getAttribute('aria-describedby')).toBe('priority-error');
    expect(await page.locator('body').textContent()).not.toContain('"type"');
    await screenshot(page, 'dashboard-field-errors');
    await form.getByLabel('Priority').fill('50');
  });

  it('"Cancel job" on a running sleep shows it cancelled, job and task', async () => {
    await showList();
    const id = await createdJobId({ type: 'sleep', payload: '{"prompt": "nap", "seconds": 120}' });
    await jobsTable().getByRole('button', { name: id }).click();
    await page.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(taskStatuses, { timeout: 10 * SECONDS }).toBe('processing');
    expect(await tasksTable().getByRole('button', { name: 'Cancel task' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    const jobStatus = page.getByRole('definition').locator('.status');
    await expect.poll(() => jobStatus.textContent(), { timeout: 5 * SECONDS }).toBe('cancelled');
    await expect.poll(taskStatuses, { timeout: 5 * SECONDS }).toBe('cancelled');
    expect(await tasksTable().getByRole('button', { name: 'Cancel task' }).count()).toBe(0);
    // `cancelled` is final for a job: nothing left to cancel, and no new runs.
    expect(await page.getByRole('button', { name: 'Cancel job' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Run now' }).isDisabled()).toBe(true);
  });

  it('"Delete job" asks first, then removes the job', async () => {
    await page.getByRole('button', { name: 'Delete job' }).click();
    const confirm = page.getByRole('alertdialog');
    expect(await confirm.textContent()).toContain('cannot be undone');
    const heading = (await page.getByRole('heading', { level: 2 }).first().textContent()) ?? '';
    const id = /[0-9a-f-]{36}/.exec(heading)?.[0] ?? '';
    await confirm.getByRole('button', { name: 'Yes, delete the job' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain(`Job ${id} was deleted`);
    expect((await user.call('GET', `/jobs/${id}`)).status).toBe(404);
  });

  it("never shows another user's jobs", async () => {
    await showList();
    const stranger = await api.user();
    const theirs = await stranger.call<{ id: string }>('POST', '/jobs', {
      body: { job_type: 'echo', payload: { prompt: 'private to the stranger' } },
    });
    expect(theirs.status).toBe(201);
    // A job of ours made after theirs: once it is on screen, the list was read after their job existed.
    const ours = await user.call<{ id: string }>('POST', '/jobs', {
      body: { job_type: 'echo', payload: { prompt: 'ours' } },
    });
    await expect
      .poll(() => jobsTable().getByRole('button', { name: ours.body.id }).count(), { timeout: 5 * SECONDS })
      .toBe(1);
    expect(await page.locator('body').textContent()).not.toContain(theirs.body.id);
    await page.getByLabel('Filter by job type').selectOption('echo');
    await expect
      .poll(() => jobsTable().getByRole('button', { name: ours.body.id }).count(), { timeout: 5 * SECONDS })
      .toBe(1);
    expect(await page.locator('body').textContent()).not.toContain(theirs.body.id);
    await page.getByLabel('Filter by job type').selectOption('');
    await expect.poll(() => jobsTable().locator('tbody tr').count()).toBeGreaterThan(1);
    await screenshot(page, 'dashboard-jobs');
  });

  it('"Load more" pages through the API\'s cursor, and the filters ask the API', async () => {
    const many = await api.user();
    const ids: string[] = [];
    for (let index = 0; index < 23; index++) {
      const type = index % 2 === 0 ? 'echo' : 'sleep';
      const job = await many.call<{ id: string }>('POST', '/jobs', {
        body: { job_type: type, payload: { prompt: `job ${index}` } },
      });
      ids.push(job.body.id);
    }
    const own = await context.browser()?.newContext();
    if (!own) throw new Error('no second context');
    try {
      const other = await own.newPage();
      await other.goto(`${api.url}/#token=${many.token}`);
      const rows = other.getByRole('table', { name: 'Jobs' }).locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(20);
      await other.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => rows.count()).toBe(23);
      expect(await other.getByRole('button', { name: 'Load more' }).count()).toBe(0);
      const shown = await other
        .getByRole('table', { name: 'Jobs' })
        .locator('tbody tr td:first-child')
        .allTextContents();
      expect(new Set(shown)).toEqual(new Set(ids));
      // Polling keeps the pages loaded by "Load more" on screen.
      await new Promise((resolve) => setTimeout(resolve, 2 * SECONDS));
      expect(await rows.count()).toBe(23);

      await other.getByLabel('Filter by job type').selectOption('sleep');
      await expect.poll(() => rows.count()).toBe(11);
      expect(new Set(await rows.locator('td:nth-child(2)').allTextContents())).toEqual(new Set(['sleep']));
      await other.getByLabel('Filter by status').selectOption('completed');
      await expect.poll(() => other.getByText('No jobs yet match these filters.').isVisible()).toBe(true);
    } finally {
      await own.close();
    }
  });

  it('an expired token sends the user back to sign in with a message that says so', async () => {
    const shortLived = await api.auth.mint(randomUUID(), { expiresIn: '1s' });
    await new Promise((resolve) => setTimeout(resolve, 2 * SECONDS));
    await page.evaluate(`sessionStorage.setItem('bgjobs.token', '${shortLived}')`);
    await page.reload();
    const message = page.getByRole('alert');
    await expect.poll(() => message.textContent(), { timeout: 10 * SECONDS }).toContain('session has ended');
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(await page.evaluate("sessionStorage.getItem('bgjobs.token')")).toBeNull();
    await screenshot(page, 'dashboard-sign-in');
  });
});

// Without Chromium the run says so by name in its skipped tests, rather than passing with nothing checked.
if (chromiumMissing) it.skip(`dashboard in Chromium: ${chromiumMissing}`, () => {});
