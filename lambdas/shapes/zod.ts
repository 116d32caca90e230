import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * The one zod every Lambda loads: `zod/mini`, whose functions tree-shake (the full `zod` classic API costs every
 * function about 440 KB of bundle; docs/benchmarks.md). Mini ships no messages: English ones are configured here,
 * once, so every field error says what is wrong instead of "Invalid input". Import it as a namespace
 * (`import * as z`), never re-exported as an object, or the bundler must keep all of it.
 */
config(en());

export * from 'zod/mini';
