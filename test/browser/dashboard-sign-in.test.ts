import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server.js';
import { startApi, type TestApi } from '../support/api.js';
import { chromiumMissing, launchChromium } from '../support/browser.js';
import { type CognitoLoginStandIn, startCognitoLoginStandIn } from '../support/cognito-login.js';
import { freePort } from '../support/ports.js';

/**
 * The sign-in the page does in AWS: authorization code + PKCE against the user pool's managed login (here a
 * stand-in that checks what Cognito checks, test/support/cognito-login.ts), then the API with the access token.
 */
if (chromiumMissing) console.warn(`dashboard sign-in browser tests: ${chromiumMissing}`);

describe.skipIf(chromiumMissing !== undefined)(
  'dashboard sign-in through the managed login',
  { timeout: 60_000 },
  () => {
    let api: TestApi;
    let login: CognitoLoginStandIn;
    let server: LocalServer;
    let browser: Browser;
    let page: Page;
    let pageUrl: string;
    const userId = randomUUID();
    let issued: string[];

    beforeAll(async () => {
      api = await startApi();
      const port = await freePort();
      pageUrl = `http://localhost:${port}/`;
      issued = [];
      login = await startCognitoLoginStandIn({
        redirectUri: pageUrl,
        issue: async () => {
          const token = await api.auth.mint(userId);
          issued.push(token);
          return token;
        },
      });
      // A second server on the same database and keys, serving the page with the Cognito sign-in config.
      server = await startLocalServer({
        port,
        auth: api.auth,
        dashboard: {
          mode: 'cognito',
          authority: login.url,
          clientId: login.clientId,
          redirectUri: pageUrl,
          apiUrl: pageUrl,
        },
      });
      browser = await launchChromium();
      page = await browser.newPage();
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await login?.close();
      await api?.stop();
    });

    it('signs in with the authorization code and an S256 PKCE verifier, and calls the API with the access token', async () => {
      const token = await api.auth.mint(userId);
      const created = await fetch(`${api.url}/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ job_type: 'echo', payload: { prompt: 'made before signing in' } }),
      });
      const job = (await created.json()) as { id: string };

      await page.goto(pageUrl);
      await page.getByRole('button', { name: 'Sign in with your account' }).click();
      const jobs = page.getByRole('table', { name: 'Jobs' });
      await expect
        .poll(() => jobs.getByRole('button', { name: job.id }).count(), { timeout: 10_000 })
        .toBe(1);

      // The code and state never stay in the address bar; the token lives in this tab's storage only.
      expect(page.url()).toBe(pageUrl);
      expect(await page.evaluate("sessionStorage.getItem('bgjobs.token')")).toBe(issued[0]);
      const authorize = login.authorizeRequests[0];
      expect(authorize?.get('code_challenge_method')).toBe('S256');
      expect(authorize?.get('scope')?.split(' ')).toContain('aws.cognito.signin.user.admin');
      expect(authorize?.get('state')).toMatch(/^[\w-]{43}$/);
      const exchange = login.tokenRequests[0];
      expect(exchange?.get('code_verifier')).toMatch(/^[\w-]{43}$/);
      expect(exchange?.has('client_secret')).toBe(false);
      expect(login.tokenRequests).toHaveLength(1);
    });

    it('refuses an answer whose state is not the one this tab sent, and says so', async () => {
      await page.evaluate('sessionStorage.clear()');
      await page.goto(`${pageUrl}?code=stolen&state=not-ours`);
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('does not match this tab');
      expect(page.url()).toBe(pageUrl);
      expect(login.tokenRequests).toHaveLength(1);
    });

    it("shows the login service's refusal as a message", async () => {
      await page.goto(`${pageUrl}?error=access_denied&error_description=User%20is%20disabled`);
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toBe('Sign-in failed: User is disabled.');
      expect(await page.getByRole('button', { name: 'Sign in with your account' }).isVisible()).toBe(true);
    });
  },
);

if (chromiumMissing) it.skip(`dashboard sign-in in Chromium: ${chromiumMissing}`, () => {});
