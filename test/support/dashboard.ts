import { expect } from 'vitest';

/**
 * What a fresh start must serve: the dashboard page at `/` and its bundle under `/dashboard/`, built at start with
 * no build step, while API paths still answer problem+json. Plain fetch: these answers are not API operations.
 */
export async function expectDashboardServed(url: string): Promise<void> {
  const page = await fetch(`${url}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(await page.text()).toContain('<script type="module" src="/dashboard/app.js"></script>');

  const bundle = await fetch(`${url}/dashboard/app.js`);
  expect(bundle.status).toBe(200);
  expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  // The bundle carries the page's own names (minified code keeps strings), not some placeholder.
  expect(await bundle.text()).toContain('Create job');
  const styles = await fetch(`${url}/dashboard/app.css`);
  expect(styles.status).toBe(200);
  expect(await (await fetch(`${url}/dashboard/config.json`)).json()).toEqual({ mode: 'local' });

  const api = await fetch(`${url}/jobs`);
  expect(api.status).toBe(401);
  expect(api.headers.get('content-type')).toBe('application/problem+json');
  for (const unknown of ['/no-such-page', '/dashboard/no-such-asset.js']) {
    const missing = await fetch(`${url}${unknown}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.json()).toMatchObject({ status: 404, instance: unknown });
  }
}
