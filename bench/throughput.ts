/**
 * Requests per second end to end: the tuned bundle against the emulators, each concurrency level in
 * its own fresh process (load, warm-up, level); with the CPU each party used, so the table can say
 * who the bottleneck is. A Lambda sandbox serves one request at a time, so the concurrency-1
 * process is the one whose memory the budget counts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { runWorker } from './child.js';
import { percentile, round } from './stats.js';
import type { ThroughputLevel, ThroughputSample, WatchedProcess } from './workers/serve.js';

export interface ThroughputLevelResult {
  readonly concurrency: number;
  readonly requests: number;
  readonly rps: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  /** CPU cores busy on average: the receiver process, each emulator, the whole machine. */
  readonly cores: Readonly<Record<string, number>>;
  /** Who limits the rate: a party near a whole core, the machine's CPU, or the round trips. */
  readonly bottleneck: string;
  /** The peak RSS of the process that served this level (load and warm-up included). */
  readonly peakRssMiB: number;
}

export interface ThroughputResult {
  readonly levels: readonly ThroughputLevelResult[];
}

export interface ThroughputPlan {
  readonly node: string;
  readonly serveScript: string;
  readonly tunedBundle: string;
  readonly workDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly nextEvent: () => LambdaFunctionURLEvent;
  readonly requests: number;
  readonly concurrency: readonly number[];
  readonly watch: readonly WatchedProcess[];
  /** The machine's cores, to tell a saturated machine from a waiting receiver. */
  readonly cores: number;
}

/** A process this close to a whole core is saturated: a single-threaded server can do no more. */
const SATURATED_CORES = 0.8;

/**
 * Runs each throughput level in a fresh process that loads the tuned bundle.
 *
 * @example
 * const result = await measureThroughput({ …, requests: 200, concurrency: [1, 8, 32] });
 */
export async function measureThroughput(plan: ThroughputPlan): Promise<ThroughputResult> {
  const warmup = Math.min(20, plan.requests);
  const levels: ThroughputLevelResult[] = [];
  for (const concurrency of plan.concurrency) {
    const eventsFile = join(plan.workDir, `throughput-${concurrency}.json`);
    writeFileSync(eventsFile, JSON.stringify(Array.from({ length: warmup + plan.requests }, plan.nextEvent)));
    const { level, peakRssBytes } = await runWorker<ThroughputSample>({
      node: plan.node,
      script: plan.serveScript,
      input: {
        mode: 'throughput',
        bundle: plan.tunedBundle,
        eventsFile,
        warmup,
        requests: plan.requests,
        concurrency,
        watch: plan.watch,
      },
      env: plan.env,
    });
    const cores: Record<string, number> = { receiver: round(level.processCores) };
    for (const [name, used] of Object.entries(level.watchedCores)) cores[name] = round(used);
    const named = Object.values(cores).reduce((sum, used) => sum + used, 0);
    cores.other = round(Math.max(0, level.machineCores - named));
    levels.push({
      concurrency,
      requests: level.requests,
      rps: round(level.requests / level.seconds, 0),
      latencyMs: {
        p50: round(percentile(level.latenciesMs, 50), 1),
        p99: round(percentile(level.latenciesMs, 99), 1),
      },
      cores,
      bottleneck: bottleneck(level, plan.cores),
      peakRssMiB: round(peakRssBytes / 1024 ** 2, 1),
    });
  }
  return { levels };
}

/**
 * Who limits the rate: a party near a whole core (a single-threaded server can do no more); else a
 * machine with every core busy, emulators and the receiver sharing it, with how much went to
 * processes outside the bench; else the emulators' round trips, which the receiver waits on.
 */
function bottleneck(level: ThroughputLevel, machineCores: number): string {
  const parties = [['receiver', level.processCores] as const, ...Object.entries(level.watchedCores)];
  const [name, used] = parties.reduce((busiest, party) => (party[1] > busiest[1] ? party : busiest));
  if (used >= SATURATED_CORES) return `${name} (CPU)`;
  if (Object.keys(level.watchedCores).length === 0) return 'emulators (not sampled)';
  if (level.machineCores >= 0.9 * machineCores) {
    const outside = level.machineCores - parties.reduce((sum, party) => sum + party[1], 0);
    return `emulators, on a saturated machine (${outside.toFixed(1)} of ${machineCores} cores to other processes)`;
  }
  return 'emulator round trips';
}
