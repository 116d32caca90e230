import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 15: every integration response validates against docs/openapi.json. A bare `fetch(` in an integration
// suite escapes that; suites use fetchChecked (or contractViolations, as the fuzzer does, or test/support/api.ts).
const DIR = path.join(import.meta.dirname, '..', 'integration');

describe('integration suites hold every HTTP answer to the contract', () => {
  it('no integration suite calls a bare fetch without the contract check', () => {
    const bare = readdirSync(DIR)
      .filter((name) => name.endsWith('.test.ts'))
      .filter((name) => {
        const text = readFileSync(path.join(DIR, name), 'utf8');
        return /(?<![\w.])fetch\(/.test(text) && !text.includes('contractViolations(');
      });
    expect(bare).toEqual([]);
  });
});
