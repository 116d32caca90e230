import { describe, expect, it } from 'vitest';
import { ROUTES, UNMATCHED_ROUTE } from '../../lambdas/http/routes.js';
import { type Bundle, bundleHandler, largestSources } from '../../scripts/lambda-bundles.js';

/**
 * Cold starts grow with the code a function loads, so every Lambda has a size budget, measured on the bundle the
 * stack ships (minified, the AWS SDK external: the same esbuild options, infra/bundling.ts). docs/benchmarks.md
 * has the sizes and the module-init times behind these numbers.
 */
const KB = 1024;

/** Every function behind the HTTP API: one per route, and the `$default` route's not-found. */
const API_HANDLERS = [...new Set([...ROUTES, UNMATCHED_ROUTE].map((route) => route.handler))];

/** Issue 11's goal for the API: 150 KB each (POST and PATCH /jobs, which parse cron, measured 79 KB with webhooks). */
const API_BUDGET = 150 * KB;
const OTHER_BUDGETS: Record<string, number> = {
  /** Runs every job type, the scheduler and webhook delivery (SSRF checks, signing): measured 97 KB. */
  worker: 105 * KB,
  /** Reads the schedules and sends notices, deliveries' too: measured 58 KB. */
  resync: 65 * KB,
  /** node-pg-migrate brings pg, jiti and glob: measured 433 KB. */
  migrate: 450 * KB,
};
const budgetOf = (handler: string) => OTHER_BUDGETS[handler] ?? API_BUDGET;

const over = (bundle: Bundle) =>
  `${bundle.handler}: ${(bundle.bytes / KB).toFixed(1)} KB > ${(budgetOf(bundle.handler) / KB).toFixed(0)} KB (${largestSources(bundle)})`;

describe('Lambda bundle budgets', () => {
  it.each([...API_HANDLERS, ...Object.keys(OTHER_BUDGETS)])(
    '%s stays within its budget',
    async (handler) => {
      const bundle = await bundleHandler(handler);
      if (bundle.bytes > budgetOf(handler)) expect.fail(over(bundle));
      expect(bundle.bytes).toBeGreaterThan(1 * KB);
    },
    60_000,
  );

  it('no API function bundles the tracer or the full zod', async () => {
    for (const handler of API_HANDLERS) {
      const sources = [...(await bundleHandler(handler)).bySource.keys()];
      expect(
        sources.filter((source) => /aws-xray-sdk|powertools/.test(source)),
        handler,
      ).toEqual([]);
      expect(
        sources.filter((source) => source.includes('zod/v4/classic')),
        handler,
      ).toEqual([]);
    }
  }, 120_000);

  it('no function bundles cron-parser or luxon: lambdas/domain/cron-fields.ts parses cron', async () => {
    for (const handler of [...API_HANDLERS, 'worker', 'resync']) {
      const sources = [...(await bundleHandler(handler)).bySource.keys()];
      expect(
        sources.filter((source) => /^(cron-parser|luxon)$/.test(source)),
        handler,
      ).toEqual([]);
    }
  }, 120_000);
});
