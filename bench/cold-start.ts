/**
 * Cold starts of the tuned and the baseline bundle, interleaved (ABBA, after one discarded pair) so
 * that drift on the machine or in the emulators falls on both alike. Each start is a fresh `node`
 * process that loads a bundle and serves one new, signed 2 KB event against the emulators.
 *
 * The ratios the budget judges are paired: each round's tuned start over its baseline start, run
 * back to back, then the median of those. On a shared machine whose load comes and goes, that
 * cancels what a ratio of two medians cannot; both are reported.
 */
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { runWorker } from './child.js';
import { median, round, type Spread, spread } from './stats.js';
import type { ColdStartSample, ServeInput } from './workers/serve.js';

export interface ColdStartSide {
  readonly bootMs: Spread;
  readonly loadMs: Spread;
  readonly firstRequestMs: Spread;
  readonly loadAndFirstMs: Spread;
  readonly peakRssMiB: Spread;
}

export interface ColdStartResult {
  readonly runs: number;
  readonly tuned: ColdStartSide;
  readonly baseline: ColdStartSide;
  /** A hello-world handler module, bundled and loaded the same way, in the same rounds. */
  readonly floor: { readonly loadMs: Spread; readonly bootMs: Spread };
  /** The tuned bundle's median load above the floor's: what the receiver's own load costs. */
  readonly aboveFloorMs: number;
  /** Median over the rounds of tuned over baseline, each round's two starts run back to back. */
  readonly ratio: { readonly load: number; readonly loadAndFirst: number; readonly firstRequest: number };
  /** Tuned median over baseline median. */
  readonly ratioOfMedians: { readonly load: number; readonly loadAndFirst: number };
}

export interface ColdStartPlan {
  readonly node: string;
  readonly runs: number;
  readonly serveScript: string;
  readonly tunedBundle: string;
  readonly baselineBundle: string;
  readonly floorBundle: string;
  readonly env: Readonly<Record<string, string>>;
  readonly nextEvent: () => LambdaFunctionURLEvent;
  readonly progress: (message: string) => void;
}

/**
 * Runs `runs` cold starts of each bundle and summarises them.
 *
 * @example
 * const cold = await measureColdStarts({ runs: 15, serveScript, tunedBundle, baselineBundle, env, nextEvent, progress });
 * cold.ratio.load; // e.g. 0.4
 */
export async function measureColdStarts(plan: ColdStartPlan): Promise<ColdStartResult> {
  const samples: Record<'tuned' | 'baseline', ColdStartSample[]> = { tuned: [], baseline: [] };
  const start = (which: 'tuned' | 'baseline'): Promise<ColdStartSample> => {
    const input: ServeInput = {
      mode: 'cold-start',
      bundle: which === 'tuned' ? plan.tunedBundle : plan.baselineBundle,
      event: plan.nextEvent(),
    };
    return runWorker<ColdStartSample>({
      node: plan.node,
      script: plan.serveScript,
      input,
      env: plan.env,
      timeoutMs: 60_000,
    });
  };
  const floorStart = (): Promise<ColdStartSample> =>
    runWorker<ColdStartSample>({
      node: plan.node,
      script: plan.serveScript,
      input: { mode: 'load-only', bundle: plan.floorBundle } satisfies ServeInput,
      env: plan.env,
      timeoutMs: 60_000,
    });
  const floorSamples: ColdStartSample[] = [];
  // The first start of each reads the bundle from disk and meets the emulators cold: not a sample.
  await start('tuned');
  await start('baseline');
  await floorStart();
  for (let run = 0; run < plan.runs; run++) {
    const order = run % 2 === 0 ? (['tuned', 'baseline'] as const) : (['baseline', 'tuned'] as const);
    for (const which of order) samples[which].push(await start(which));
    floorSamples.push(await floorStart());
    plan.progress(`cold start ${run + 1}/${plan.runs}`);
  }
  const tuned = summarise(samples.tuned);
  const baseline = summarise(samples.baseline);
  const floor = summarise(floorSamples);
  const paired = (figure: (sample: ColdStartSample) => number): number =>
    round(
      median(
        samples.tuned.map((sample, round) => {
          const other = samples.baseline[round];
          if (other === undefined) throw new Error(`Cold-start round ${round + 1} has no baseline start.`);
          return figure(sample) / figure(other);
        }),
      ),
      3,
    );
  return {
    runs: plan.runs,
    tuned,
    baseline,
    floor: { loadMs: floor.loadMs, bootMs: floor.bootMs },
    aboveFloorMs: round(tuned.loadMs.median - floor.loadMs.median),
    ratio: {
      load: paired((s) => s.loadMs),
      loadAndFirst: paired((s) => s.loadMs + s.firstRequestMs),
      firstRequest: paired((s) => s.firstRequestMs),
    },
    ratioOfMedians: {
      load: round(tuned.loadMs.median / baseline.loadMs.median, 3),
      loadAndFirst: round(tuned.loadAndFirstMs.median / baseline.loadAndFirstMs.median, 3),
    },
  };
}

function summarise(samples: readonly ColdStartSample[]): ColdStartSide {
  const rounded = (values: number[]): Spread => {
    const s = spread(values);
    return { median: round(s.median), min: round(s.min), max: round(s.max), p99: round(s.p99), n: s.n };
  };
  return {
    bootMs: rounded(samples.map((s) => s.bootMs)),
    loadMs: rounded(samples.map((s) => s.loadMs)),
    firstRequestMs: rounded(samples.map((s) => s.firstRequestMs)),
    loadAndFirstMs: rounded(samples.map((s) => s.loadMs + s.firstRequestMs)),
    peakRssMiB: rounded(samples.map((s) => s.peakRssBytes / 1024 ** 2)),
  };
}
