import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { config } from '../config.js';

/**
 * Webhook signing secrets. Standard Webhooks signs with HMAC-SHA256 keyed by the secret itself, so the service must
 * be able to read it back whenever it delivers: a hash (as for passwords) could never sign. It is stored encrypted
 * with AES-256-GCM under a key that is not in the database — locally WEBHOOK_SECRET_KEY (the local stack generates
 * one into its data folder), in AWS a Secrets Manager secret the stack creates (WEBHOOK_KEY_SECRET_ARN). A copy of
 * the database alone therefore reveals no secret, and GCM's tag refuses a ciphertext that was tampered with.
 */

/** A new secret in the Standard Webhooks format: `whsec_` and 32 random bytes, base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The secret's key bytes, as the HMAC uses them (the base64 after `whsec_`). */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

export type KeySource = () => Promise<Buffer>;

let cachedKey: Promise<Buffer> | undefined;

/** The encryption key, read once per process. */
export const configuredKey: KeySource = () => {
  cachedKey ??= loadKey().catch((error: unknown) => {
    cachedKey = undefined;
    throw error;
  });
  return cachedKey;
};

async function loadKey(): Promise<Buffer> {
  const { WEBHOOK_SECRET_KEY, WEBHOOK_KEY_SECRET_ARN } = config();
  if (WEBHOOK_SECRET_KEY) return Buffer.from(WEBHOOK_SECRET_KEY, 'base64');
  if (WEBHOOK_KEY_SECRET_ARN) {
    const { readSecretKey } = await import('./webhook-key-secret.js');
    return readSecretKey(WEBHOOK_KEY_SECRET_ARN);
  }
  throw new Error('no webhook secret key is configured (WEBHOOK_SECRET_KEY or WEBHOOK_KEY_SECRET_ARN)');
}

/** Forgets the cached key (tests that change the environment). */
export function resetWebhookKey(): void {
  cachedKey = undefined;
}

/** `v1.` + base64(12-byte IV ‖ 16-byte tag ‖ ciphertext). A fresh IV each time: GCM must never reuse one. */
export async function encryptSecret(secret: string, key: KeySource = configuredKey): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await key(), iv);
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
}

export async function decryptSecret(stored: string, key: KeySource = configuredKey): Promise<string> {
  if (!stored.startsWith('v1.')) throw new Error('unknown webhook secret format');
  const bytes = Buffer.from(stored.slice(3), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', await key(), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}
