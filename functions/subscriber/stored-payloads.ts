import type { StoredPayloadPointer } from './read-event.js';

/** Fetches a body the receiver stored because it was too large for the bus. */
export interface StoredPayloads {
  /** The stored bytes; throws when they cannot be fetched (the invocation is then retried). */
  get(pointer: StoredPayloadPointer): Promise<Buffer>;
}
