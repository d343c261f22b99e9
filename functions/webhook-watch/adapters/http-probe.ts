import { randomBytes } from 'node:crypto';
import type { ProbeResult, ReceiverProbe } from '../core/ports.js';

export interface HttpProbeOptions {
  /** The receiver's function URL. */
  readonly url: string;
  /** Header that carries the provider's signature, lowercase (`complycube-signature`). */
  readonly signatureHeader: string;
  /** @default 10_000 */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/**
 * The receiver's health, as a delivery would find it: a request through the function URL with a
 * well-formed signature no secret produced. A healthy receiver starts, loads its webhook secret,
 * verifies, and refuses it with 401, writing and publishing nothing. Anything else says a real
 * delivery would fail too: 503 (secret not set, a dependency down), 429 (concurrency taken by a
 * flood), 5xx or no answer (a broken deploy).
 *
 * What it cannot see: a secret that differs from ComplyCube's (deliveries then get 401 as well)
 * and a bus or table that fails only on writes; the receiver's own alarms cover those
 * (docs/catch-up.md).
 */
export class HttpProbe implements ReceiverProbe {
  constructor(private readonly options: HttpProbeOptions) {}

  async probe(): Promise<ProbeResult> {
    const body = JSON.stringify({
      probe: 'complycube-webhooks webhook watch',
      nonce: randomBytes(8).toString('hex'),
    });
    try {
      const response = await (this.options.fetch ?? fetch)(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [this.options.signatureHeader]: randomBytes(32).toString('hex'),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      const healthy = response.status === 401;
      return {
        healthy,
        status: response.status,
        detail: healthy
          ? 'the receiver verified the probe and refused it as unsigned by the secret (401), as it should'
          : `the receiver answered ${response.status}; a delivery would not be taken in`,
      };
    } catch (error) {
      return {
        healthy: false,
        status: undefined,
        detail: `no answer from the receiver: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
}
