import type { CallOptions } from '../deadline.js';

/** Where a body too large for the bus is kept; the bus then carries a pointer to it. */
export interface PayloadStore {
  /** Stores `body` under `key`. Storing the same key twice stores the same bytes. */
  put(key: string, body: Buffer, contentType: string, options?: CallOptions): Promise<StoredPayload>;
}

/** A pointer to a stored body, as subscribers find it in the event's detail. */
export interface StoredPayload {
  readonly bucket: string;
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;
}
