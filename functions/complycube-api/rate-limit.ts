/**
 * Client-side pacing: at most `perSecond` requests start in any window of one second.
 *
 * Why a sliding window and not a token bucket with a burst: ComplyCube documents "10 requests per
 * second" (5 in the sandbox) without saying how it counts. A bucket that holds `perSecond` tokens and
 * refills `perSecond` a second lets `2 × perSecond` requests through within one second (a full bucket,
 * then its refill), which a server counting over a sliding second answers with `429`. Keeping the
 * start times of the last `perSecond` requests and waiting until the oldest is a second (plus a 100 ms margin
 * for the network) old stays under the limit whichever way the server counts. It is the same rate;
 * the 429 back-off covers what the margin does not.
 */

export interface Pacer {
  /** Resolves when a request may start (and counts it as started). */
  take(signal?: AbortSignal): Promise<void>;
}

export interface SlidingWindowPacerOptions {
  readonly perSecond: number;
  /** Added to the one-second window, for the time a request takes to reach the server. @default 100 */
  readonly marginMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The documented limits: 5 requests a second with a `test_` key, 10 with a `live_` key. */
export const DOCUMENTED_RATE_LIMITS = { test: 5, live: 10 } as const;

export function slidingWindowPacer(options: SlidingWindowPacerOptions): Pacer {
  const { perSecond } = options;
  if (!Number.isInteger(perSecond) || perSecond < 1) {
    throw new RangeError(`perSecond must be a positive integer (got ${perSecond}).`);
  }
  const windowMs = 1000 + (options.marginMs ?? 100);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? abortableSleep;
  const starts: number[] = [];
  // One waiter at a time, in arrival order, so concurrent callers are served first come, first served.
  let queue: Promise<void> = Promise.resolve();

  async function acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const t = now();
      while (starts.length > 0 && t - (starts[0] ?? t) >= windowMs) starts.shift();
      if (starts.length < perSecond) {
        starts.push(t);
        return;
      }
      await sleep(windowMs - (t - (starts[0] ?? t)), signal);
    }
  }

  return {
    take(signal?: AbortSignal): Promise<void> {
      const turn = queue.then(() => acquire(signal));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}

/** `setTimeout` as a promise that rejects with the signal's reason when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
