/** CPU per request of the real handler with instant AWS (see `workers/warm.ts`), for each body size. */
import type { ComplyCubeEvent } from '../fixtures/complycube.js';
import { runWorker } from './child.js';
import { BODY_SIZES } from './events.js';
import { percentile, round } from './stats.js';
import type { WarmSample } from './workers/warm.js';

export interface WarmSizeResult {
  readonly label: string;
  readonly bytes: number;
  readonly requests: number;
  readonly cpuMs: { readonly p50: number; readonly p99: number };
}

export interface WarmResult {
  readonly sizes: readonly WarmSizeResult[];
  /** Requests per second with instant AWS, 2 KB bodies, by concurrency: what our code alone allows. */
  readonly instantRps: Readonly<Record<string, number>>;
  /** Calls the receiver made to each AWS operation over the whole warm run. */
  readonly calls: Readonly<Record<string, number>>;
  readonly peakRssMiB: number;
}

export interface WarmPlan {
  readonly node: string;
  readonly warmScript: string;
  readonly env: Readonly<Record<string, string>>;
  readonly base: ComplyCubeEvent;
  readonly secret: string;
  readonly requests: number;
  readonly concurrency: readonly number[];
}

/**
 * Measures warm CPU per request for 2 KB, 64 KB and 1 MB bodies in one process.
 *
 * @example
 * const warm = await measureWarm({ warmScript, env, base, secret, requests: 200, concurrency: [1, 8, 32] });
 * warm.sizes[0]?.cpuMs.p50; // e.g. 0.9
 */
export async function measureWarm(plan: WarmPlan): Promise<WarmResult> {
  const sample = await runWorker<WarmSample>({
    node: plan.node,
    script: plan.warmScript,
    input: {
      base: plan.base,
      secret: plan.secret,
      sizes: BODY_SIZES,
      // Enough for V8 to optimise the hot path before anything is counted.
      warmup: Math.max(20, Math.min(200, plan.requests)),
      requests: plan.requests,
      concurrency: plan.concurrency,
    },
    env: plan.env,
  });
  return {
    sizes: sample.sizes.map((size) => ({
      label: size.label,
      bytes: size.bytes,
      requests: size.cpuMs.length,
      cpuMs: { p50: round(percentile(size.cpuMs, 50), 3), p99: round(percentile(size.cpuMs, 99), 3) },
    })),
    instantRps: Object.fromEntries(
      sample.instant.map((level) => [String(level.concurrency), round(level.requests / level.seconds, 0)]),
    ),
    calls: sample.calls,
    peakRssMiB: round(sample.peakRssBytes / 1024 ** 2, 1),
  };
}
