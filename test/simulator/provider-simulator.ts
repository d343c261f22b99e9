/**
 * A stand-in for ComplyCube: signs events with the webhook secret, POSTs them to a receiver URL,
 * retries every non-2xx on ComplyCube's schedule (compressed in time), re-sends some events as
 * duplicates (some at the same moment as the original, some later) and delivers in shuffled
 * order. It reports what the provider would see; what reached the bus is for the caller to count.
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
}

export interface SimulatorReport {
  /** Deliveries started (events plus duplicates). */
  readonly deliveries: number;
  readonly uniqueEvents: number;
  readonly attempts: number;
  readonly retries: number;
  /** Deliveries that got no 2xx after every retry (ComplyCube would disable the webhook). */
  readonly gaveUp: number;
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

  const deliver = async (body: string): Promise<void> => {
    let status = await slots.run(() => attempt(body));
    for (const delay of COMPLYCUBE_RETRY_DELAYS_SECONDS) {
      if (status >= 200 && status < 300) return;
      await new Promise((resolve) => setTimeout(resolve, delay * 1000 * timeScale));
      status = await slots.run(() => attempt(body));
    }
    if (status < 200 || status >= 300) gaveUp++;
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
    retries: attempts - deliveries,
    gaveUp,
    byStatus,
    latenciesMs: latencies.sort((a, b) => a - b),
  };
}
