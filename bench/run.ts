/**
 * The whole bench: the receiver's bundle, cold start, warm CPU, throughput and memory, measured the
 * same way every time, with a verdict per budget line. `bench/main.ts` is the command line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFixture } from '../fixtures/complycube.js';
import { checkBudget } from './budget.js';
import { buildBundles, buildWorker } from './bundles.js';
import { measureColdStarts } from './cold-start.js';
import { sizedEvents } from './events.js';
import { machineFacts } from './machine.js';
import type { BenchOptions } from './options.js';
import type { BenchResult } from './report.js';
import { openStage } from './stage.js';
import { measureThroughput } from './throughput.js';
import { measureWarm } from './warm.js';

const CONCURRENCY = [1, 8, 32] as const;
const EVENT_TYPE = 'check.completed.clear';

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function worker(name: string): string {
  return fileURLToPath(new URL(`./workers/${name}.ts`, import.meta.url));
}

/**
 * Runs every measurement and returns the result; the caller prints and writes it.
 *
 * @example
 * const result = await runBench({ runs: 15, requests: 200, out: 'bench-results/latest.json', dynamodbEndpoint: undefined, motoEndpoint: undefined, node: process.execPath });
 */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const workDir = mkdtempSync(join(tmpdir(), 'receiver-bench-'));
  const stage = await openStage({ ...options, progress });
  try {
    progress('building the tuned and the baseline bundle…');
    const bundles = await buildBundles(workDir);
    const [serveScript, warmScript] = await Promise.all([
      buildWorker(worker('serve'), join(workDir, 'workers', 'serve.mjs')),
      buildWorker(worker('warm'), join(workDir, 'workers', 'warm.mjs'), {
        '@smithy/node-http-handler': worker('instant-aws'),
      }),
    ]);
    const base = loadFixture(EVENT_TYPE);
    const nextEvent = sizedEvents(base, 2 * 1024, stage.secret);

    progress(`cold starts: ${options.runs} of each bundle, interleaved…`);
    const coldStart = await measureColdStarts({
      node: options.node,
      runs: options.runs,
      serveScript,
      tunedBundle: bundles.tuned.file,
      baselineBundle: bundles.baseline.file,
      floorBundle: bundles.floor.file,
      env: stage.receiverEnv,
      nextEvent,
      progress,
    });

    progress('warm CPU per request with instant AWS…');
    const warm = await measureWarm({
      node: options.node,
      warmScript,
      // A bus that takes 1 MiB entries, so a 1 MB event is published as it is. Above the default
      // 256 KiB the receiver would store the body in S3 with its own HTTPS request, which instant
      // AWS cannot answer.
      env: { ...stage.receiverEnv, MAX_BUS_ENTRY_BYTES: '1048576' },
      base,
      secret: stage.secret,
      requests: options.requests,
      concurrency: CONCURRENCY,
    });

    progress('throughput against the emulators…');
    const throughput = await measureThroughput({
      node: options.node,
      serveScript,
      tunedBundle: bundles.tuned.file,
      workDir,
      env: stage.receiverEnv,
      nextEvent,
      requests: options.requests,
      concurrency: CONCURRENCY,
      watch: stage.emulatorProcesses,
      cores: machineFacts(options.node).cores,
    });

    // A sandbox serves one request at a time: the concurrency-1 process is the one like it.
    const sequential = throughput.levels.find((level) => level.concurrency === 1);
    if (sequential === undefined) throw new Error('The throughput bench did not run at concurrency 1.');
    const memory = {
      // What loading the bundle and serving a request costs. A process serving on peaks higher
      // as V8 collects lazily (its heap in use stays flat); that figure is reported beside it.
      peakRssMiB: coldStart.tuned.peakRssMiB.median,
      coldStartTunedMiB: coldStart.tuned.peakRssMiB.median,
      coldStartBaselineMiB: coldStart.baseline.peakRssMiB.median,
      sequentialServingMiB: sequential.peakRssMiB,
      warmHarnessMiB: warm.peakRssMiB,
    };
    const warm2KB = warm.sizes.find((size) => size.bytes === 2 * 1024);
    if (warm2KB === undefined) throw new Error('The warm bench did not measure 2 KB bodies.');
    const budget = checkBudget({
      rawBytes: bundles.tuned.rawBytes,
      gzipBytes: bundles.tuned.gzipBytes,
      loadRatio: coldStart.ratio.load,
      warmCpuMsAt2KB: warm2KB.cpuMs.p50,
      peakRssMiB: memory.peakRssMiB,
    });
    return {
      schema: 1,
      measuredAt: new Date().toISOString(),
      machine: machineFacts(options.node),
      settings: { runs: options.runs, requests: options.requests, concurrency: CONCURRENCY },
      bundle: {
        tuned: {
          rawBytes: bundles.tuned.rawBytes,
          gzipBytes: bundles.tuned.gzipBytes,
          packages: bundles.tuned.packages.slice(0, 15),
        },
        baseline: { rawBytes: bundles.baseline.rawBytes, gzipBytes: bundles.baseline.gzipBytes },
      },
      coldStart,
      warm,
      throughput,
      memory,
      budget,
      pass: budget.every((line) => line.pass),
    };
  } finally {
    await stage.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}
