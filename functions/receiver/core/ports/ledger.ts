import type { CallOptions } from '../deadline.js';

/**
 * The idempotency ledger: who has taken an event id, and whether it reached the bus.
 *
 * Lifecycle of one key:
 *
 *   (absent) ──claim──▶ IN_PROGRESS (lease) ──complete──▶ COMPLETED (until expiry)
 *                           │
 *                           └──release (publish failed)──▶ (absent)
 *
 * A record whose expiry has passed counts as absent even before DynamoDB's TTL deletes it (that can
 * lag by days). An IN_PROGRESS record whose lease has passed belongs to a crashed attempt and may
 * be claimed again.
 */
export interface Ledger {
  claim(request: ClaimRequest, options?: CallOptions): Promise<ClaimResult>;
  /** Marks a claim completed. Called only after the event is on the bus. */
  complete(claim: Claim, options?: CallOptions): Promise<CompleteResult>;
  /** Removes a claim so the provider's retry is processed. Only removes the caller's own claim. */
  release(claim: Claim, options?: CallOptions): Promise<void>;
}

export interface ClaimRequest {
  /** `<provider>#<event id>`. */
  readonly key: string;
  readonly eventType: string;
  /** Hex SHA-256 of the body, kept to notice an id that comes back with a different body. */
  readonly bodySha256: string;
}

/** Proof of a claim: only its holder can complete or release it. */
export interface Claim {
  readonly key: string;
  readonly token: string;
  /** True when this claim took over an expired lease or an expired record. */
  readonly tookOver: boolean;
}

export type ClaimResult =
  | { readonly outcome: 'claimed'; readonly claim: Claim }
  | { readonly outcome: 'duplicate'; readonly bodySha256: string | undefined }
  | { readonly outcome: 'in_progress'; readonly leaseExpiresAt: number };

/** `lease_lost`: another attempt took the key over before this one completed (see README). */
export type CompleteResult = 'completed' | 'lease_lost';
