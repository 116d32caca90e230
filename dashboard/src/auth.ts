import type { DashboardConfig } from './config.js';
import { codeChallenge, randomString } from './pkce.js';

/**
 * The access token lives in sessionStorage only: it survives a reload of this tab, never reaches a URL the server
 * sees (a `#token=` fragment is not sent, and is removed from the address bar at once), and dies with the tab.
 */
const TOKEN_KEY = 'bgjobs.token';
const PKCE_KEY = 'bgjobs.pkce';
/** Scopes for the managed login: the API requires `aws.cognito.signin.user.admin` on every protected route. */
const SCOPES = 'openid aws.cognito.signin.user.admin';

export const storedToken = () => sessionStorage.getItem(TOKEN_KEY) ?? undefined;
export const storeToken = (token: string) => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** Takes a `#token=<jwt>` fragment (local sign-in) and strips it from the address bar before anything else runs. */
export function takeTokenFromFragment(): string | undefined {
  const match = /^#token=([^&]+)/.exec(window.location.hash);
  if (!match?.[1]) return undefined;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return decodeURIComponent(match[1]);
}

/** The `sub` of a token, for display; undefined when it is no JWT. The server, not this, decides validity. */
export function tokenSubject(token: string): string | undefined {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

type CognitoConfig = Extract<DashboardConfig, { mode: 'cognito' }>;

/** Sends the browser to the managed login with a fresh PKCE verifier and state, kept in this tab only. */
export async function startCognitoSignIn(config: CognitoConfig): Promise<void> {
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const url = new URL('/oauth2/authorize', config.authority);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: SCOPES,
    state,
    code_challenge_method: 'S256',
    code_challenge: await codeChallenge(verifier),
  }).toString();
  window.location.assign(url.toString());
}

/**
 * Back from the managed login with `?code=&state=`: checks the state, redeems the code with the verifier (a public
 * client: no secret) and returns the access token. Undefined when this load is no such return.
 */
export async function finishCognitoSignIn(config: CognitoConfig): Promise<string | undefined> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return undefined;
  history.replaceState(null, '', window.location.pathname);
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem(PKCE_KEY);
  if (error) throw new Error(`Sign-in failed: ${params.get('error_description') ?? error}.`);
  if (!saved || params.get('state') !== saved.state)
    throw new Error('Sign-in failed: the answer from the login page does not match this tab. Sign in again.');
  const response = await fetch(new URL('/oauth2/token', config.authority), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: code ?? '',
      redirect_uri: config.redirectUri,
      code_verifier: saved.verifier,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!response.ok || !body.access_token)
    throw new Error(`Sign-in failed: the login service answered ${body.error ?? `HTTP ${response.status}`}.`);
  return body.access_token;
}
