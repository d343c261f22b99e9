import { describe, expect, it } from 'vitest';
import {
  DeadlineRetryStrategy,
  NoTimeForAnotherAttemptError,
} from '../../functions/receiver/adapters/deadline-retry.js';
import { Deadline, stepRemainingMs } from '../../functions/receiver/core/deadline.js';

class Expired extends Error {
  override readonly name = 'Expired';
}

describe('Deadline.bound', () => {
  it('settles at the deadline less the reserve, aborting the signal, even when the call ignores it', async () => {
    const deadline = Deadline.after(150);
    let seen: AbortSignal | undefined;
    const started = performance.now();

    const outcome = deadline
      .bound(
        (signal) => {
          seen = signal;
          return new Promise<never>(() => {});
        },
        { reserveMs: 100, onExpiry: () => new Expired('too late') },
      )
      .catch((error: unknown) => error);

    expect(await outcome).toBeInstanceOf(Expired);
    expect(performance.now() - started).toBeLessThan(140);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(Expired);
  });

  it('does not start a call when the reserve leaves it no time', async () => {
    let called = false;

    const outcome = Deadline.after(50).bound(
      async () => {
        called = true;
      },
      { reserveMs: 100, onExpiry: () => new Expired('no time') },
    );

    await expect(outcome).rejects.toBeInstanceOf(Expired);
    expect(called).toBe(false);
  });

  it('tells code inside the call how long its step has left, and nothing outside one', async () => {
    const inside = await Deadline.after(10_000).bound(async () => stepRemainingMs(), {
      reserveMs: 1_000,
      onExpiry: () => new Expired('x'),
    });

    expect(inside).toBeGreaterThan(8_900);
    expect(inside).toBeLessThanOrEqual(9_000);
    expect(stepRemainingMs()).toBeUndefined();
  });
});

describe('DeadlineRetryStrategy', () => {
  const transient = { errorType: 'TRANSIENT' } as const;

  it('allows a retry when a backoff and a whole attempt fit in the step', async () => {
    const strategy = new DeadlineRetryStrategy({ maxAttempts: 2, attemptMs: 100 });
    const token = await strategy.acquireInitialRetryToken('scope');

    const next = await Deadline.after(5_000).bound(
      () => strategy.refreshRetryTokenForRetry(token, transient),
      {
        onExpiry: () => new Expired('x'),
      },
    );

    expect(next.getRetryCount()).toBe(1);
  });

  it('refuses a retry that could not finish before the step ends', async () => {
    const strategy = new DeadlineRetryStrategy({ maxAttempts: 2, attemptMs: 2_500 });
    const token = await strategy.acquireInitialRetryToken('scope');

    const outcome = Deadline.after(2_000).bound(() => strategy.refreshRetryTokenForRetry(token, transient), {
      onExpiry: () => new Expired('x'),
    });

    await expect(outcome).rejects.toBeInstanceOf(NoTimeForAnotherAttemptError);
  });

  it("counts a throttling answer's Retry-After hint in the wait it must fit", async () => {
    const strategy = new DeadlineRetryStrategy({ maxAttempts: 2, attemptMs: 100 });
    const token = await strategy.acquireInitialRetryToken('scope');
    const hinted = { errorType: 'TRANSIENT', retryAfterHint: new Date(Date.now() + 2_900) } as const;

    const outcome = Deadline.after(3_000).bound(() => strategy.refreshRetryTokenForRetry(token, hinted), {
      onExpiry: () => new Expired('x'),
    });

    await expect(outcome).rejects.toBeInstanceOf(NoTimeForAnotherAttemptError);
  });

  it('is the standard strategy outside a bounded step', async () => {
    const strategy = new DeadlineRetryStrategy({ maxAttempts: 2, attemptMs: 60_000 });
    const token = await strategy.acquireInitialRetryToken('scope');

    const next = await strategy.refreshRetryTokenForRetry(token, transient);

    expect(next.getRetryCount()).toBe(1);
  });
});
