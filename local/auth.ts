import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';

/**
 * Local stand-in for the API Gateway JWT authorizer: an ES256 key pair made on first start and kept under the
 * local data folder, so tokens stay valid across restarts. Tokens are checked for signature, expiry, issuer
 * and audience, exactly the checks the AWS authorizer makes.
 */
export const LOCAL_ISSUER = 'http://localhost/bg-jobs-local';
export const LOCAL_AUDIENCE = 'bg-jobs-api';
const ALGORITHM = 'ES256';

export interface LocalAuth {
  verify(token: string): Promise<JWTPayload>;
  mint(
    subject: string,
    options?: { expiresIn?: string; audience?: string; issuer?: string },
  ): Promise<string>;
}

async function loadOrCreateKeys(dir: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const file = path.join(dir, 'jwt-signing-key.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { privateJwk: JWK; publicJwk: JWK };
  } catch {
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const keys = { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
    await mkdir(dir, { recursive: true });
    await writeFile(file, JSON.stringify(keys), { mode: 0o600, flag: 'wx' }).catch(
      async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      },
    );
    // Another process may have won the race to create it: everyone uses the file's keys.
    return JSON.parse(await readFile(file, 'utf8')) as { privateJwk: JWK; publicJwk: JWK };
  }
}

export async function localAuth(dataDir: string): Promise<LocalAuth> {
  const { privateJwk, publicJwk } = await loadOrCreateKeys(dataDir);
  const privateKey = await importJWK(privateJwk, ALGORITHM);
  const publicKey = await importJWK(publicJwk, ALGORITHM);
  return {
    async verify(token) {
      const { payload } = await jwtVerify(token, publicKey, {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: [ALGORITHM],
        // AWS's JWT authorizer refuses a token without `exp`; a token that never expires is refused here too.
        requiredClaims: ['exp'],
      });
      return payload;
    },
    mint(subject, options = {}) {
      return new SignJWT({ scope: 'jobs' })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setSubject(subject)
        .setIssuer(options.issuer ?? LOCAL_ISSUER)
        .setAudience(options.audience ?? LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '12h')
        .sign(privateKey);
    },
  };
}
