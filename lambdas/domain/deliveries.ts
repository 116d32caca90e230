import { randomUUID } from 'node:crypto';
import { config } from '../config.js';
import type { Database } from '../db/port.js';
import { TASK } from '../shapes/task.js';
import {
  type ClaimedDeliveryRow,
  claimDueDeliveries,
  claimNamedDelivery,
  recordDeliveryAttempt,
  selectDelivery,
} from '../sql/deliveries.js';
import { configuredKey, decryptSecret, type KeySource } from './webhook-secret.js';
import { postSigned } from './webhook-send.js';
import {
  checkWebhookUrlForm,
  type Resolve,
  resolveWebhookTarget,
  WebhookTargetError,
} from './webhook-target.js';

/**
 * Webhook delivery attempts. A delivery is leased for one attempt (attempts + 1), sent, and its outcome recorded
 * by the lease holder only; a holder that died leaves its lease to expire, and the next claim's attempt counts.
 */

export interface DeliverySettings {
  allowPrivate: boolean;
  retryBaseMs: number;
  retryWindowSeconds: number;
  timeoutMs: number;
  resolve?: Resolve;
  key?: KeySource;
}

export function deliverySettings(): DeliverySettings {
  const c = config();
  return {
    allowPrivate: c.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    retryBaseMs: c.WEBHOOK_RETRY_BASE_MS,
    retryWindowSeconds: c.WEBHOOK_RETRY_WINDOW_SECONDS,
    timeoutMs: c.WEBHOOK_TIMEOUT_MS,
  };
}

/** A lease outlasts an attempt (its timeout) with room for the outcome's write. */
export const deliveryLeaseSeconds = (settings: DeliverySettings) => Math.ceil(settings.timeoutMs / 1000) + 20;

/** Delay after the n-th failed attempt: base · 2^(n−1), capped at 2 hours. Deterministic (no jitter needed). */
export function deliveryRetryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(7_200_000, baseMs * 2 ** Math.max(0, attempt - 1));
}

export type AttemptOutcome = 'delivered' | 'pending' | 'failed' | 'lost';

/** The event body: its type, when the task ended (fixed, so every attempt sends the same bytes), and the task. */
export function eventBody(row: ClaimedDeliveryRow): string {
  const eventAt = row.event_at instanceof Date ? row.event_at : new Date(String(row.event_at));
  return JSON.stringify({
    type: String(row.event_type),
    timestamp: eventAt.toISOString(),
    data: { ...TASK.view(row), job_id: String(row.job_id) },
  });
}

/** Sends one claimed delivery and records what came of it; returns the delivery's state afterwards. */
export async function attemptDelivery(
  db: Database,
  row: ClaimedDeliveryRow,
  owner: string,
  settings: DeliverySettings,
): Promise<{ outcome: AttemptOutcome; nextAttemptAt: Date | null }> {
  const deliveryId = String(row.delivery_id);
  const attempt = Number(row.attempts);
  let responseCode: number | null = null;
  let error: string | null = null;
  if (row.webhook_url === null || row.webhook_secret === null) {
    error = 'the job has no webhook any more';
  } else {
    try {
      const url = checkWebhookUrlForm(String(row.webhook_url), settings.allowPrivate);
      // Checked again now, and the connection goes to the address checked: DNS rebinding cannot steer it inside.
      const target = await resolveWebhookTarget(url, settings.allowPrivate, settings.resolve);
      const secret = await decryptSecret(String(row.webhook_secret), settings.key ?? configuredKey);
      const result = await postSigned({
        url,
        ...target,
        id: `msg_${deliveryId}`,
        timestamp: Math.floor(Date.now() / 1000),
        body: eventBody(row),
        secret,
        timeoutMs: settings.timeoutMs,
      });
      if ('status' in result) responseCode = result.status;
      else error = result.error;
    } catch (caught) {
      if (!(caught instanceof WebhookTargetError)) throw caught;
      error = `target refused: ${caught.message}`;
    }
  }
  const delivered = responseCode !== null && responseCode >= 200 && responseCode < 300;
  const recorded = (
    await db.query(
      recordDeliveryAttempt({
        deliveryId,
        owner,
        attempt,
        delivered,
        responseCode,
        error,
        // No webhook any more: nothing to retry for.
        retryDelayMs:
          row.webhook_url === null
            ? settings.retryWindowSeconds * 1000 + 1
            : deliveryRetryDelayMs(attempt, settings.retryBaseMs),
        retryWindowSeconds: settings.retryWindowSeconds,
      }),
    )
  ).rows[0];
  if (!recorded) return { outcome: 'lost', nextAttemptAt: null };
  const next = recorded.next_attempt_at;
  return {
    outcome: String(recorded.status) as AttemptOutcome,
    nextAttemptAt: next ? new Date(next) : null,
  };
}

/**
 * The local pool's delivery step: claims up to `limit` due deliveries and attempts them at once. Returns how many
 * it claimed. `owner` is new per call (so a resent claim returns what it took).
 */
export async function deliverDue(
  db: Database,
  ownerPrefix: string,
  limit: number,
  settings: DeliverySettings,
): Promise<Promise<AttemptOutcome>[]> {
  const owner = `${ownerPrefix}:${randomUUID()}`;
  const { rows } = await db.query(claimDueDeliveries(owner, limit, deliveryLeaseSeconds(settings)));
  return rows.map(async (row) => (await attemptDelivery(db, row, owner, settings)).outcome);
}

export type NamedDelivery =
  /** Attempted: `retryAt` when it waits for another attempt. */
  | { kind: 'attempted'; outcome: AttemptOutcome; retryAt: Date | null }
  /** Pending, not due yet (or leased to a live worker): `due` when it is. */
  | { kind: 'waiting'; due: Date | null; leased: boolean }
  /** Delivered, failed, or no such delivery. */
  | { kind: 'ended' };

/** AWS: the delivery a notice names, attempted now if it is due and free. */
export async function deliverNamed(
  db: Database,
  deliveryId: string,
  owner: string,
  settings: DeliverySettings,
): Promise<NamedDelivery> {
  const claimed = (await db.query(claimNamedDelivery(deliveryId, owner, deliveryLeaseSeconds(settings))))
    .rows[0];
  if (claimed) {
    const { outcome, nextAttemptAt } = await attemptDelivery(db, claimed, owner, settings);
    return { kind: 'attempted', outcome, retryAt: nextAttemptAt };
  }
  const row = (await db.query(selectDelivery(deliveryId))).rows[0];
  if (row?.status !== 'pending') return { kind: 'ended' };
  const due = row.next_attempt_at ? new Date(row.next_attempt_at) : null;
  return { kind: 'waiting', due, leased: Boolean(row.leased) };
}
