import { HttpError } from '../http/errors.js';
import { publicRoute } from '../http/handler.js';
import { matchRoute } from '../http/routes.js';

/** API Gateway's `$default` route: anything no route matched is a problem+json 404, or 405 with Allow. */
export const handler = publicRoute(async ({ event }) => {
  const match = matchRoute(event.requestContext.http.method, event.rawPath);
  if ('allowed' in match && match.allowed.length > 0) {
    throw new HttpError(405, 'Method Not Allowed', undefined, {
      headers: { allow: match.allowed.join(', ') },
    });
  }
  throw new HttpError(404, 'Not Found', `No route for ${event.requestContext.http.method} ${event.rawPath}.`);
});
