import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { loggableError } from '../lambdas/db/errors.js';
import { problemResponse } from '../lambdas/http/problem.js';
import type { HttpResult } from '../lambdas/http/response.js';
import { matchRoute, UNMATCHED_ROUTE } from '../lambdas/http/routes.js';
import { answerEarly, toApiGatewayEvent, writeResult } from './api-gateway.js';
import type { LocalAuth } from './auth.js';
import { type DashboardConfig, dashboardAssets, isDashboardPath, serveDashboardAsset } from './dashboard.js';

type LambdaHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer) => Promise<HttpResult>;

/** API Gateway's own payload limit; the handlers enforce the service's much smaller one. */
const GATEWAY_BODY_LIMIT = 10 * 1024 * 1024;

async function loadHandler(name: string): Promise<LambdaHandler> {
  const module = (await import(`../lambdas/handlers/${name}.ts`)) as { handler: LambdaHandler };
  return module.handler;
}

/**
 * The body, or undefined once it passes API Gateway's limit. It stops listening rather than breaking out of an
 * async iterator, which would destroy the socket and reset the connection before the 413 is read.
 */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= GATEWAY_BODY_LIMIT) return void chunks.push(chunk);
      request.off('data', onData).off('end', onEnd).pause();
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    request.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

export interface LocalServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Verifies the bearer token as the API Gateway JWT authorizer would; undefined means 401. */
async function authorize(auth: LocalAuth, authorization: string | undefined) {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  try {
    return (await auth.verify(token)) as Record<string, string | number | boolean | string[]>;
  } catch {
    return undefined;
  }
}

/**
 * Serves the Lambda handlers the way API Gateway would: route match, a v2 event in, a v2 result out. The handler
 * functions are the very ones deployed to Lambda, and a request no route matches goes, as API Gateway sends it
 * to the `$default` route, to the same not-found handler (404, or 405 with Allow).
 */
export async function startLocalServer(options: {
  port: number;
  host?: string;
  auth: LocalAuth;
  /** How the dashboard signs in; `local` (a token from `npm run token`) unless given. */
  dashboard?: DashboardConfig;
}): Promise<LocalServer> {
  // Bundled before listening, so a broken dashboard fails the start instead of the first page load.
  const dashboard = await dashboardAssets(options.dashboard);
  const server = createServer(async (request, response) => {
    // A target that is no URL (`//[`, `http://a@x:99999/`) is refused here: a throw out of this async callback
    // would be an unhandled rejection, which ends the whole process.
    const url = URL.canParse(request.url ?? '/', 'http://localhost')
      ? new URL(request.url ?? '/', 'http://localhost')
      : undefined;
    if (!url) {
      const problem = {
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: 'The request target is not a URL.',
      };
      return answerEarly(request, response, problemResponse(problem));
    }
    const method = request.method ?? 'GET';
    try {
      // The dashboard's page and assets; any other method or unknown asset falls through to the API's 404/405.
      if (isDashboardPath(url.pathname) && serveDashboardAsset(dashboard, method, url.pathname, response))
        return;
      const match = matchRoute(method, url.pathname);
      const matched = 'route' in match ? match : undefined;
      const route = matched?.route ?? UNMATCHED_ROUTE;
      // The token first: an unauthenticated caller never gets its body read into memory.
      const claims = route.public ? {} : await authorize(options.auth, request.headers.authorization);
      if (!claims) {
        const problem = {
          type: 'about:blank',
          title: 'Unauthorized',
          status: 401,
          detail: 'A valid bearer token is required.',
          instance: url.pathname,
        };
        return answerEarly(request, response, problemResponse(problem, { 'www-authenticate': 'Bearer' }));
      }
      const declared = Number(request.headers['content-length'] ?? 0);
      const body = declared > GATEWAY_BODY_LIMIT ? undefined : await readBody(request);
      if (!body) {
        const problem = {
          type: 'about:blank',
          title: 'Content Too Large',
          status: 413,
          instance: url.pathname,
        };
        return answerEarly(request, response, problemResponse(problem));
      }
      const event = toApiGatewayEvent({
        request,
        body,
        routeKey: matched ? `${matched.route.method} ${matched.route.path}` : '$default',
        pathParameters: matched?.pathParameters ?? {},
        claims,
      });
      const handler = await loadHandler(route.handler);
      writeResult(response, await handler(event));
    } catch (error) {
      console.error(
        JSON.stringify({ level: 'error', message: 'local server failure', ...loggableError(error) }),
      );
      writeResult(
        response,
        problemResponse({
          type: 'about:blank',
          title: 'Internal Server Error',
          status: 500,
          instance: url.pathname,
        }),
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
