import type { CallOptions } from '../deadline.js';

/** One event for the bus. */
export interface BusEntry {
  readonly source: string;
  readonly detailType: string;
  /** A JSON object, as text. */
  readonly detail: string;
  readonly time: Date | undefined;
}

/** What publishing took. */
export interface PublishReceipt {
  /**
   * Requests sent for the entry. More than one means an earlier attempt failed or timed out and
   * may still have reached the bus: the event may be there twice (README, "Guarantees").
   */
  readonly attempts: number;
}

/** Puts events on the bus. Resolves only once the bus has accepted the entry. */
export interface Publisher {
  publish(entry: BusEntry, options?: CallOptions): Promise<PublishReceipt>;
}
