import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * When a request must have its answer: the function's own timeout, less a margin for writing the
 * log line and returning. Every call to the outside world is bounded by it, so the receiver answers
 * a stall with its own 503 instead of running into the platform's timeout (which answers 502 and
 * throws the environment away). Times are `performance.now()` milliseconds: monotonic, and apart
 * from the injectable clock the ledger writes with.
 *
 * @example
 * const deadline = Deadline.after(context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS);
 * await deadline.bound((signal) => publisher.publish(entry, { signal }), { reserveMs: RELEASE_RESERVE_MS, onExpiry });
 */
export class Deadline {
  private constructor(private readonly at: number) {}

  /** A deadline `ms` milliseconds from now. */
  static after(ms: number): Deadline {
    return new Deadline(performance.now() + ms);
  }

  /** Milliseconds left; negative once passed. */
  remainingMs(): number {
    return this.at - performance.now();
  }

  /**
   * Runs `call` with a signal that aborts `reserveMs` before the deadline, and settles by then
   * whatever `call` does with the signal: an adapter that ignores it still cannot hold the answer
   * back. At expiry it rejects with `onExpiry(true)`, whose `cause` should say what was cut short;
   * with no time left to start it, `call` is never made and it rejects with `onExpiry(false)`.
   */
  async bound<T>(
    call: (signal: AbortSignal) => Promise<T>,
    options: { readonly reserveMs?: number; readonly onExpiry: (started: boolean) => Error },
  ): Promise<T> {
    const budgetMs = this.remainingMs() - (options.reserveMs ?? 0);
    if (budgetMs <= 0) throw options.onExpiry(false);
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = options.onExpiry(true);
        controller.abort(error);
        reject(error);
      }, budgetMs);
    });
    // Never left unhandled: if `call` settles first the timer is cleared and this never rejects.
    expired.catch(() => {});
    try {
      const stepEndsAt = performance.now() + budgetMs;
      return await Promise.race([stepScope.run(stepEndsAt, () => call(controller.signal)), expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** How an adapter is told to give up: the signal of `Deadline.bound`. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** When the `bound` step the current code runs in must end (`performance.now()` milliseconds). */
const stepScope = new AsyncLocalStorage<number>();

/**
 * Milliseconds left to the `bound` step this code runs inside, or `undefined` outside one. Retry
 * strategies read it: one is shared by every call of a client, and a deadline belongs to a request.
 */
export function stepRemainingMs(): number | undefined {
  const endsAt = stepScope.getStore();
  return endsAt === undefined ? undefined : endsAt - performance.now();
}
