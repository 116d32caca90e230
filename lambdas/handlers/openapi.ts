import document from '../../docs/openapi.json' with { type: 'json' };
import { publicRoute } from '../http/handler.js';
import { json } from '../http/response.js';

/**
 * GET /openapi.json — public: the API's OpenAPI 3.1 description. Served as generated (`npm run openapi`; a test
 * keeps the file equal to what the schemas and the route table generate), so this function bundles a JSON
 * document instead of the schemas and the JSON Schema generator.
 */
export const handler = publicRoute(async () =>
  json(200, document, { 'cache-control': 'public, max-age=300' }),
);
