import { describe, expect, it } from 'vitest';
import { LEASE_MARGIN_SECONDS } from '../../contract/env.js';
import { newEventId } from '../../fixtures/complycube.js';
import type { ClaimEventResult, SubscriberLedger } from '../../functions/subscriber/ledger.js';
import { createSubscriber } from '../../functions/subscriber/subscriber.js';
import { fixtureBusEvent } from '../helpers/bus-events.js';

/** A ledger that records the lease each claim asks for and grants every claim. */
function recordingLedger(): { ledger: SubscriberLedger; leases: number[] } {
  const leases: number[] = [];
  const ledger: SubscriberLedger = {
    claimEvent: async (key, leaseExpiresAt): Promise<ClaimEventResult> => {
      leases.push(leaseExpiresAt);
      return { outcome: 'claimed', claim: { key, token: 't' }, tookOver: false };
    },
    completeEvent: async () => 'completed',
    releaseEvent: async () => {},
    claimPosition: async () => ({ outcome: 'newest', previous: undefined }),
  };
  return { ledger, leases };
}

describe('once: the claim lease', () => {
  it('outlasts the invocation by the margin for two hosts’ clocks, so a copy elsewhere cannot take over a live run', async () => {
    const now = 1_800_000_000_000;
    const { ledger, leases } = recordingLedger();
    const invoke = createSubscriber({ once: true }, () => {}, {
      subscription: 'lease-test',
      ledger,
      now: () => now,
      write: () => {},
    });
    const event = fixtureBusEvent('check.completed.clear', {
      id: newEventId(),
      payload: { id: newEventId() },
    });

    await invoke(event, { getRemainingTimeInMillis: () => 42_000 });

    expect(leases).toEqual([now + 42_000 + LEASE_MARGIN_SECONDS * 1000]);
  });
});
