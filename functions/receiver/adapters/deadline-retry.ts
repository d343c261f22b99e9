import { MAXIMUM_RETRY_DELAY, Retry, StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from '@smithy/types';
import { stepRemainingMs } from '../core/deadline.js';

/** No further attempt: what is left of the request's time could not hold one. */
export class NoTimeForAnotherAttemptError extends Error {
  override readonly name = 'NoTimeForAnotherAttemptError';
}

/**
 * The SDK's standard retry strategy (backoff with jitter), which starts no attempt that could not
 * finish before the current step's deadline (`Deadline.bound`): the longest backoff it might wait
 * plus one whole attempt (`attemptMs`, the client's request timeout) must fit in what is left.
 * The SDK then gives up with the last attempt's error, and the claim is released in the time kept
 * for it. Outside a bounded step it is the standard strategy.
 *
 * @example
 * new EventBridgeClient({ retryStrategy: new DeadlineRetryStrategy({ maxAttempts: 2, attemptMs: 2_500 }) });
 */
export class DeadlineRetryStrategy implements RetryStrategyV2 {
  private readonly inner: StandardRetryStrategy;
  private readonly attemptMs: number;

  constructor(options: { readonly maxAttempts: number; readonly attemptMs: number }) {
    this.inner = new StandardRetryStrategy(options.maxAttempts);
    this.attemptMs = options.attemptMs;
  }

  acquireInitialRetryToken(retryTokenScope: string): Promise<StandardRetryToken> {
    return this.inner.acquireInitialRetryToken(retryTokenScope);
  }

  async refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const remaining = stepRemainingMs();
    if (remaining !== undefined) {
      const base = errorInfo.errorType === 'THROTTLING' ? Retry.throttlingDelay() : Retry.delay();
      const computed = Math.min(MAXIMUM_RETRY_DELAY, base * 2 ** token.getRetryCount());
      // The standard strategy waits for a Retry-After hint too, up to 5 s past its own backoff.
      const hinted =
        errorInfo.retryAfterHint instanceof Date
          ? Math.min(errorInfo.retryAfterHint.getTime() - Date.now(), computed + 5_000)
          : 0;
      const longestBackoff = Math.max(computed, hinted);
      if (remaining < longestBackoff + this.attemptMs) {
        throw new NoTimeForAnotherAttemptError(
          `${Math.round(remaining)} ms left: not enough for a backoff of up to ${longestBackoff} ms and an attempt of up to ${this.attemptMs} ms.`,
        );
      }
    }
    return this.inner.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: StandardRetryToken): void {
    this.inner.recordSuccess(token);
  }
}
