/**
 * Amazon SQS fair queues, as documented (SQSDeveloperGuide/sqs-fair-queues.html and sqs-fair-queues-detailed.html):
 * a standard queue whose messages carry a MessageGroupId balances delivery across tenants (one tenant per group id;
 * a message without one is a tenant of its own). A tenant is a noisy neighbour when it has more than 10% of the
 * queue's in-flight messages and at least 30 of its own in flight, or when its recent share of consumer processing
 * time exceeds 10%. Receives then return quiet tenants' messages first; noisy tenants' messages follow (never
 * dropped), the noisy tenant with the fewest in-flight messages first. A tenant stops being noisy when its backlog
 * is drained: here the measures are taken afresh at every receive, so that happens as soon as they fall.
 *
 * What AWS leaves open, chosen here: "recent" processing time is the last 60 seconds — each received message counts
 * from its receive to its delete (or to now while in flight) — and AWS's thresholds are approximate while these
 * are exact.
 */

export const RECENT_MS = 60_000;
const SHARE = 0.1;
const MIN_IN_FLIGHT = 30;

export interface FairMessage {
  id: string;
  groupId?: string;
  visibleAt: number;
  receivedAt?: number;
  receive?: string;
}

export const tenantOf = (message: FairMessage) => message.groupId ?? `#${message.id}`;

export class TenantLoad {
  /** Processing that ended (a delete) within the recent window: tenant, start, end. */
  private ended: { tenant: string; from: number; to: number }[] = [];

  /** A received message was deleted: its processing counts until now. */
  finished(message: FairMessage, now: number): void {
    // Pruned here too, not only when ordering: a queue whose messages carry no group id never orders, and would
    // otherwise keep a span for every message it ever deleted. Spans are pushed in `to` order.
    while (this.ended[0] && this.ended[0].to <= now - RECENT_MS) this.ended.shift();
    if (message.receivedAt !== undefined)
      this.ended.push({ tenant: tenantOf(message), from: message.receivedAt, to: now });
  }

  /** How many ended spans are kept (they cover the recent window only). */
  get keptSpans(): number {
    return this.ended.length;
  }

  /**
   * Orders the visible messages for delivery: quiet tenants' first, then noisy tenants' by their in-flight count
   * (fewest first); within each, the queue's own order. Only when some message carries a group id does anything move.
   */
  order<T extends FairMessage>(visible: T[], all: Iterable<T>, now: number): T[] {
    if (!visible.some((message) => message.groupId !== undefined)) return visible;
    const inFlight = new Map<string, number>();
    const busyMs = new Map<string, number>();
    let totalInFlight = 0;
    let totalMs = 0;
    const addTime = (tenant: string, from: number, to: number) => {
      const ms = Math.max(0, Math.min(to, now) - Math.max(from, now - RECENT_MS));
      busyMs.set(tenant, (busyMs.get(tenant) ?? 0) + ms);
      totalMs += ms;
    };
    for (const message of all) {
      if (message.receive === undefined || message.visibleAt <= now || message.receivedAt === undefined)
        continue;
      const tenant = tenantOf(message);
      inFlight.set(tenant, (inFlight.get(tenant) ?? 0) + 1);
      totalInFlight += 1;
      addTime(tenant, message.receivedAt, now);
    }
    this.ended = this.ended.filter((span) => span.to > now - RECENT_MS);
    for (const span of this.ended) addTime(span.tenant, span.from, span.to);
    const noisy = (tenant: string) => {
      const flying = inFlight.get(tenant) ?? 0;
      const byConcurrency = flying >= MIN_IN_FLIGHT && flying > SHARE * totalInFlight;
      const byTime = totalMs > 0 && (busyMs.get(tenant) ?? 0) > SHARE * totalMs;
      return byConcurrency || byTime;
    };
    const rank = (message: T) => {
      const tenant = tenantOf(message);
      return noisy(tenant) ? 1 + (inFlight.get(tenant) ?? 0) : 0;
    };
    // A stable sort keeps the queue's order within a rank.
    return visible
      .map((message, index) => ({ message, index, rank: rank(message) }))
      .sort((a, b) => a.rank - b.rank || a.index - b.index)
      .map((entry) => entry.message);
  }
}
