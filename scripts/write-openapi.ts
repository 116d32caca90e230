import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openApiDocument } from '../lambdas/http/openapi.js';
import { ROOT_DIR } from '../local/paths.js';

/** `npm run openapi`: writes docs/openapi.json from the code; a test fails when the checked-in copy is stale. */
export const OPENAPI_FILE = path.join(ROOT_DIR, 'docs', 'openapi.json');
export const renderOpenApi = () => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  await writeFile(OPENAPI_FILE, renderOpenApi());
  console.log(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}`);
}
