import { createHash } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { traced } from '../tracing.js';

/**
 * AWS: the webhook secrets' encryption key comes from a Secrets Manager secret the stack generates (64 random
 * letters and digits, about 380 bits), hashed with SHA-256 into the 32 bytes AES-256 takes. Read once per Lambda container (lambdas/domain/webhook-secret.ts caches it): one call per cold
 * start, none per request. The SDK finds its endpoint its own way (locally AWS_ENDPOINT_URL_SECRETS_MANAGER).
 */
export async function readSecretKey(secretArn: string): Promise<Buffer> {
  const client = traced(new SecretsManagerClient({}));
  const output = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const text = output.SecretString ?? '';
  if (text.length < 32) throw new Error('the webhook key secret is too short to be a key');
  return createHash('sha256').update(text).digest();
}
