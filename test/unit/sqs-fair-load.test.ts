import { describe, expect, it } from 'vitest';
import { RECENT_MS, TenantLoad } from '../../local/sqs/fairness.js';

describe('fair queue load (local SQS)', () => {
  it('keeps only the recent window of ended processing, also on a queue whose messages carry no group id', () => {
    const load = new TenantLoad();
    // A queue without group ids never orders its messages: deletes alone must not keep every span forever.
    for (let i = 0; i < 1_000; i += 1)
      load.finished({ id: `m${i}`, visibleAt: 0, receivedAt: i * 1_000 }, i * 1_000 + 10);
    expect(load.keptSpans).toBeLessThanOrEqual(RECENT_MS / 1_000 + 1);
    expect(load.keptSpans).toBeGreaterThan(0);
  });
});
