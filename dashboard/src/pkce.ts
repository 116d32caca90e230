/** RFC 7636 (PKCE) pieces that need no DOM, so they are unit-tested in Node too. */
const base64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** 32 random bytes, base64url: a PKCE verifier (RFC 7636 §4.1) or a `state`. */
export const randomString = () => base64Url(crypto.getRandomValues(new Uint8Array(32)));

/** RFC 7636 S256: BASE64URL(SHA-256(verifier)). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}
