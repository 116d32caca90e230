import { STATS_WINDOWS, type StatsWindow } from '../domain/stats.js';
import * as z from './zod.js';

/** The query string of GET /stats: which window, from lambdas/domain/stats.ts. */
export const StatsQuery = z.strictObject({
  window: z
    ._default(z.enum(Object.keys(STATS_WINDOWS) as [StatsWindow, ...StatsWindow[]]), '1h')
    .check(z.describe('How far back: buckets of 60 s for 15m and 1h, 300 s for 6h, 900 s for 24h.')),
});
