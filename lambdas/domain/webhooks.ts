import { InvalidWebhookError } from './errors.js';
import { configuredKey, encryptSecret, type KeySource, newWebhookSecret } from './webhook-secret.js';
import {
  checkWebhookUrlForm,
  type Resolve,
  resolveWebhookTarget,
  WebhookTargetError,
} from './webhook-target.js';

/** A webhook as a job stores it, with its secret in the clear for the one response that sets it. */
export interface PreparedWebhook {
  url: string;
  secret: string;
  encryptedSecret: string;
}

export interface WebhookRules {
  allowPrivate: boolean;
  resolve?: Resolve;
  key?: KeySource;
}

/**
 * Checks a webhook URL against the SSRF rules (its host resolved now) and makes its new secret. A URL refused is an
 * InvalidWebhookError: the API answers 400 naming `webhook.url`.
 */
export async function prepareWebhook(url: string, rules: WebhookRules): Promise<PreparedWebhook> {
  try {
    await resolveWebhookTarget(
      checkWebhookUrlForm(url, rules.allowPrivate),
      rules.allowPrivate,
      rules.resolve,
    );
  } catch (error) {
    if (error instanceof WebhookTargetError) throw new InvalidWebhookError(error.message);
    throw error;
  }
  const secret = newWebhookSecret();
  return { url, secret, encryptedSecret: await encryptSecret(secret, rules.key ?? configuredKey) };
}
