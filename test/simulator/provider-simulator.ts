/**
 * A stand-in for ComplyCube: signs events with the webhook secret, POSTs them to a receiver URL,
 * retries every non-2xx on ComplyCube's schedule (compressed in time), re-sends some events as
 * duplicates (some at the same moment as the original, some later) and delivers in shuffled
 * order. With `webhook`, it also follows ComplyCube's give-up rule: when a delivery fails its last
 * retry, the webhook is disabled and nothing more is delivered (no attempt, no retry) until it is
 * enabled again, and what was dropped is never redelivered. It reports what the provider would
 * see; what reached the bus is for the caller to count.
 */
import { createHmac } from 'node:crypto';
import { COMPLYCUBE_RETRY_DELAYS_SECONDS } from '../../fixtures/complycube-retry-schedule.js';

export interface SimulatorOptions {
  readonly url: string;
  readonly secret: string;
  /** The events to send, as JSON text; each is delivered at least once. */
  readonly events: readonly string[];
  /** Share of events delivered a second time. @default 0.1 */
  readonly duplicateRate?: number;
  /** Share of those duplicates sent at the same moment as the original. @default 0.5 */
  readonly concurrentDuplicateShare?: number;
  /** @default true */
  readonly shuffle?: boolean;
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Real seconds per ComplyCube second: 0.001 turns 60 s into 60 ms. @default 0.001 */
  readonly timeScale?: number;
  /** How long an attempt may take before it counts as failed, in ms. @default 15_000 */
  readonly attemptTimeoutMs?: number;
  /** Seed of the simulator's randomness (shuffle, duplicates). @default 1 */
  readonly seed?: number;
  /**
   * The webhook as the provider keeps it (e.g. in the ComplyCube API emulator). Given, the
   * simulator disables it after a delivery's last retry failed and drops every delivery and retry
   * while it is disabled. @default - the give-up rule is off: deliveries only run out of retries
   */
  readonly webhook?: SimulatedWebhook;
}

/** The provider's switch for the webhook the simulator delivers to. */
export interface SimulatedWebhook {
  isEnabled(): boolean;
  /** What ComplyCube does after the tenth retry failed. */
  disable(): void;
}

export interface SimulatorReport {
  /** Deliveries started (events plus duplicates). */
  readonly deliveries: number;
  readonly uniqueEvents: number;
  readonly attempts: number;
  readonly retries: number;
  /** Deliveries that got no 2xx after every retry (ComplyCube would disable the webhook). */
  readonly gaveUp: number;
  /** Deliveries dropped, before an attempt or a retry, because the webhook was disabled. */
  readonly dropped: number;
  /** True when this run disabled the webhook (the give-up rule, `webhook` given). */
  readonly disabledWebhook: boolean;
  /** Answers by status; `error` for an attempt that got no HTTP answer. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Milliseconds per attempt, sorted. */
  readonly latenciesMs: readonly number[];
}

/** A small seeded generator (mulberry32), so a run can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

class Semaphore {
  private available: number;
  private readonly waiting: (() => void)[] = [];
  constructor(count: number) {
    this.available = count;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.available++;
    }
  }
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Runs the deliveries to completion (every one acknowledged or out of retries) and reports. */
export async function simulateProvider(options: SimulatorOptions): Promise<SimulatorReport> {
  const random = seededRandom(options.seed ?? 1);
  const timeScale = options.timeScale ?? 0.001;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 15_000;
  const slots = new Semaphore(options.concurrency ?? 8);
  const byStatus: Record<string, number> = {};
  const latencies: number[] = [];
  let attempts = 0;
  let gaveUp = 0;
  let dropped = 0;
  let firstAttempts = 0;
  let disabledWebhook = false;
  const webhook = options.webhook;
  const enabled = (): boolean => webhook === undefined || webhook.isEnabled();

  const attempt = async (body: string): Promise<number> => {
    const started = performance.now();
    let status: string;
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'complycube-signature': createHmac('sha256', options.secret).update(body).digest('hex'),
        },
        body,
        signal: AbortSignal.timeout(attemptTimeoutMs),
      });
      await response.arrayBuffer();
      status = String(response.status);
    } catch {
      status = 'error';
    }
    latencies.push(performance.now() - started);
    attempts++;
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    return status === 'error' ? 0 : Number(status);
  };

  // Each attempt first looks at the webhook: once disabled, ComplyCube sends nothing more. The
  // last attempt gives up inside its slot, so no other attempt starts between its failure and the
  // webhook being disabled.
  const attemptIfEnabled = (body: string, last: boolean): Promise<number | undefined> =>
    slots.run(async () => {
      if (!enabled()) return undefined;
      const status = await attempt(body);
      if (last && (status < 200 || status >= 300)) {
        gaveUp++;
        if (webhook?.isEnabled()) {
          webhook.disable();
          disabledWebhook = true;
        }
      }
      return status;
    });

  const deliver = async (body: string): Promise<void> => {
    const retries = COMPLYCUBE_RETRY_DELAYS_SECONDS;
    let status = await attemptIfEnabled(body, retries.length === 0);
    if (status !== undefined) firstAttempts++;
    for (const [index, delay] of retries.entries()) {
      if (status === undefined || (status >= 200 && status < 300)) break;
      await new Promise((resolve) => setTimeout(resolve, delay * 1000 * timeScale));
      status = await attemptIfEnabled(body, index === retries.length - 1);
    }
    if (status === undefined) dropped++;
  };

  // Plan: each event once; some again at the same moment; some again later, in shuffled order.
  const together: string[][] = [];
  const later: string[] = [];
  for (const body of options.events) {
    if (random() < (options.duplicateRate ?? 0.1)) {
      if (random() < (options.concurrentDuplicateShare ?? 0.5)) {
        together.push([body, body]);
        continue;
      }
      later.push(body);
    }
    together.push([body]);
  }
  const first = options.shuffle === false ? together : shuffled(together, random);
  const second = options.shuffle === false ? later : shuffled(later, random);
  const deliveries = first.reduce((n, group) => n + group.length, 0) + second.length;

  // The later duplicates start at random moments while the originals are in flight, so a copy
  // can arrive before, during or after its original.
  const spreadMs = Math.max(50, options.events.length * 2);
  await Promise.all([
    ...first.map((group) => Promise.all(group.map(deliver))),
    ...second.map(async (body) => {
      await new Promise((resolve) => setTimeout(resolve, random() * spreadMs));
      await deliver(body);
    }),
  ]);

  return {
    deliveries,
    uniqueEvents: new Set(options.events).size,
    attempts,
    retries: attempts - firstAttempts,
    gaveUp,
    dropped,
    disabledWebhook,
    byStatus,
    latenciesMs: latencies.sort((a, b) => a - b),
  };
}
