import { type Clock, systemClock } from './clock.js';
import type { CallOptions } from './deadline.js';
import { SecretUnavailableError } from './errors.js';
import type { SecretSource } from './ports/secret-source.js';

/**
 * Reads the stored value into the list of accepted webhook secrets.
 *
 * - Plain text: the webhook secret exactly as the provider's portal shows it (surrounding white
 *   space, such as a pasted newline, is ignored).
 * - A JSON object `{"current": "...", "next": "..."}`: both are accepted, which is how a rotation
 *   runs without downtime. `next` (or `previous`) is optional.
 *
 * A JSON object without a `current` string, such as the placeholder the stack creates, means the
 * secret has not been set yet.
 */
export function parseSecretValue(value: string, description: string): Buffer[] {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      // No `cause`: JSON.parse quotes the text around the fault, which would be part of the secret.
      throw new SecretUnavailableError(
        `${description} looks like JSON but does not parse; store the webhook secret as plain text or as {"current":"...","next":"..."}.`,
      );
    }
    const fields = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const { current } = fields;
    if (typeof current !== 'string' || current.trim() === '') {
      throw new SecretUnavailableError(
        `${description} has no webhook secret yet: put the secret from the provider's portal into it (see README, "Set the webhook secret").`,
      );
    }
    const secrets = [current, fields.next, fields.previous]
      .filter((s): s is string => typeof s === 'string' && s.trim() !== '')
      .map((s) => Buffer.from(s.trim(), 'utf8'));
    return secrets;
  }
  if (trimmed === '') {
    throw new SecretUnavailableError(
      `${description} is empty: put the secret from the provider's portal into it.`,
    );
  }
  return [Buffer.from(trimmed, 'utf8')];
}

export interface WebhookSecretsOptions {
  readonly source: SecretSource;
  readonly clock?: Clock;
  /** A failed signature refreshes the cache when it is older than this. @default 60_000 */
  readonly refreshAfterMs?: number;
  /**
   * With nothing cached, a failed fetch (Secrets Manager down, secret not set yet) is answered from
   * memory for this long, so a burst of requests does not become a burst of Secrets Manager calls.
   * @default 60_000 (so a forged flood costs at most one read a minute)
   */
  readonly retryFailureAfterMs?: number;
  /**
   * The cached copy is read again on the first request after it is this old. If Secrets Manager
   * cannot be reached the copy stays in use up to twice this age; if it answers with a value that
   * is no secret (emptied, reset), the copy is dropped at once. @default 300_000 (5 minutes)
   */
  readonly maxAgeMs?: number;
}

/**
 * The accepted webhook secrets, fetched once and cached (for at most `maxAgeMs`). A signature
 * that matches none of them triggers one re-fetch when the cached copy is older than
 * `refreshAfterMs`, so a rotated secret takes effect without a redeploy while a flood of forged
 * requests costs at most one Secrets Manager call a minute.
 */
export class WebhookSecrets {
  private readonly source: SecretSource;
  private readonly clock: Clock;
  private readonly refreshAfterMs: number;
  private cached: { readonly secrets: readonly Buffer[]; readonly fetchedAt: number } | undefined;
  /** The last failed fetch: repeated within `retryFailureAfterMs` without asking Secrets Manager again. */
  private failure: { readonly error: unknown; readonly at: number } | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<readonly Buffer[]> | undefined;
  private readonly retryFailureAfterMs: number;
  private readonly maxAgeMs: number;

  constructor(options: WebhookSecretsOptions) {
    this.source = options.source;
    this.clock = options.clock ?? systemClock;
    this.refreshAfterMs = options.refreshAfterMs ?? 60_000;
    this.retryFailureAfterMs = options.retryFailureAfterMs ?? 60_000;
    this.maxAgeMs = options.maxAgeMs ?? 300_000;
  }

  /** The cached secrets, fetching them on first use; `signal` gives up on a fetch this call starts. */
  async current(options?: CallOptions): Promise<readonly Buffer[]> {
    const cached = this.cached;
    if (cached !== undefined) {
      const now = this.clock.now();
      // Past its maximum age the copy is read again, so a secret removed after a rotation (or
      // because it leaked) stops verifying within `maxAgeMs` even if it keeps matching.
      const fresh = now - cached.fetchedAt < this.maxAgeMs;
      if (
        fresh ||
        (now - this.lastAttemptAt < this.refreshAfterMs && now - cached.fetchedAt < 2 * this.maxAgeMs)
      ) {
        return cached.secrets;
      }
      return this.load(options).catch((error: unknown) => {
        // Secrets Manager answered with a value that is not a secret (emptied, reset to a
        // placeholder): the cache is gone and nothing verifies. Unreachable: the old copy serves
        // for one more `maxAgeMs` at most, then requests get 503 until it can be read.
        if (this.cached === undefined || this.clock.now() - cached.fetchedAt >= 2 * this.maxAgeMs)
          throw error;
        return cached.secrets;
      });
    }
    const failure = this.failure;
    if (failure !== undefined && this.clock.now() - failure.at < this.retryFailureAfterMs)
      throw failure.error;
    return this.load(options);
  }

  /**
   * Fetches again if the last fetch (successful or not) is older than `refreshAfterMs` and returns
   * the new secrets; `undefined` when it is too soon to ask again. Throws if the fetch fails; the
   * cached secrets stay in use.
   */
  async refreshIfStale(options?: CallOptions): Promise<readonly Buffer[] | undefined> {
    if (this.clock.now() - this.lastAttemptAt < this.refreshAfterMs) return undefined;
    return this.load(options);
  }

  /** Starts the first fetch early (during Lambda init); a failure is retried on the first request. */
  async prefetch(): Promise<void> {
    try {
      await this.current();
    } catch {
      // Reported by the request that needs the secret, which tries again at once: init must not
      // fail because of it, nor make the first request wait out the failure back-off.
      this.failure = undefined;
    }
  }

  private load(options?: CallOptions): Promise<readonly Buffer[]> {
    // Concurrent callers share one fetch (in Lambda there is one request at a time).
    this.inflight ??= this.fetchAndParse(options).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchAndParse(options?: CallOptions): Promise<readonly Buffer[]> {
    this.lastAttemptAt = this.clock.now();
    try {
      let value: string;
      try {
        value = await this.source.fetch(options);
      } catch (error) {
        throw new SecretUnavailableError(`Could not read ${this.source.description}.`, { cause: error });
      }
      let secrets: Buffer[];
      try {
        secrets = parseSecretValue(value, this.source.description);
      } catch (error) {
        // The store answered, and what it holds is no secret: stop trusting the old copy.
        this.cached = undefined;
        throw error;
      }
      this.cached = { secrets, fetchedAt: this.clock.now() };
      this.failure = undefined;
      return secrets;
    } catch (error) {
      this.failure = { error, at: this.clock.now() };
      throw error;
    }
  }
}
