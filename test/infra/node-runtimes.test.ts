import { describe, expect, it } from 'vitest';
import { nodeRuntimes } from './asset-sandbox.js';

// The asset test skips a runtime it cannot find; on linux-x64, where the packages install, a missing one means the
// Node 24 (Lambda) import check would silently not run, so it fails here instead.
describe('Node runtimes for the asset import test', () => {
  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    'on linux-x64 Lambda nodejs24.x and Node 22 are installed and are those majors',
    () => {
      const versions = Object.fromEntries(
        nodeRuntimes().map((runtime) => [runtime.name, 'version' in runtime ? runtime.version : undefined]),
      );
      expect(versions['Lambda nodejs24.x']).toMatch(/^v24\./);
      expect(versions['Node 22']).toMatch(/^v22\./);
    },
  );
});
