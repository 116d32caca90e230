import { createHash, randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the user pool's managed login, just enough to drive the dashboard's authorization-code + PKCE
 * sign-in in a browser. It follows
 *   https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html (GET /oauth2/authorize:
 *     response_type=code, client_id, redirect_uri, state, scope, code_challenge_method=S256, code_challenge;
 *     answers with a redirect to redirect_uri?code=…&state=…) and
 *   https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html (POST /oauth2/token, a form body:
 *     grant_type=authorization_code, client_id, code, redirect_uri, code_verifier; a public client sends no secret;
 *     answers {access_token, id_token, token_type: "Bearer", expires_in} or 400 {"error": "invalid_grant"}).
 * The login form itself is skipped: the user is signed in as soon as the page is asked for. The access token is
 * whatever `issue` returns (the test mints one the local API accepts).
 */
export interface CognitoLoginStandIn {
  url: string;
  clientId: string;
  /** Every authorization request, as received. */
  authorizeRequests: URLSearchParams[];
  /** Every token request body, as received. */
  tokenRequests: URLSearchParams[];
  close(): Promise<void>;
}

const base64Url = (bytes: Buffer) => bytes.toString('base64url');

export async function startCognitoLoginStandIn(options: {
  redirectUri: string;
  issue: () => Promise<string>;
}): Promise<CognitoLoginStandIn> {
  const clientId = base64Url(randomBytes(12));
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const authorizeRequests: URLSearchParams[] = [];
  const tokenRequests: URLSearchParams[] = [];

  const json = (response: ServerResponse, status: number, body: unknown, origin: string | undefined) => {
    // The token endpoint is called from the page's own origin, so its answer must be readable cross-origin.
    response.writeHead(status, {
      'content-type': 'application/json',
      ...(origin ? { 'access-control-allow-origin': origin } : {}),
    });
    response.end(JSON.stringify(body));
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const origin = request.headers.origin;
    if (request.method === 'GET' && url.pathname === '/oauth2/authorize') {
      const query = url.searchParams;
      authorizeRequests.push(query);
      const valid =
        query.get('response_type') === 'code' &&
        query.get('client_id') === clientId &&
        query.get('redirect_uri') === options.redirectUri &&
        query.get('code_challenge_method') === 'S256' &&
        /^[\w-]{43}$/.test(query.get('code_challenge') ?? '');
      if (!valid) {
        response.writeHead(400, { 'content-type': 'text/plain' });
        return void response.end('invalid_request');
      }
      const code = base64Url(randomBytes(16));
      codes.set(code, { challenge: query.get('code_challenge') ?? '', redirectUri: options.redirectUri });
      const back = new URL(options.redirectUri);
      back.searchParams.set('code', code);
      const state = query.get('state');
      if (state !== null) back.searchParams.set('state', state);
      response.writeHead(302, { location: back.toString() });
      return void response.end();
    }
    if (request.method === 'POST' && url.pathname === '/oauth2/token') {
      let text = '';
      for await (const chunk of request) text += chunk;
      const form = new URLSearchParams(text);
      tokenRequests.push(form);
      const code = form.get('code') ?? '';
      const issued = codes.get(code);
      codes.delete(code); // a code is good for one exchange
      const verifier = form.get('code_verifier') ?? '';
      const matches =
        issued !== undefined &&
        form.get('grant_type') === 'authorization_code' &&
        form.get('client_id') === clientId &&
        form.get('redirect_uri') === issued.redirectUri &&
        base64Url(createHash('sha256').update(verifier).digest()) === issued.challenge;
      if (!matches) return json(response, 400, { error: 'invalid_grant' }, origin);
      const token = await options.issue();
      return json(
        response,
        200,
        { access_token: token, id_token: token, token_type: 'Bearer', expires_in: 3600 },
        origin,
      );
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    authorizeRequests,
    tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
