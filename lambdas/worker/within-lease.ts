import { DatabaseError } from '../db/errors.js';

/**
 * The lease as this worker knows it. It runs from the moment a renewal was sent (the claim, then each heartbeat
 * the database acknowledged), so the worker's idea of it never outlasts the database's.
 */
export class HeldLease {
  private until: number;
  private gone = false;

  constructor(
    private readonly leaseMs: number,
    claimedAt = Date.now(),
  ) {
    this.until = claimedAt + leaseMs;
  }

  /** A renewal sent at `sentAt` was acknowledged. */
  renewed(sentAt: number): void {
    this.until = Math.max(this.until, sentAt + this.leaseMs);
  }

  /** The database said the task is no longer this worker's (cancelled, reaped, or already written). */
  lost(): void {
    this.gone = true;
  }

  get held(): boolean {
    return !this.gone && Date.now() < this.until;
  }

  msLeft(): number {
    return this.gone ? 0 : this.until - Date.now();
  }
}

/** The write failed as a whole and may work when sent again: no connection, a restart, a conflict or a timeout. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof DatabaseError) || error.sqlState === undefined) return true;
  // 08 connection, 40 serialization/deadlock, 53 resources, 57 operator intervention (shutdown, cancel), 58 system.
  return /^(08|40|53|57|58)/.test(error.sqlState) || error.sqlState === '55P03';
}

/** The lease ran out (or was taken) before the write got through; the write's last error is the cause. */
export class LeaseRanOut extends Error {
  override readonly name = 'LeaseRanOut';
}

/**
 * Sends `write` until it gets through, with doubling delays, for as long as the lease is held: an outcome is not
 * lost to one failed write. Once the lease is gone another worker may hold the task, so it stops (LeaseRanOut).
 * An error that sending again cannot fix is thrown at once.
 */
export async function writeWithinLease<T>(
  write: () => Promise<T>,
  lease: HeldLease,
  onRetry: (error: unknown, delayMs: number) => void,
  delays = { firstMs: 100, maxMs: 2_000 },
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (!isTransient(error)) throw error;
      // The last try may come right at the lease's end: were it late, the version fence refuses it harmlessly.
      const delayMs = Math.min(delays.maxMs, delays.firstMs * 2 ** attempt, lease.msLeft());
      if (!lease.held || delayMs <= 0) throw new LeaseRanOut('lease ended', { cause: error });
      onRetry(error, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
