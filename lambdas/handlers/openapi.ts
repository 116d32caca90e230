import { publicRoute } from '../http/handler.js';
import { openApiDocument } from '../http/openapi.js';
import { json } from '../http/response.js';

const document = openApiDocument();

/** GET /openapi.json — public: the API's OpenAPI 3.1 description. */
export const handler = publicRoute(async () =>
  json(200, document, { 'cache-control': 'public, max-age=300' }),
);
