/**
 * What `onEvents` needs from its table, as a port: one record per event id (`once`) and one per
 * resource (`order: 'latest'`), both under the subscription's name. The DynamoDB adapter
 * (`dynamodb-subscriber-ledger.ts`) is the one in use; tests drive the same adapter against
 * DynamoDB Local.
 */

/** The claim on one event, held while the user's code runs. */
export interface EventClaim {
  readonly key: string;
  /** Unique per claim: only the holder completes or releases it. */
  readonly token: string;
}

export type ClaimEventResult =
  | { readonly outcome: 'claimed'; readonly claim: EventClaim; readonly tookOver: boolean }
  /** Another copy ran the user's code to the end already. */
  | { readonly outcome: 'duplicate'; readonly completedAt: number | undefined }
  /** Another copy holds the claim and its invocation may still be running. */
  | { readonly outcome: 'in_progress'; readonly leaseExpiresAt: number };

/** Where the resource stands: the newest event that got to run for it. */
export interface Position {
  /** Milliseconds since the epoch of the state that event described (see `orderTime`). */
  readonly at: number;
  readonly eventId: string;
}

export type ClaimPositionResult =
  | { readonly outcome: 'newest'; readonly previous: Position | undefined }
  /** An event for a state as new or newer already holds the position. */
  | { readonly outcome: 'stale'; readonly held: Position };

export interface SubscriberLedger {
  /**
   * Claims an event for this invocation until `leaseExpiresAt` (the invocation's deadline). A
   * claim whose lease has passed is taken over: its holder can no longer be running.
   */
  claimEvent(key: string, leaseExpiresAt: number): Promise<ClaimEventResult>;
  /** Marks the event done. `lease_lost` when someone took the claim over meanwhile. */
  completeEvent(claim: EventClaim): Promise<'completed' | 'lease_lost'>;
  /** Gives the claim up so a retry runs the user's code again; only the holder's own claim is deleted. */
  releaseEvent(claim: EventClaim): Promise<void>;
  /**
   * Moves the resource's position to this event if it describes a newer state, or is the event
   * already holding it (its retry). One conditional write: of two concurrent deliveries, at most
   * one can move it past the other.
   */
  claimPosition(key: string, position: Position): Promise<ClaimPositionResult>;
}
